"""The Redis lock store shared by Rasa instances (bot/lock_store.py), on a real Redis: tickets
issued at once by several processes are distinct and in order, and one conversation's turns
never overlap, whichever store (instance) runs them."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import List, Tuple

import pytest
from rasa.utils.endpoints import EndpointConfig

from bot.lock_store import SerializedRedisLockStore

pytestmark = pytest.mark.cluster


def _store(redis_server, prefix: str) -> SerializedRedisLockStore:  # noqa: ANN001
    config = EndpointConfig(
        url="127.0.0.1",
        type="bot.lock_store.SerializedRedisLockStore",
        port=redis_server.port,
        db=1,
        key_prefix=prefix,
    )
    return SerializedRedisLockStore(endpoint_config=config)


def test_tickets_issued_at_once_by_two_instances_are_all_distinct(redis_server) -> None:  # noqa: ANN001
    stores = [_store(redis_server, "tickets"), _store(redis_server, "tickets")]
    with ThreadPoolExecutor(8) as pool:
        tickets = list(pool.map(lambda n: stores[n % 2].issue_ticket("c-1"), range(200)))
    assert sorted(tickets) == list(range(200))


async def test_turns_of_one_conversation_never_overlap_across_instances(redis_server) -> None:  # noqa: ANN001
    stores = [_store(redis_server, "turns"), _store(redis_server, "turns")]
    timeline: List[Tuple[str, int]] = []

    async def turn(n: int) -> None:
        async with stores[n % 2].lock("c-2"):
            timeline.append(("start", n))
            await asyncio.sleep(0.01)
            timeline.append(("end", n))

    await asyncio.gather(*(turn(n) for n in range(20)))
    assert timeline == [(kind, n) for n in range(20) for kind in ("start", "end")]
    assert stores[0].get_lock("c-2") is None  # the queue is removed when empty


async def test_a_dead_instances_ticket_expires_and_the_conversation_goes_on(redis_server) -> None:  # noqa: ANN001
    dead, alive = _store(redis_server, "dead"), _store(redis_server, "dead")
    dead.ticket_seconds = alive.ticket_seconds = 1.0
    dead.issue_ticket("c-3", 1.0)  # taken by a process killed before it released it
    async with alive.lock("c-3") as ticket_lock:
        assert ticket_lock.now_serving == 1


async def test_a_held_ticket_is_renewed_past_its_lifetime(redis_server) -> None:  # noqa: ANN001
    first, second = _store(redis_server, "long"), _store(redis_server, "long")
    first.ticket_seconds = second.ticket_seconds = 0.6
    timeline: List[str] = []

    async def long_turn() -> None:
        async with first.lock("c-4"):
            timeline.append("long start")
            await asyncio.sleep(2.0)  # more than three lifetimes
            timeline.append("long end")

    async def next_turn() -> None:
        await asyncio.sleep(0.2)
        async with second.lock("c-4"):
            timeline.append("next")

    await asyncio.gather(long_turn(), next_turn())
    assert timeline == ["long start", "long end", "next"]
