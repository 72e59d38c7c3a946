"""rasa-sdk trackers for running actions directly in tests."""

from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Tracker

from bot.nlu.entities import extract


def make_tracker(
    text: str, intent: str, active_loop: Optional[str] = None, **slots: Any
) -> Tracker:
    """A tracker whose latest message is ``text`` classified as ``intent``, with the entities
    the NLU pipeline's pattern extractor finds in it."""
    entities = [] if text.startswith("/") else extract(text)
    return Tracker(
        sender_id="citizen",
        slots=slots,
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 1.0},
            "entities": entities,
        },
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )
