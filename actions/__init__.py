"""Custom actions of the public-service assistant (run by the rasa-sdk action server)."""
