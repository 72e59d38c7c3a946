"""Seen message ids (bot/channels/seen.py) on a real SQLite database: a replayed delivery is
dropped across processes and restarts, accepted again once expired, and the factory follows the
environment."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import List

import pytest

from bot.channels.seen import MemorySeenIds, SqlSeenIds, seen_ids_from_env, utcnow
from knowledge.store import make_engine


def test_a_key_seen_by_one_process_is_not_first_for_another(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    before_restart = SqlSeenIds(make_engine(url))
    assert before_restart.first_time("zalo:msg-1")
    assert not before_restart.first_time("zalo:msg-1")
    after_restart = SqlSeenIds(make_engine(url))  # a new process on the same database
    assert not after_restart.first_time("zalo:msg-1")
    assert after_restart.first_time("zalo:msg-2")


def test_an_expired_key_counts_as_first_again(tmp_path: Path) -> None:
    now: List[datetime] = [utcnow()]
    seen = SqlSeenIds(make_engine(f"sqlite:///{tmp_path / 'kb.db'}"), 60, clock=lambda: now[0])
    other = SqlSeenIds(make_engine(f"sqlite:///{tmp_path / 'kb.db'}"), 60, clock=lambda: now[0])
    assert seen.first_time("messenger:mid.1")
    now[0] += timedelta(seconds=61)
    assert other.first_time("messenger:mid.1")
    assert not seen.first_time("messenger:mid.1")


def test_while_the_database_is_locked_keys_are_checked_in_memory(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    seen = SqlSeenIds(make_engine(f"sqlite:///{path}?timeout=0.1"))
    assert seen.first_time("zalo:before")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert seen.first_time("zalo:during")
        assert not seen.first_time("zalo:during")
        assert not seen.first_time("zalo:before")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not seen.first_time("zalo:during")
    assert seen.first_time("zalo:after")


def test_the_factory_follows_the_environment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'seen.db'}"
    assert isinstance(seen_ids_from_env({"SEEN_IDS_BACKEND": "memory"}), MemorySeenIds)
    chosen = seen_ids_from_env({"SEEN_IDS_URL": url})
    assert isinstance(chosen, SqlSeenIds) and chosen.first_time("k")
    assert not seen_ids_from_env({"SEEN_IDS_URL": url}).first_time("k")
    with pytest.raises(ValueError, match="SEEN_IDS_BACKEND"):
        seen_ids_from_env({"SEEN_IDS_BACKEND": "files"})


def test_memory_ids_expire_and_stay_bounded() -> None:
    seen = MemorySeenIds(size=2, ttl_seconds=0)
    assert seen.first_time("a") and seen.first_time("a")
    bounded = MemorySeenIds(size=2)
    for key in ("a", "b", "c"):
        assert bounded.first_time(key)
    assert bounded.first_time("a")  # forgotten: the oldest
    assert not bounded.first_time("c")
