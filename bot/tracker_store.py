"""The SQL tracker store, storing conversations with secrets removed and personal numbers masked,
and keeping them while the database is unavailable.

Within a turn the bot still sees the message as typed (so an identity number can be checked);
what is written to the database, and so every later turn, transcript and export, is redacted:
every text of user, bot, slot and session-start events, metadata included.

Faults: no database error can stop the server (Rasa's store turns a ``ValueError``, such as a
sender id that cannot be encoded, into ``SystemExit``). A tracker that cannot be written waits
in memory, is served from there to the conversation's next turns (its context is kept) and is
written as soon as the database answers again (retried every few seconds). A conversation
that cannot be read and has nothing waiting raises ``ConversationStoreUnavailable``, which the
channels answer with the polite "busy" message. SQLite waits at most ``SQLITE_BUSY_SECONDS``
for a lock instead of five seconds per query.
Configured in endpoints.yml (SQLite by default, PostgreSQL in production).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, Generator, Iterator, Optional, Text
from weakref import WeakValueDictionary

import sqlalchemy as sa
from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import SQLTrackerStore, ensure_schema_exists
from rasa.shared.core.events import (
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.privacy import redact
from bot.rate_limited_log import RateLimitedLog

logger = logging.getLogger(__name__)

SQLITE_BUSY_SECONDS = 0.5
RETRY_SECONDS = 2.0
MAX_WAITING = 10_000  # conversations kept in memory while the database is unavailable
REDACTED_EVENTS = (UserUttered, BotUttered, SlotSet, SessionStarted)
_KEPT_KEYS = frozenset({"event", "name", "timestamp", "input_channel", "message_id", "policy"})

problems = RateLimitedLog(logger)


class ConversationStoreUnavailable(RuntimeError):
    """A conversation could not be read from the database and nothing of it waits in memory."""


async def run_turn_waiting_for_store(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    message: UserMessage,
    wait_seconds: float,
    retry_interval: float,
) -> None:
    """Run a bot turn; while the conversation store cannot read the conversation, try again
    every ``retry_interval`` for ``wait_seconds`` (a short lock passes unnoticed), then raise
    ``ConversationStoreUnavailable``."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            await on_new_message(message)
            return
        except ConversationStoreUnavailable:
            if time.monotonic() >= deadline:
                raise
            await asyncio.sleep(retry_interval)


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    return value


def redact_event(event: Event) -> Event:
    """A copy of the event fit for storage (the same event when nothing needs hiding): every
    text of a user, bot, slot or session-start event, metadata and parse data included."""
    if not isinstance(event, REDACTED_EVENTS):
        return event
    data: Dict[str, Any] = event.as_dict()
    redacted = {
        key: value if key in _KEPT_KEYS else _redacted(value) for key, value in data.items()
    }
    return event if redacted == data else Event.from_parameters(redacted)


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that redacts each event as it is stored and survives database faults."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
            self.sessionmaker = sessionmaker(bind=self.engine)
        self._waiting: OrderedDict[Text, DialogueStateTracker] = OrderedDict()
        self._writing: WeakValueDictionary[Text, asyncio.Lock] = WeakValueDictionary()
        self._retrying: Optional[asyncio.Task] = None

    @contextlib.contextmanager
    def session_scope(self) -> Generator[Session, None, None]:
        """A session; unlike Rasa's, a ``ValueError`` is an error, never ``SystemExit``."""
        session = self.sessionmaker()
        try:
            try:
                ensure_schema_exists(session)
            except ValueError as error:
                raise ConversationStoreUnavailable(
                    f"PostgreSQL schema '{error}' not found in the database"
                ) from error
            yield session
        finally:
            session.close()

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        for event in super()._additional_events(session, tracker):
            yield redact_event(event)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The conversation's current session: what waits in memory, else the database's."""
        return await self._read(sender_id, all_sessions=False)

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        """All sessions of a conversation (what waits in memory when the database is down)."""
        return await self._read(conversation_id, all_sessions=True)

    async def _read(self, sender_id: Text, all_sessions: bool) -> Optional[DialogueStateTracker]:
        waiting = self._waiting.get(sender_id)
        if waiting is not None and not all_sessions:
            return waiting.copy()
        try:
            return await asyncio.to_thread(self._read_stored, sender_id, all_sessions)
        except Exception as error:  # noqa: BLE001 - any store fault: refused, never fatal
            if waiting is not None:
                return waiting.copy()
            problems.warning("read", "Conversation store unavailable for reading: %s", error)
            raise ConversationStoreUnavailable(str(error)) from error

    def _read_stored(self, sender_id: Text, all_sessions: bool) -> Optional[DialogueStateTracker]:
        with self.session_scope() as session:
            rows = self._event_query(
                session, sender_id, fetch_events_from_all_sessions=all_sessions
            ).all()
            events = [json.loads(row.data) for row in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Write the tracker's new events; when the database fails, keep it to write later."""
        self._waiting[tracker.sender_id] = tracker
        self._waiting.move_to_end(tracker.sender_id)
        if len(self._waiting) > MAX_WAITING:
            self._waiting.popitem(last=False)
            logger.error("Conversation store: too many waiting conversations; one dropped")
        if not await self._write_one(tracker.sender_id, tracker):
            self._retry_later()

    async def _write_one(self, sender_id: Text, tracker: DialogueStateTracker) -> bool:
        """Write one waiting tracker; False when the database fails. One write per conversation
        at a time: two at once would both count the stored events and store the new ones twice."""
        lock = self._writing.setdefault(sender_id, asyncio.Lock())
        async with lock:
            if self._waiting.get(sender_id) is not tracker:
                return True  # written meanwhile, or replaced by a newer tracker to write
            try:
                await asyncio.to_thread(self._write, tracker)
            except SQLAlchemyError as error:
                problems.warning(
                    "write",
                    "Conversation store unavailable; %d conversation(s) kept in memory: %s",
                    len(self._waiting),
                    error,
                )
                return False
            except Exception as error:  # noqa: BLE001 - a store fault must not stop the server
                logger.error("Conversation not storable, dropped: %s", error)
            if self._waiting.get(sender_id) is tracker:
                del self._waiting[sender_id]
        return True

    async def _write_waiting(self) -> bool:
        """Write every waiting tracker, oldest first; False when the database still fails."""
        for sender_id, tracker in list(self._waiting.items()):
            if not await self._write_one(sender_id, tracker):
                return False
        return True

    def _write(self, tracker: DialogueStateTracker) -> None:
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                intent = data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY)
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=intent,
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()

    def _retry_later(self) -> None:
        if self._retrying is None or self._retrying.done():
            self._retrying = asyncio.ensure_future(self._retry())

    async def _retry(self) -> None:
        while True:
            await asyncio.sleep(RETRY_SECONDS)
            if await self._write_waiting():
                logger.info("Conversation store available again; waiting conversations written")
                return
