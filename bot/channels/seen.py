"""Message ids a webhook has already processed, so a platform's retried delivery runs once.

Zalo retries a delivery for about two hours and Meta may deliver an event twice, also after our
server restarted; so the ids are kept in a database with an expiry, shared by every Rasa process.

- ``SeenIds``: the interface, ``first_time(key)``.
- ``SqlSeenIds``: table ``seen_message_id`` (the key unique, with its expiry); an atomic insert
  decides, so two processes receiving the same delivery process it once.
- ``RedisSeenIds``: Redis keys with an expiry (``SET NX EX``), for a cluster already running
  Redis (the lock store's): cheaper than a database write per delivery.
- ``MemorySeenIds``: bounded memory, for one process (also the fallback while the database
  cannot be reached: a delivery is then processed rather than dropped).
- ``seen_ids_from_env()``: ``SEEN_IDS_BACKEND`` (``sql``, the default, ``redis`` or ``memory``),
  ``SEEN_IDS_URL`` (default ``KNOWLEDGE_DB_URL``; for ``redis`` a ``redis://`` URL, required),
  ``SEEN_IDS_TTL_SECONDS`` (default 3 hours).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, Mapping, Optional, Protocol

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import Column, DateTime, String, delete, insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import declarative_base

from knowledge.store import create_tables, database_url, make_engine

logger = logging.getLogger(__name__)

Base = declarative_base()
DEFAULT_TTL_SECONDS = 3 * 60 * 60  # longer than Zalo's retries (about 1 h 50 min)
MAX_KEY_CHARS = 255
PURGE_EVERY_SECONDS = 60.0


class SeenIds(Protocol):
    """Remembers keys (a channel's message ids) for a while."""

    def first_time(self, key: str) -> bool:
        """Remember ``key``; False when it was seen before and has not expired."""


def utcnow() -> datetime:
    """The current UTC time, naive (as stored in SQL)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class MemorySeenIds:
    """The keys seen lately in this process; at most ``size``, the oldest forgotten first."""

    def __init__(self, size: int = 50_000, ttl_seconds: float = DEFAULT_TTL_SECONDS) -> None:
        self._expiry: OrderedDict[str, float] = OrderedDict()
        self._size = size
        self._ttl = ttl_seconds
        self._lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        with self._lock:
            now = time.monotonic()
            if self._expiry.get(key, 0.0) > now:
                return False
            self._expiry[key] = now + self._ttl
            self._expiry.move_to_end(key)
            if len(self._expiry) > self._size:
                self._expiry.popitem(last=False)
            return True


class SeenMessageId(Base):
    """One processed message id and until when it counts as seen."""

    __tablename__ = "seen_message_id"

    key = Column(String(MAX_KEY_CHARS), primary_key=True)
    expires_at = Column(DateTime, nullable=False, index=True)


class SqlSeenIds:
    """Seen keys in SQL: a key counts once until it expires, across processes and restarts.

    While the database fails, keys are checked in memory instead (one log line per outage).
    """

    def __init__(
        self,
        engine: Engine,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._engine = engine
        self._ttl = timedelta(seconds=ttl_seconds)
        self._clock = clock
        self._fallback = MemorySeenIds(ttl_seconds=ttl_seconds)
        self._next_purge = 0.0
        self._failing = False
        self._table_ready = False

    def first_time(self, key: str) -> bool:
        key = key[:MAX_KEY_CHARS]
        try:
            first = self._claim(key)
        except SQLAlchemyError as error:
            if not self._failing:
                logger.warning(
                    "Seen message ids kept in memory: database unavailable (%s)",
                    type(error).__name__,
                )
                self._failing = True
            return self._fallback.first_time(key)
        if self._failing:
            logger.info("Seen message ids back in the database")
            self._failing = False
        # Also remembered in memory, which answers while the database is down; a key first seen
        # during an outage (so only in memory) still counts as seen afterwards.
        return first and self._fallback.first_time(key)

    def _claim(self, key: str) -> bool:
        if not self._table_ready:
            create_tables(Base.metadata, self._engine)
            self._table_ready = True
        now = self._clock()
        table = SeenMessageId.__table__
        if time.monotonic() >= self._next_purge:
            with self._engine.begin() as connection:
                connection.execute(delete(table).where(table.c.expires_at < now))
            self._next_purge = time.monotonic() + PURGE_EVERY_SECONDS
        try:
            with self._engine.begin() as connection:
                connection.execute(insert(table).values(key=key, expires_at=now + self._ttl))
            return True
        except IntegrityError:
            pass
        with self._engine.begin() as connection:  # seen, but maybe expired: renew atomically
            renewed = connection.execute(
                update(table)
                .where(table.c.key == key, table.c.expires_at < now)
                .values(expires_at=now + self._ttl)
            )
            return renewed.rowcount == 1


class RedisSeenIds:
    """Seen keys in Redis, each expiring on its own; checked in memory while Redis fails."""

    PREFIX = "bot:seen:"

    def __init__(self, client: Any, ttl_seconds: float = DEFAULT_TTL_SECONDS) -> None:
        self._redis = client
        self._ttl = max(1, int(ttl_seconds))
        self._fallback = MemorySeenIds(ttl_seconds=ttl_seconds)
        self._failing = False

    def first_time(self, key: str) -> bool:
        key = key[:MAX_KEY_CHARS]
        try:
            first = bool(self._redis.set(self.PREFIX + key, b"1", nx=True, ex=self._ttl))
        except RedisError as error:
            if not self._failing:
                logger.warning(
                    "Seen message ids kept in memory: Redis unavailable (%s)", type(error).__name__
                )
                self._failing = True
            return self._fallback.first_time(key)
        if self._failing:
            logger.info("Seen message ids back in Redis")
            self._failing = False
        return first and self._fallback.first_time(key)


def _redis(environ: Mapping[str, str], ttl: float) -> SeenIds:
    url = (environ.get("SEEN_IDS_URL") or "").strip()
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("SEEN_IDS_BACKEND=redis needs SEEN_IDS_URL=redis://HOST:PORT/DB")
    return RedisSeenIds(Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2), ttl)


def _sql(environ: Mapping[str, str], ttl: float) -> SeenIds:
    return SqlSeenIds(make_engine(environ.get("SEEN_IDS_URL") or database_url()), ttl)


def _memory(_environ: Mapping[str, str], ttl: float) -> SeenIds:
    return MemorySeenIds(ttl_seconds=ttl)


# Each backend: how to build it from the environment and the expiry in seconds.
BACKENDS: Dict[str, Callable[[Mapping[str, str], float], SeenIds]] = {
    "sql": _sql,
    "redis": _redis,
    "memory": _memory,
}


def seen_ids_from_env(environ: Optional[Mapping[str, str]] = None) -> SeenIds:
    """The seen-ids store the environment chooses (see the module's docstring)."""
    environ = os.environ if environ is None else environ
    backend = (environ.get("SEEN_IDS_BACKEND") or "sql").strip().lower()
    ttl = float(environ.get("SEEN_IDS_TTL_SECONDS") or DEFAULT_TTL_SECONDS)
    if backend not in BACKENDS:
        raise ValueError(f"SEEN_IDS_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}")
    return BACKENDS[backend](environ, ttl)
