"""What the platform webhooks (Zalo OA, Messenger) share.

Secrets come from the environment, all or nothing; message ids already seen are remembered in
bounded memory (platforms retry deliveries); bot turns run after the webhook has answered, with
failures logged; user ids are masked in logs.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import OrderedDict
from typing import Awaitable, Dict, List, Optional, Sequence, Set

from sanic import response
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000


def secrets_from_env(names: Sequence[str]) -> Dict[str, str]:
    """The named environment variables, or {} when any of them is missing or empty."""
    values = {name: os.environ.get(name, "").strip() for name in names}
    return values if all(values.values()) else {}


def missing_from_env(names: Sequence[str]) -> List[str]:
    """The names among ``names`` that the environment lacks."""
    return [name for name in names if not os.environ.get(name, "").strip()]


def masked(identifier: str) -> str:
    """A platform user id as logs show it: only its last four characters."""
    return "…" + identifier[-4:] if len(identifier) > 4 else "…"


class RecentIds:
    """The message ids seen lately; at most ``size`` are kept, the oldest forgotten first."""

    def __init__(self, size: int = 50_000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def first_time(self, message_id: str) -> bool:
        """Remember ``message_id``; False when it was already seen."""
        if message_id in self._ids:
            self._ids.move_to_end(message_id)
            return False
        self._ids[message_id] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return True


class BackgroundTurns:
    """Runs bot turns after the webhook has answered; a failing turn is logged, never raised."""

    def __init__(self) -> None:
        self._running: Set[asyncio.Task] = set()

    def start(self, work: Awaitable[None], what: str) -> None:
        """Run ``work`` in the background (a reference is kept until it finishes)."""
        task = asyncio.ensure_future(self._guarded(work, what))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    @staticmethod
    async def _guarded(work: Awaitable[None], what: str) -> None:
        try:
            await work
        except Exception:  # noqa: BLE001 - a turn must never take the server down
            logger.exception("%s failed", what)


def body_too_large(body: Optional[bytes]) -> bool:
    """Whether a webhook body exceeds what any platform event needs."""
    return len(body or b"") > MAX_BODY_BYTES


def refuse(status: int, reason: str) -> HTTPResponse:
    """A webhook's clean 4xx/5xx: JSON with the reason; nothing reaches the bot."""
    return response.json({"error": reason}, status=status)
