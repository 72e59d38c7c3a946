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
