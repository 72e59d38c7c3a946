"""Staff console figures: sign-in, queue and ticket requests, how soon a new ticket reaches an open
queue page, take / reply / close, and the supervisor's figures over a large history.

A real console process over SQLite (started like the tests' ``running_console``) with a history
of closed tickets and a conversation store of Rasa's ``events`` rows; the staff bridge is the
tests' fake on 127.0.0.1 (tests/console_server.py), so the figures are the console's own.

    make bench-console     # or: python -m bench.console --open 200 --history 10000 --events 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import create_engine, insert

from bot.handoff.models import CLOSED, Ticket
from bot.handoff.store import HandoffStore, utcnow
from tests.servers import ROOT

sys.path.insert(0, str(ROOT / "tests"))  # the console test helpers import their siblings by name
from console_server import (  # noqa: E402
    SUPERVISOR,
    EventStream,
    FakeBridge,
    StaffClient,
    handoff_database,
    running_console,
)

PROCEDURES = ["1.001193", "1.004222", "1.014064", "3.000347", None]
Timings = Dict[str, List[float]]


def fill_history(database: str, closed: int, waiting: int) -> None:
    """``closed`` tickets of the last 30 days (waits, ratings, procedures), ``waiting`` open."""
    store = HandoffStore.open(database)
    rng = random.Random(5)
    now = utcnow()
    rows = []
    for i in range(closed + waiting):
        created = now - dt.timedelta(minutes=rng.uniform(10, 30 * 24 * 60))
        is_open = i >= closed
        taken = None if is_open else created + dt.timedelta(minutes=rng.expovariate(1 / 4))
        rows.append(
            {
                "channel": rng.choice(["socketio", "zalo", "messenger", "rest"]),
                "sender_id": f"bench-{i}",
                "reason": rng.choice(["asked", "angry", "repeated_failures"]),
                "procedure_code": rng.choice(PROCEDURES),
                "summary": "Người dân hỏi về giấy tờ cần nộp.",
                "transcript": [{"who": "user", "text": "cho tôi gặp cán bộ", "at": "x"}],
                "status": "waiting" if is_open else CLOSED,
                "created_at": created,
                "taken_at": taken,
                "closed_at": taken + dt.timedelta(minutes=6) if taken else None,
                "last_activity_at": taken or created,
                "rating": None if is_open else rng.choice([None, 3, 4, 5, 5]),
            }
        )
    with store.engine.begin() as connection:
        connection.execute(insert(Ticket.__table__), rows)


def fill_conversations(url: str, senders: int, events: int) -> None:
    """``events`` user and bot events of ``senders`` senders over the last 30 days."""
    engine = create_engine(url)
    table = SQLTrackerStore.SQLEvent.__table__
    table.create(engine)
    rng = random.Random(7)
    start = time.time() - 30 * 86400
    rows = [
        {
            "sender_id": f"bench-{rng.randrange(senders)}",
            "type_name": rng.choice(["user", "bot"]),
            "timestamp": start + rng.uniform(0, 30 * 86400),
        }
        for _ in range(events)
    ]
    with engine.begin() as connection:
        connection.execute(insert(table), rows)
    engine.dispose()


def timed(timings: Timings, name: str, action: Callable[..., Any], *args: Any) -> Any:
    started = time.perf_counter()
    result = action(*args)
    timings.setdefault(name, []).append(time.perf_counter() - started)
    return result


def queue_latency(client: StaffClient, store: HandoffStore, count: int, t: Timings) -> None:
    """From a ticket's creation (another process) to its arrival on an open queue stream; the
    tickets come at random moments between two polls."""
    stream = EventStream(client, "/api/queue/events")
    rng = random.Random(3)
    try:
        stream.next()
        for i in range(count):
            time.sleep(rng.uniform(0, 1))
            started = time.perf_counter()
            ticket = store.create_ticket("rest", f"bench-live-{i}", "asked", None, "Hỏi.", [])
            while ticket.id not in [t["id"] for t in stream.next()[1]["tickets"]]:
                pass
            t.setdefault("new ticket → open queue page", []).append(time.perf_counter() - started)
    finally:
        stream.close()


def handle_tickets(client: StaffClient, store: HandoffStore, count: int, t: Timings) -> None:
    """Take, reply and close ``count`` fresh tickets, as an operator does."""
    for i in range(count):
        ticket = store.create_ticket("rest", f"bench-handled-{i}", "asked", "1.001193", "Hỏi.", [])
        path = f"/api/tickets/{ticket.id}"
        timed(t, "POST take", client.post, f"{path}/take")
        timed(t, "POST reply (via bridge)", client.post, f"{path}/reply", {"text": "Chào"})
        timed(t, "GET ticket (with transcript)", client.get, path)
        timed(t, "POST close (via bridge)", client.post, f"{path}/close")


def report(t: Timings) -> None:
    print(f"{'measure':<34}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for name, values in t.items():
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        print(
            f"{name:<34}{len(values):>6}{statistics.median(values) * 1000:>10.1f}"
            f"{p95 * 1000:>10.1f}{ordered[-1] * 1000:>10.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.console")
    parser.add_argument("--open", type=int, default=200, help="waiting tickets in the queue")
    parser.add_argument("--history", type=int, default=10_000, help="closed tickets, 30 days")
    parser.add_argument("--events", type=int, default=100_000, help="conversation events")
    parser.add_argument("--senders", type=int, default=20_000, help="citizens who wrote")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database = handoff_database(folder)
        fill_history(database, args.history, args.open)
        conversations = f"sqlite:///{folder / 'conversations.db'}"
        fill_conversations(conversations, args.senders, args.events)
        bridge = FakeBridge().start()
        settings = {"RASA_URL": bridge.url, "CONVERSATIONS_DB_URL": conversations}
        t: Timings = {}
        try:
            with running_console(folder, database, settings) as url:
                store = HandoffStore.open(database)
                clients = [timed(t, "sign in (bcrypt)", StaffClient, url) for _ in range(10)]
                client = clients[0]
                for _ in range(100):
                    timed(t, f"GET queue ({args.open} open)", client.get, "/api/queue")
                queue_latency(client, store, 20, t)
                handle_tickets(client, store, 50, t)
                supervisor = StaffClient(url, *SUPERVISOR)
                for _ in range(5):
                    figures = "/api/supervisor/figures?days=30"
                    timed(t, "GET supervisor figures (30 d)", supervisor.get, figures)
        finally:
            bridge.stop()
    print(
        f"Staff console, SQLite: {args.open} open tickets, {args.history} closed over 30 days, "
        f"{args.events} conversation events of {args.senders} senders; queue polled every 1 s."
    )
    report(t)


if __name__ == "__main__":
    main()
