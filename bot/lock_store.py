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

    lock_store:
      type: bot.lock_store.SerializedRedisLockStore
      url: ${REDIS_HOST}
      port: ${REDIS_PORT}
      db: 1
      key_prefix: bot
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.lock import Lock

DEFAULT_WAIT_SECONDS = 0.05
MUTEX_SECONDS = 5.0  # a mutex of a process that died mid-step frees itself after this


class SerializedRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose ticket queue changes are atomic across processes."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        settings = dict(endpoint_config.kwargs)
        self.wait_seconds = float(settings.pop("wait_seconds", DEFAULT_WAIT_SECONDS))
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

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: Text,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: Optional[float] = None,
    ) -> AsyncIterator[TicketLock]:
        wait = self.wait_seconds if wait_time_in_seconds is None else wait_time_in_seconds
        async with super().lock(conversation_id, lock_lifetime, wait) as ticket_lock:
            yield ticket_lock
