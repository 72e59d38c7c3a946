"""Citizens' feedback on the bot's answers (👍 / 👎), and what counts as an unanswered question."""
