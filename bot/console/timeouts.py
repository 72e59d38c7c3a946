"""Tickets nobody took in time: the bot tells the citizen and offers a call-back.

A background task of the console looks every ``check_seconds`` for waiting tickets older than
``HANDOFF_TIMEOUT_MINUTES`` whose citizen was not told yet, marks each (so it happens once) and
asks the staff bridge to tell the citizen. A ticket the bridge could not be reached for is
unmarked and tried again at the next check.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import AsyncIterator, List

from aiohttp import web

from bot.console.bridge import BridgeError, StaffBridge
from bot.console.context import BRIDGE, CONFIG, STORE
from bot.console.live import CHANGES
from bot.handoff.store import HandoffStore

logger = logging.getLogger(__name__)

MAX_CHECK_SECONDS = 30.0


class TimeoutWatch:
    """Hands overdue waiting tickets back to the bot, once each."""

    def __init__(self, store: HandoffStore, bridge: StaffBridge, timeout: dt.timedelta) -> None:
        self.store = store
        self.bridge = bridge
        self.timeout = timeout

    async def check_once(self) -> List[int]:
        """Notify the overdue tickets now; the ids of those the bridge accepted."""
        minutes = self.timeout.total_seconds() / 60
        overdue = await asyncio.to_thread(self.store.waiting_longer_than, minutes)
        notified = []
        for ticket in overdue:
            if not await asyncio.to_thread(self.store.mark_timeout_notified, ticket.id):
                continue  # taken, or marked by another watcher, meanwhile
            try:
                await self.bridge.timeout(ticket.id)
            except BridgeError as error:
                logger.warning("Timeout of ticket %d not sent, will retry: %s", ticket.id, error)
                await asyncio.to_thread(self.store.unmark_timeout_notified, ticket.id)
                continue
            notified.append(ticket.id)
        if notified:
            logger.info("Tickets nobody took in time, handed back to the bot: %s", notified)
        return notified


def check_seconds(timeout: dt.timedelta, poll_seconds: float) -> float:
    """A tenth of the timeout, between the poll interval and 30 s."""
    return min(max(timeout.total_seconds() / 10, poll_seconds, 0.05), MAX_CHECK_SECONDS)


async def watch(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context running the watch while the console runs."""
    config = app[CONFIG]
    watcher = TimeoutWatch(app[STORE], app[BRIDGE], config.handoff_timeout)
    interval = check_seconds(config.handoff_timeout, config.poll_seconds)

    async def loop() -> None:
        while True:
            try:
                if await watcher.check_once():
                    await app[CHANGES].notify()
            except Exception:  # noqa: BLE001 - a database hiccup must not end the watch
                logger.exception("Checking for overdue tickets failed")
            await asyncio.sleep(interval)

    task = asyncio.create_task(loop())
    yield
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
