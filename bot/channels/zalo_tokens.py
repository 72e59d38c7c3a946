"""The Zalo OA access and refresh tokens: kept in SQL, refreshed before they expire.

Zalo's OA access token lives 25 hours, its refresh token three months, and a refresh token works
only once: each refresh (POST https://oauth.zaloapp.com/v4/oa/access_token, header ``secret_key``
= the app secret, form ``app_id``, ``grant_type=refresh_token``, ``refresh_token``) answers a new
pair, ``{"access_token", "refresh_token", "expires_in": "90000"}``, that must be kept at once.
Source: https://developers.zalo.me/docs/official-account/bat-dau/xac-thuc-va-uy-quyen-cho-ung-dung-new
(as used by chatwoot/chatwoot app/models/channel/zalo_oa.rb).

The pair is stored in the table ``zalo_oa_token`` of the knowledge-base database
(``knowledge.store.database_url()``: SQLite in var/ or PostgreSQL), so a restart keeps the latest
tokens. ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN only seed the table: a new pair in the
environment (the OA was authorised again) replaces the stored one. A seeded pair's expiry is
unknown, so it is refreshed at first use; from then on tokens are refreshed ten minutes before
they expire.

One refresh runs at a time (an asyncio lock); callers holding a stale token wait for it and use
the new one. Before refreshing, the stored row is read again, so a second server process that
refreshed first is followed instead of spending the (single-use) refresh token twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Awaitable, Callable, Optional

from sqlalchemy import Column, DateTime, String, Text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import declarative_base, sessionmaker

from knowledge.store import create_tables, lock_for_writing

logger = logging.getLogger(__name__)

Base = declarative_base()
REFRESH_MARGIN = timedelta(minutes=10)


def utcnow() -> datetime:
    """The current UTC time, naive (as stored in SQL)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class StoredTokens(Base):
    """The current token pair of one Zalo app."""

    __tablename__ = "zalo_oa_token"

    app_id = Column(String(64), primary_key=True)
    access_token = Column(Text, nullable=False)
    refresh_token = Column(Text, nullable=False)
    expires_at = Column(DateTime)  # UTC; NULL when unknown (a pair seeded from the environment)
    seed = Column(String(64), nullable=False)  # sha256 of the environment's refresh token
    updated_at = Column(DateTime, nullable=False)


@dataclass(frozen=True)
class Tokens:
    """An access token, the refresh token that renews it, and when the access token expires."""

    access_token: str
    refresh_token: str
    expires_at: Optional[datetime] = None

    def expiring(self, margin: timedelta = REFRESH_MARGIN) -> bool:
        """Whether the access token expires within ``margin`` (or when, is unknown)."""
        return self.expires_at is None or self.expires_at - margin <= utcnow()


class TokenStore:
    """The token row of one Zalo app in SQL, seeded from the environment's pair."""

    def __init__(self, engine: Engine, app_id: str, seed: Tokens) -> None:
        create_tables(Base.metadata, engine)
        self._sessions = sessionmaker(engine, future=True)
        self._app_id = app_id
        self._seed = seed
        self._seed_hash = hashlib.sha256(seed.refresh_token.encode()).hexdigest()

    def load(self) -> Tokens:
        """The stored pair; the seed when nothing is stored yet or the seed has changed."""
        with self._sessions() as session, session.begin():
            row = session.get(StoredTokens, self._app_id)
            if row is not None and row.seed == self._seed_hash:
                return Tokens(row.access_token, row.refresh_token, row.expires_at)
        self.save(self._seed)
        return self._seed

    def save(self, tokens: Tokens) -> None:
        """Keep ``tokens`` as the current pair."""
        with self._sessions() as session, session.begin():
            lock_for_writing(session)  # merge reads the row before writing it
            session.merge(
                StoredTokens(
                    app_id=self._app_id,
                    access_token=tokens.access_token,
                    refresh_token=tokens.refresh_token,
                    expires_at=tokens.expires_at,
                    seed=self._seed_hash,
                    updated_at=utcnow(),
                )
            )


class TokenKeeper:
    """Hands out a valid access token, refreshing it (once at a time) when it is stale."""

    def __init__(self, store: TokenStore, renew: Callable[[str], Awaitable[Tokens]]) -> None:
        self._store = store
        self._renew = renew
        self._tokens: Optional[Tokens] = None
        self._lock = asyncio.Lock()
        self._loading = asyncio.Lock()

    async def access_token(self) -> str:
        """An access token that does not expire within the refresh margin."""
        tokens = await self._current()
        if tokens.expiring():
            tokens = await self.refresh(tokens.access_token)
        return tokens.access_token

    async def refresh(self, stale_access_token: str) -> Tokens:
        """Replace ``stale_access_token`` (refused or expiring) unless that was already done."""
        async with self._lock:
            current = await self._current()
            if current.access_token != stale_access_token and not current.expiring():
                return current
            stored = await asyncio.to_thread(self._store.load)
            if stored.access_token != stale_access_token and not stored.expiring():
                self._tokens = stored
                return stored
            fresh = await self._renew(stored.refresh_token)
            await asyncio.to_thread(self._store.save, fresh)
            self._tokens = fresh
            logger.info("Zalo OA access token refreshed; valid until %s UTC", fresh.expires_at)
            return fresh

    async def _current(self) -> Tokens:
        if self._tokens is None:
            async with self._loading:  # the first sends arrive together: one load
                if self._tokens is None:
                    self._tokens = await asyncio.to_thread(self._store.load)
        return self._tokens
