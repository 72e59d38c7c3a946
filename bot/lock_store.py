"""Rasa's Redis lock store, made safe for several Rasa processes.

Rasa's ``RedisLockStore`` keeps each conversation's ticket queue as one Redis value that it
reads, changes and writes back (issuing a ticket, dropping expired ones, finishing one). Two
instances receiving messages of one conversation at the same moment can both read the queue and
both write it: they get the same ticket and process the messages at once, or a finished ticket
comes back. Here each of those read-modify-write steps runs under a short Redis mutex of the
conversation (redis-py's ``Lock``: ``SET NX PX``, released by a script), so tickets are issued
in arrival order and served one at a time, whichever instance holds them.

A waiting message also checks the queue every ``wait_seconds`` (endpoints.yml; 0.05 s by
default) instead of Rasa's 1 s, so a conversation's queued messages do not wait a second each.

A ticket lives ``ticket_seconds`` (default 10 s) and its process renews it every third of that
while the message waits or runs. A process that dies stops renewing, so its tickets expire within
seconds and its conversations go on in the other instances; with Rasa's fixed 60 s lifetime they
stayed locked for a minute (and a turn longer than that lost its lock).

    lock_store:
      type: bot.lock_store.SerializedRedisLockStore
      url: ${REDIS_HOST}
      port: ${REDIS_PORT}
      db: 1
      key_prefix: bot
      ticket_seconds: 10
"""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager
from typing import AsyncIterator, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.lock import Lock

DEFAULT_WAIT_SECONDS = 0.05
DEFAULT_TICKET_SECONDS = 10.0
MUTEX_SECONDS = 5.0  # a mutex of a process that died mid-step frees itself after this


class SerializedRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose ticket queue changes are atomic across processes."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        settings = dict(endpoint_config.kwargs)
        self.wait_seconds = float(settings.pop("wait_seconds", DEFAULT_WAIT_SECONDS))
        self.ticket_seconds = float(settings.pop("ticket_seconds", DEFAULT_TICKET_SECONDS))
        super().__init__(host=endpoint_config.url or "localhost", **settings)

    def _mutex(self, conversation_id: Text) -> Lock:
        # NUL cannot appear in a conversation id (the channels refuse it), so no key clashes.
        return self.red.lock(
            f"{self.key_prefix}{conversation_id}\0mutex",
            timeout=MUTEX_SECONDS,
            sleep=0.002,
            blocking_timeout=MUTEX_SECONDS,
        )

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: Text) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)

    def renew(self, conversation_id: Text, ticket_number: int, lifetime: float) -> bool:
        """Push a ticket's expiry ``lifetime`` seconds ahead; False when it is gone."""
        with self._mutex(conversation_id):
            ticket_lock = self.get_lock(conversation_id)
            ticket = next(
                (
                    t
                    for t in (ticket_lock.tickets if ticket_lock else ())
                    if t.number == ticket_number
                ),
                None,
            )
            if ticket is None:
                return False
            ticket.expires = time.time() + lifetime
            self.save_lock(ticket_lock)
            return True

    async def _keep_alive(self, conversation_id: Text, ticket_number: int, lifetime: float) -> None:
        while True:
            await asyncio.sleep(lifetime / 3)
            if not self.renew(conversation_id, ticket_number, lifetime):
                return

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: Text,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: Optional[float] = None,
    ) -> AsyncIterator[TicketLock]:
        """The conversation's lock, held until the block ends; ``lock_lifetime`` is ignored
        (tickets live ``ticket_seconds`` and are renewed while held or awaited)."""
        wait = self.wait_seconds if wait_time_in_seconds is None else wait_time_in_seconds
        lifetime = self.ticket_seconds
        ticket = self.issue_ticket(conversation_id, lifetime)
        keep_alive = asyncio.ensure_future(self._keep_alive(conversation_id, ticket, lifetime))
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait)
        finally:
            keep_alive.cancel()
            self.cleanup(conversation_id, ticket)
