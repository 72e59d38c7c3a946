"""The SQL tracker store, storing conversations with secrets removed and personal numbers masked,
and keeping them while the database is unavailable.

Within a turn the bot still sees the message as typed (so an identity number can be checked);
what is written to the database, and so every later turn, transcript and export, is redacted:
every text of user, bot, slot and session-start events, metadata included.

Faults: no database error can stop the server (Rasa's store turns a ``ValueError``, such as a
sender id that cannot be encoded, into ``SystemExit``). While the database is unavailable
(locked, moved away, down), every message is still answered and nothing is lost:

- a tracker that cannot be written waits in memory and on disk (``bot.conversation_spool``, so a
  Rasa process killed meanwhile writes it at its next start), is served from there to the
  conversation's next turns (its context is kept) and is written as soon as the database
  answers again (retried every few seconds);
- a conversation that cannot be read is served from the recently used ones kept in memory
  (``MAX_RECENT``); one not among them is read again for ``OUTAGE_WAIT_SECONDS`` (a short lock
  passes unnoticed), then begins a new session without its stored history, which is later
  written after that history, never over it.

Any other fault reading a conversation raises ``ConversationStoreUnavailable``, which the
channels answer with the polite "busy" message. SQLite waits at most ``SQLITE_BUSY_SECONDS``
for a lock instead of five seconds per query; its file is created on the very first start only
and opened read-write: a file moved away (also before a restart) is an outage, never a new
empty database.
Configured in endpoints.yml (SQLite by default, PostgreSQL in production).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any, Dict, Generator, Iterator, List, Optional, Set, Text
from weakref import WeakValueDictionary

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, ensure_schema_exists
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation_spool import ConversationSpool, KeptConversation
from bot.privacy import redact
from bot.rate_limited_log import RateLimitedLog
from knowledge.store import sqlite_file

logger = logging.getLogger(__name__)

SQLITE_BUSY_SECONDS = 0.5
RETRY_SECONDS = 2.0
MAX_WAITING = 10_000  # conversations kept in memory while the database is unavailable
MAX_RECENT = 1_000  # recently used conversations kept in memory to serve during an outage
OUTAGE_WAIT_SECONDS = 5.0
OUTAGE_RETRY_INTERVAL = 0.5
REDACTED_EVENTS = (UserUttered, BotUttered, SlotSet, SessionStarted)
_KEPT_KEYS = frozenset({"event", "name", "timestamp", "input_channel", "message_id", "policy"})

problems = RateLimitedLog(logger)


class ConversationStoreUnavailable(RuntimeError):
    """A conversation could not be read from the database and nothing of it waits in memory."""


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
        self._waiting: OrderedDict[Text, DialogueStateTracker] = OrderedDict()
        self._recent: OrderedDict[Text, DialogueStateTracker] = OrderedDict()
        self._fresh: Set[Text] = set()  # waiting conversations begun without their history
        self._on_disk: Set[Text] = set()
        self._writing: WeakValueDictionary[Text, asyncio.Lock] = WeakValueDictionary()
        self._retrying: Optional[asyncio.Task] = None
        self._spool = ConversationSpool.from_env()
        self._kept: List[KeptConversation] = self._spool.kept()
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
            self.sessionmaker = sessionmaker(bind=self.engine)

    @staticmethod
    def get_db_url(
        dialect: Text = "sqlite",
        host: Optional[Text] = None,
        port: Optional[int] = None,
        db: Text = "rasa.db",
        username: Optional[Text] = None,
        password: Optional[Text] = None,
        login_db: Optional[Text] = None,
        query: Optional[Dict] = None,
    ) -> Any:
        """Rasa's database URL; a SQLite file is created on its first use only and opened
        read-write (``knowledge.store.sqlite_file``): one moved away is an outage, never a new
        empty database."""
        if dialect == "sqlite" and not host and db != ":memory:":
            read_write = {**(query or {}), "mode": "rw", "uri": "true"}
            return sa.engine.url.URL.create(
                "sqlite", database=sqlite_file(Path(db)), query=read_write
            )
        return SQLTrackerStore.get_db_url(
            dialect, host, port, db, username, password, login_db, query
        )

    @property
    def domain(self) -> Domain:
        """The domain (Rasa sets it once the model is loaded)."""
        return self._domain

    @domain.setter
    def domain(self, domain: Optional[Domain]) -> None:
        self._domain = domain or Domain.empty()
        if not self._domain.is_empty():
            self._resume()

    def _resume(self) -> None:
        """Take the conversations an earlier process kept on disk (waiting to be written, and
        served meanwhile) and start writing them; without a running event loop yet, the first
        read or save does."""
        if not self._kept:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        kept, self._kept = self._kept, []
        for conversation in kept:
            self._on_disk.add(conversation.sender_id)
            if conversation.sender_id in self._waiting:
                continue
            self._waiting[conversation.sender_id] = DialogueStateTracker.from_dict(
                conversation.sender_id, conversation.events, self.domain.slots
            )
            if conversation.fresh:
                self._fresh.add(conversation.sender_id)
        logger.info("Conversation store: %d kept conversation(s) to write", len(kept))
        self._retry_later(first_delay=0)

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
        """The conversation's current session: what waits in memory, else the database's, else
        (database unavailable) the recently used copy, else a new conversation."""
        return await self._read(sender_id, all_sessions=False)

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        """All sessions of a conversation (what waits in memory when the database is down)."""
        return await self._read(conversation_id, all_sessions=True)

    async def _read(self, sender_id: Text, all_sessions: bool) -> Optional[DialogueStateTracker]:
        self._resume()
        waiting = self._waiting.get(sender_id)
        if waiting is not None and not all_sessions:
            return waiting.copy()
        deadline = time.monotonic() + OUTAGE_WAIT_SECONDS
        while True:
            try:
                tracker = await asyncio.to_thread(self._read_stored, sender_id, all_sessions)
            except Exception as error:  # noqa: BLE001 - any store fault: refused, never fatal
                fallback = waiting or self._recent.get(sender_id)
                if fallback is not None:
                    return fallback.copy()
                problems.warning("read", "Conversation store unavailable for reading: %s", error)
                if all_sessions or not isinstance(error, OperationalError):
                    raise ConversationStoreUnavailable(str(error)) from error
                if time.monotonic() >= deadline:
                    self._fresh.add(sender_id)  # a new session, written after the stored ones
                    return None
                await asyncio.sleep(OUTAGE_RETRY_INTERVAL)
                continue
            if not all_sessions:
                self._fresh.discard(sender_id)  # read with its history after all
                if tracker is not None:
                    self._remember(tracker)
            return tracker

    def _remember(self, tracker: DialogueStateTracker) -> None:
        self._recent[tracker.sender_id] = tracker
        self._recent.move_to_end(tracker.sender_id)
        if len(self._recent) > MAX_RECENT:
            self._recent.popitem(last=False)

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
        """Write the tracker's new events; when the database fails, keep it (in memory and on
        disk) to write later."""
        self._resume()
        self._waiting[tracker.sender_id] = tracker
        self._waiting.move_to_end(tracker.sender_id)
        if len(self._waiting) > MAX_WAITING:
            dropped, _ = self._waiting.popitem(last=False)
            self._fresh.discard(dropped)
            logger.error("Conversation store: too many waiting conversations; one dropped")
        if not await self._write_one(tracker.sender_id, tracker):
            await self._keep_on_disk(tracker)
            self._retry_later()

    async def _keep_on_disk(self, tracker: DialogueStateTracker) -> None:
        events = [redact_event(event).as_dict() for event in tracker.events]
        fresh = tracker.sender_id in self._fresh
        try:
            await asyncio.to_thread(self._spool.keep, tracker.sender_id, events, fresh)
            self._on_disk.add(tracker.sender_id)
        except OSError as error:
            problems.warning("spool", "Waiting conversation kept in memory only: %s", error)

    async def _write_one(self, sender_id: Text, tracker: DialogueStateTracker) -> bool:
        """Write one waiting tracker; False when the database fails. One write per conversation
        at a time: two at once would both count the stored events and store the new ones twice."""
        lock = self._writing.setdefault(sender_id, asyncio.Lock())
        async with lock:
            if self._waiting.get(sender_id) is not tracker:
                return True  # written meanwhile, or replaced by a newer tracker to write
            try:
                await asyncio.to_thread(self._write, tracker, sender_id in self._fresh)
            except SQLAlchemyError as error:
                problems.warning(
                    "write",
                    "Conversation store unavailable; %d conversation(s) kept: %s",
                    len(self._waiting),
                    error,
                )
                return False
            except Exception as error:  # noqa: BLE001 - a store fault must not stop the server
                logger.error("Conversation not storable, dropped: %s", error)
                self._fresh.discard(sender_id)
            else:
                self._remember(tracker)
                if tracker.events:  # an empty write (a new tracker) touched no database
                    self._fresh.discard(sender_id)
            if self._waiting.get(sender_id) is tracker:
                del self._waiting[sender_id]
                if sender_id in self._on_disk:
                    self._on_disk.discard(sender_id)
                    await asyncio.to_thread(self._spool.drop, sender_id)
        return True

    async def _write_waiting(self) -> bool:
        """Write every waiting tracker, oldest first; False when the database still fails."""
        for sender_id, tracker in list(self._waiting.items()):
            if not await self._write_one(sender_id, tracker):
                return False
        return True

    def _write(self, tracker: DialogueStateTracker, fresh: bool) -> None:
        """Store the events the database lacks; all of them for a conversation begun without its
        stored history (they come after it)."""
        with self.session_scope() as session:
            new_events = (
                map(redact_event, tracker.events)
                if fresh
                else self._additional_events(session, tracker)
            )
            for event in new_events:
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

    def _retry_later(self, first_delay: float = RETRY_SECONDS) -> None:
        if self._retrying is None or self._retrying.done():
            self._retrying = asyncio.ensure_future(self._retry(first_delay))

    async def _retry(self, delay: float) -> None:
        while True:
            await asyncio.sleep(delay)
            if await self._write_waiting():
                logger.info("Conversation store available again; waiting conversations written")
                return
            delay = RETRY_SECONDS
