"""The console's configuration, read once from the environment.

- ``STAFF_BRIDGE_TOKEN`` (required, at least 16 characters): the secret shared with the Rasa
  server's staff bridge; ``RASA_URL`` (default http://localhost:5005) is where that server is.
- ``HANDOFF_TIMEOUT_MINUTES`` (default 10): a ticket nobody took in that time is handed back
  to the bot, which offers the citizen a call-back.
- ``CONVERSATIONS_DB_URL`` (default ``sqlite:///var/conversations.db``): the tracker store's
  database, read for the supervisor's figures.
- ``CONSOLE_SECURE_COOKIES``: ``auto`` (default: Secure when the request came over https),
  ``1`` (always; set it behind a TLS-terminating proxy) or ``0``.
- ``CONSOLE_SESSION_IDLE_MINUTES`` (default 120) and ``CONSOLE_SESSION_HOURS`` (default 12):
  a session ends after that much inactivity, and in any case after that long.
- ``CONSOLE_POLL_SECONDS`` (default 1): how often live views look for changes.
- ``CONSOLE_TRUSTED_PROXIES``: comma-separated addresses of the reverse proxies in front of the
  console; only their ``X-Forwarded-For`` / ``X-Forwarded-Proto`` are believed (default none).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import FrozenSet, Mapping, Optional

BRIDGE_TOKEN_ENV = "STAFF_BRIDGE_TOKEN"
MIN_TOKEN_LENGTH = 16
DEFAULT_CONVERSATIONS_DB = "sqlite:///" + str(
    Path(__file__).resolve().parent.parent.parent / "var" / "conversations.db"
)


class ConfigError(RuntimeError):
    """The environment lacks a required setting or holds an invalid one."""


@dataclass(frozen=True)
class ConsoleConfig:
    """Settings of one console process."""

    rasa_url: str
    bridge_token: str
    handoff_timeout: dt.timedelta
    conversations_db_url: str
    secure_cookies: Optional[bool]  # None: Secure when the request came over https
    session_idle: dt.timedelta
    session_lifetime: dt.timedelta
    poll_seconds: float
    trusted_proxies: FrozenSet[str] = frozenset()

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> ConsoleConfig:
        env = os.environ if env is None else env
        token = env.get(BRIDGE_TOKEN_ENV, "")
        if len(token) < MIN_TOKEN_LENGTH:
            raise ConfigError(
                f"set {BRIDGE_TOKEN_ENV} (the secret shared with the Rasa server's staff bridge) "
                f"to a random value of at least {MIN_TOKEN_LENGTH} characters, e.g. "
                f"`export {BRIDGE_TOKEN_ENV}=$(head -c 24 /dev/urandom | base64)`"
            )
        secure = env.get("CONSOLE_SECURE_COOKIES", "auto").strip().lower()
        if secure not in ("auto", "1", "0"):
            raise ConfigError("CONSOLE_SECURE_COOKIES must be auto, 1 or 0")
        return cls(
            rasa_url=env.get("RASA_URL", "http://localhost:5005").rstrip("/"),
            bridge_token=token,
            handoff_timeout=dt.timedelta(minutes=_number(env, "HANDOFF_TIMEOUT_MINUTES", 10)),
            conversations_db_url=env.get("CONVERSATIONS_DB_URL", DEFAULT_CONVERSATIONS_DB),
            secure_cookies=None if secure == "auto" else secure == "1",
            session_idle=dt.timedelta(minutes=_number(env, "CONSOLE_SESSION_IDLE_MINUTES", 120)),
            session_lifetime=dt.timedelta(hours=_number(env, "CONSOLE_SESSION_HOURS", 12)),
            poll_seconds=_number(env, "CONSOLE_POLL_SECONDS", 1),
            trusted_proxies=frozenset(
                part.strip()
                for part in env.get("CONSOLE_TRUSTED_PROXIES", "").split(",")
                if part.strip()
            ),
        )


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative")
    return value
