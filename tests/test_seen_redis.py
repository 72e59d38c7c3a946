"""Seen message ids in a real Redis (bot/channels/seen.py): a delivery counts once across
processes, each key expires, and while Redis is down keys are checked in memory."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis import Redis as RedisClient

from bot.channels.seen import RedisSeenIds, seen_ids_from_env
from tests.services import Redis

pytestmark = pytest.mark.cluster


def test_a_key_seen_by_one_process_is_not_first_for_another(redis_server) -> None:  # noqa: ANN001
    env = {"SEEN_IDS_BACKEND": "redis", "SEEN_IDS_URL": redis_server.url}
    first, second = seen_ids_from_env(env), seen_ids_from_env(env)
    assert isinstance(first, RedisSeenIds)
    assert first.first_time("zalo:shared-1")
    assert not second.first_time("zalo:shared-1")
    assert second.first_time("zalo:shared-2")


def test_each_key_expires_after_the_configured_time(redis_server) -> None:  # noqa: ANN001
    env = {"SEEN_IDS_BACKEND": "redis", "SEEN_IDS_URL": redis_server.url}
    seen_ids_from_env(dict(env, SEEN_IDS_TTL_SECONDS="600")).first_time("messenger:mid.7")
    remaining = RedisClient.from_url(redis_server.url).ttl(RedisSeenIds.PREFIX + "messenger:mid.7")
    assert 0 < remaining <= 600


def test_while_redis_is_down_keys_are_checked_in_memory(tmp_path: Path) -> None:
    server = Redis(tmp_path / "redis")
    seen = seen_ids_from_env({"SEEN_IDS_BACKEND": "redis", "SEEN_IDS_URL": server.url})
    assert seen.first_time("zalo:before")
    server.stop()
    assert seen.first_time("zalo:during")
    assert not seen.first_time("zalo:during")
    assert not seen.first_time("zalo:before")


def test_the_redis_backend_needs_a_redis_url() -> None:
    with pytest.raises(ValueError, match="SEEN_IDS_URL"):
        seen_ids_from_env({"SEEN_IDS_BACKEND": "redis"})
