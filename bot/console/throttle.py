"""Failed console sign-ins, throttled per account and per address, in the console's SQL
database so that every console process counts the same failures.

- An account with ``ACCOUNT_FAILURES`` failures in ``WINDOW`` is refused (429) until the
  oldest of them leaves the window: guessing one staff member's password is slowed.
- An address with ``ADDRESS_FAILURES`` failures in ``WINDOW`` is refused, whatever the
  username: password spraying (one try on each of many usernames) is slowed.
- A successful sign-in clears the account's failures from that address.
The address is the client's as ``bot.console.network.client_address`` reads it (behind a
trusted proxy, the forwarded one), so staff behind one proxy are not locked out together.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, DateTime, Integer, String, delete, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import declarative_base

from knowledge.store import create_tables

Base = declarative_base()
WINDOW = dt.timedelta(minutes=15)
ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 20
ACCOUNT, ADDRESS = "account", "address"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class LoginFailure(Base):
    """One failed sign-in, counted against an account and against an address."""

    __tablename__ = "console_login_failure"

    id = Column(Integer, primary_key=True)
    kind = Column(String(16), nullable=False)
    key = Column(String(255), nullable=False, index=True)
    address = Column(String(64), nullable=False)
    at = Column(DateTime, nullable=False, index=True)


class LoginThrottle:
    """Counts failed sign-ins in SQL (call from a thread: the calls block)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        create_tables(Base.metadata, engine)

    def locked(self, username: str, address: str) -> bool:
        """Whether sign-ins for this account, or from this address, are refused now."""
        table = LoginFailure.__table__
        since = utcnow() - WINDOW
        with self._engine.connect() as connection:
            counts = dict(
                connection.execute(
                    select(table.c.kind, func.count())
                    .where(
                        table.c.at > since,
                        ((table.c.kind == ACCOUNT) & (table.c.key == _account(username)))
                        | ((table.c.kind == ADDRESS) & (table.c.key == address)),
                    )
                    .group_by(table.c.kind)
                ).all()
            )
        return counts.get(ACCOUNT, 0) >= ACCOUNT_FAILURES or (
            counts.get(ADDRESS, 0) >= ADDRESS_FAILURES
        )

    def failed(self, username: str, address: str) -> None:
        """Record a failure against the account and the address (and forget old ones)."""
        table = LoginFailure.__table__
        now = utcnow()
        with self._engine.begin() as connection:
            connection.execute(delete(table).where(table.c.at <= now - WINDOW))
            connection.execute(
                insert(table),
                [
                    {"kind": ACCOUNT, "key": _account(username), "address": address, "at": now},
                    {"kind": ADDRESS, "key": address, "address": address, "at": now},
                ],
            )

    def succeeded(self, username: str, address: str) -> None:
        """Forget the account's failures from this address."""
        table = LoginFailure.__table__
        with self._engine.begin() as connection:
            connection.execute(
                delete(table).where(
                    table.c.kind == ACCOUNT,
                    table.c.key == _account(username),
                    table.c.address == address,
                )
            )


def _account(username: str) -> str:
    return username.strip().casefold()[:255]
