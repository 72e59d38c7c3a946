"""Live updates for the console's pages, as server-sent events.

A stream sends a JSON snapshot whenever it differs from the last one sent, polled every
``CONSOLE_POLL_SECONDS`` (tickets are opened by the action server, in another process) or at
once when this console changed a ticket. A comment line every 15 s keeps proxies from closing
an idle stream; the session is checked again every 30 s, so signing out or disabling an
account ends its streams.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Awaitable, Callable, Optional

from aiohttp import web

from bot.console.auth import signed_in
from bot.console.context import CONFIG

logger = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15.0
SESSION_CHECK_SECONDS = 30.0
Snapshot = Callable[[], Awaitable[Any]]


class Changes:
    """Wakes every open stream when this console changed a ticket; ends them at shutdown."""

    def __init__(self) -> None:
        self._version = 0
        self._changed: Optional[asyncio.Condition] = None
        self.closing = False

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    async def notify(self) -> None:
        """A ticket changed: streams look again now."""
        async with self._condition():
            self._version += 1
            self._condition().notify_all()

    async def close(self) -> None:
        """The console is stopping: every stream ends."""
        self.closing = True
        await self.notify()

    async def wait(self, version: int, seconds: float) -> int:
        """Wait until a change after ``version`` or ``seconds``; the current version."""
        async with self._condition():
            try:
                await asyncio.wait_for(
                    self._condition().wait_for(lambda: self._version != version), seconds
                )
            except asyncio.TimeoutError:
                pass
            return self._version

    @property
    def version(self) -> int:
        return self._version


CHANGES = web.AppKey("console_changes", Changes)


async def stream(request: web.Request, snapshot: Snapshot, event: str) -> web.StreamResponse:
    """Serve ``snapshot()`` as server-sent events named ``event`` until the client leaves."""
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "X-Accel-Buffering": "no"}
    )
    await response.prepare(request)
    changes = request.app[CHANGES]
    poll = max(request.app[CONFIG].poll_seconds, 0.05)
    last_sent, last_write, last_check = None, time.monotonic(), time.monotonic()
    version = changes.version
    try:
        while not changes.closing:
            data = json.dumps(await snapshot(), ensure_ascii=False)
            now = time.monotonic()
            if data != last_sent:
                await response.write(f"event: {event}\ndata: {data}\n\n".encode())
                last_sent, last_write = data, now
            elif now - last_write >= KEEPALIVE_SECONDS:
                await response.write(b": keep-alive\n\n")
                last_write = now
            if now - last_check >= SESSION_CHECK_SECONDS:
                if await signed_in(request) is None:
                    break
                last_check = now
            version = await changes.wait(version, poll)
    except ConnectionResetError:
        logger.debug("An event stream's client left")
    return response


async def on_shutdown(app: web.Application) -> None:
    """End the streams so the console stops without waiting for them."""
    await app[CHANGES].close()
