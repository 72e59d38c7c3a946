"""Tickets nobody took in time: the console asks the staff bridge to tell the citizen, once per
ticket (the watch on its own, and inside a running console), against a fake bridge."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterator

import pytest
from console_server import (
    BRIDGE_TOKEN,
    FakeBridge,
    StaffClient,
    handoff_database,
    running_console,
)

from bot.console.bridge import StaffBridge
from bot.console.timeouts import TimeoutWatch, check_seconds
from bot.handoff.models import Ticket
from bot.handoff.store import HandoffStore, utcnow


@pytest.fixture()
def bridge() -> Iterator[FakeBridge]:
    fake = FakeBridge().start()
    yield fake
    fake.stop()


def waiting_ticket(store: HandoffStore, sender: str, minutes_ago: float = 0) -> Ticket:
    ticket = store.create_ticket("socketio", sender, "repeated_failures", None, "Hỏi về phí.", [])
    with store.session() as session, session.begin():
        session.get(Ticket, ticket.id).created_at = utcnow() - dt.timedelta(minutes=minutes_ago)
    return ticket


def timeouts_of(bridge: FakeBridge, ticket: Ticket) -> int:
    return sum(1 for call in bridge.calls_of("timeout") if call["ticket_id"] == ticket.id)


async def test_each_overdue_ticket_is_handed_back_once(tmp_path: Path, bridge: FakeBridge) -> None:
    store = HandoffStore.open(f"sqlite:///{tmp_path / 'handoff.db'}")
    operator = store.create_staff("tongdai", "Tổng đài viên", "mat-khau-thu-nghiem")
    overdue = waiting_ticket(store, "citizen-late", minutes_ago=11)
    recent = waiting_ticket(store, "citizen-recent", minutes_ago=3)
    taken = waiting_ticket(store, "citizen-taken", minutes_ago=30)
    store.take(taken.id, operator)
    client = StaffBridge(bridge.url, BRIDGE_TOKEN)
    watch = TimeoutWatch(store, client, dt.timedelta(minutes=10))
    try:
        assert await watch.check_once() == [overdue.id]
        assert await watch.check_once() == []
        assert timeouts_of(bridge, overdue) == 1
        assert timeouts_of(bridge, recent) == timeouts_of(bridge, taken) == 0
        assert store.ticket(overdue.id).timeout_notified_at is not None

        later = waiting_ticket(store, "citizen-bridge-down", minutes_ago=12)
        bridge.down = True
        assert await watch.check_once() == []  # not marked: tried again at the next check
        bridge.down = False
        assert await watch.check_once() == [later.id]
        assert timeouts_of(bridge, later) == 1
    finally:
        bridge.down = False
        await client.close_client()


def test_checks_are_a_tenth_of_the_timeout_within_bounds() -> None:
    assert check_seconds(dt.timedelta(minutes=10), 1.0) == 30.0
    assert check_seconds(dt.timedelta(minutes=2), 1.0) == 12.0
    assert check_seconds(dt.timedelta(0), 0.2) == 0.2


def test_the_running_console_watches_the_queue(tmp_path: Path, bridge: FakeBridge) -> None:
    database = handoff_database(tmp_path)
    store = HandoffStore.open(database)
    settings = {
        "RASA_URL": bridge.url,
        "HANDOFF_TIMEOUT_MINUTES": "0",
        "CONSOLE_POLL_SECONDS": "0.2",
    }
    with running_console(tmp_path, database, settings) as url:
        first = waiting_ticket(store, "citizen-first")
        bridge.wait_for(lambda: timeouts_of(bridge, first) > 0)
        second = waiting_ticket(store, "citizen-second")  # found by a later check
        bridge.wait_for(lambda: timeouts_of(bridge, second) > 0)
        assert timeouts_of(bridge, first) == 1
        [listed] = [
            t for t in StaffClient(url).get("/api/queue")[1]["tickets"] if t["id"] == first.id
        ]
        assert listed["timed_out"] and listed["status"] == "waiting"
