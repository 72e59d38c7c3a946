"""Rasa's Redis lock store, made safe for several Rasa processes.

Rasa's ``RedisLockStore`` keeps each conversation's ticket queue as one Redis value that it
reads, changes and writes back (issuing a ticket, dropping expired ones, finishing one). Two
instances receiving messages of one conversation at the same moment can both read the queue and
both write it: they get the same ticket and process the messages at once, or a finished ticket
comes back. Here each change is one Lua script, which Redis runs atomically, on the value in
Rasa's own format: tickets are issued in arrival order and served one at a time, whichever
instance holds them, in one round trip per change (a mutex around Rasa's code took four).

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

DEFAULT_WAIT_SECONDS = 0.05
DEFAULT_TICKET_SECONDS = 10.0

# The value is Rasa's TicketLock.dumps(): {"conversation_id": ..., "tickets": ["{json}", ...]}.
# Tickets kept are copied as they were; a ticket has expired when now > expires, as in Rasa.
_KEEP = """
local function kept(raw, now, skip)
  local tickets = {}
  if raw then
    for _, text in ipairs(cjson.decode(raw).tickets) do
      local ticket = cjson.decode(text)
      if ticket.number ~= skip and not (now > ticket.expires) then
        table.insert(tickets, {text, ticket})
      end
    end
  end
  return tickets
end
local function store(key, conversation, tickets)
  if #tickets == 0 then
    redis.call('DEL', key)
    return
  end
  local texts = {}
  for i, pair in ipairs(tickets) do texts[i] = pair[1] end
  redis.call('SET', key, cjson.encode({conversation_id = conversation, tickets = texts}))
end
"""
# KEYS[1]: the lock; ARGV: conversation id, now, lifetime. Returns the new ticket's number.
ISSUE = (
    _KEEP
    + """
local now = tonumber(ARGV[2])
local tickets = kept(redis.call('GET', KEYS[1]), now, -1)
local number = 0
if #tickets > 0 then number = tickets[#tickets][2].number + 1 end
local ticket = {number = number, expires = now + tonumber(ARGV[3])}
table.insert(tickets, {cjson.encode(ticket), ticket})
store(KEYS[1], ARGV[1], tickets)
return number
"""
)
# KEYS[1]: the lock; ARGV: conversation id, now, the finished ticket (-1: none). Drops it and
# the expired tickets; the lock goes when no ticket is left. Returns how many are left.
FINISH = (
    _KEEP
    + """
local tickets = kept(redis.call('GET', KEYS[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
store(KEYS[1], ARGV[1], tickets)
return #tickets
"""
)
# KEYS[1]: the lock; ARGV: conversation id, now, ticket, lifetime. Returns 1, or 0 when gone.
RENEW = (
    _KEEP
    + """
local now = tonumber(ARGV[2])
local tickets = kept(redis.call('GET', KEYS[1]), now, -1)
local found = 0
for i, pair in ipairs(tickets) do
  if pair[2].number == tonumber(ARGV[3]) then
    local ticket = {number = pair[2].number, expires = now + tonumber(ARGV[4])}
    tickets[i] = {cjson.encode(ticket), ticket}
    found = 1
  end
end
store(KEYS[1], ARGV[1], tickets)
return found
"""
)


class SerializedRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose ticket queue changes are atomic across processes."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        settings = dict(endpoint_config.kwargs)
        self.wait_seconds = float(settings.pop("wait_seconds", DEFAULT_WAIT_SECONDS))
        self.ticket_seconds = float(settings.pop("ticket_seconds", DEFAULT_TICKET_SECONDS))
        super().__init__(host=endpoint_config.url or "localhost", **settings)
        self._issue = self.red.register_script(ISSUE)
        self._finish = self.red.register_script(FINISH)
        self._renew = self.red.register_script(RENEW)

    def _key(self, conversation_id: Text) -> str:
        return self.key_prefix + conversation_id

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        key = self._key(conversation_id)
        return int(self._issue(keys=[key], args=[conversation_id, time.time(), lock_lifetime]))

    def update_lock(self, conversation_id: Text) -> None:
        key = self._key(conversation_id)
        self._finish(keys=[key], args=[conversation_id, time.time(), -1])

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        key = self._key(conversation_id)
        self._finish(keys=[key], args=[conversation_id, time.time(), ticket_number])

    def renew(self, conversation_id: Text, ticket_number: int, lifetime: float) -> bool:
        """Push a ticket's expiry ``lifetime`` seconds ahead; False when it is gone."""
        key = self._key(conversation_id)
        args = [conversation_id, time.time(), ticket_number, lifetime]
        return bool(self._renew(keys=[key], args=args))

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
