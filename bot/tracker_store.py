"""The SQL tracker store, storing conversations with secrets removed and personal numbers masked.

Within a turn the bot still sees the message as typed (so an identity number can be checked);
what is written to the database, and so every later turn, transcript and export, is redacted.
Configured in endpoints.yml (SQLite by default, PostgreSQL in production).
"""

from __future__ import annotations

from typing import Any, Dict, Iterator

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy import redact


def redact_event(event: Event) -> Event:
    """A copy of the event fit for storage (the same event when nothing needs hiding)."""
    if isinstance(event, UserUttered) and event.text:
        data: Dict[str, Any] = event.as_dict()
        data["text"] = redact(event.text)
        if isinstance(data.get("parse_data"), dict):
            data["parse_data"]["text"] = data["text"]
        return Event.from_parameters(data)
    if isinstance(event, SlotSet) and isinstance(event.value, str):
        value = redact(event.value)
        if value != event.value:
            return SlotSet(event.key, value, timestamp=event.timestamp, metadata=event.metadata)
    return event


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that redacts each event as it is stored."""

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        for event in super()._additional_events(session, tracker):
            yield redact_event(event)
