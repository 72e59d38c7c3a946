"""The handoff store on SQLite with several processes writing at once (the action server and the
console share one database file): read-then-write changes wait their turn, none fails."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import List

from bot.handoff.models import CALLBACK, CLOSED
from bot.handoff.store import WITHDRAWN, HandoffStore

PROCESSES = 6
ROUNDS = 30


def _citizen(url: str, index: int, failures: "multiprocessing.Queue[str]") -> None:
    store = HandoffStore.open(url)
    try:
        for round_ in range(ROUNDS):
            store.request_callback(f"citizen-{index}", "0912345678", "rest", "xin gọi lại")
            store.rate_last_closed(f"rated-{index}", 1 + round_ % 5)
    except Exception as error:  # noqa: BLE001 - reported to the test process
        failures.put(repr(error))


def test_concurrent_callbacks_and_ratings_all_land(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    store = HandoffStore.open(url)
    staff = store.create_staff("op", "Operator", "a long enough password")
    closed = []
    for index in range(PROCESSES):
        ticket = store.create_ticket("rest", f"rated-{index}", "request_human", None, "", [])
        store.take(ticket.id, staff)
        closed.append(store.close(ticket.id, staff).id)

    failures: "multiprocessing.Queue[str]" = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(target=_citizen, args=(url, index, failures))
        for index in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    reported: List[str] = []
    while not failures.empty():
        reported.append(failures.get())

    assert reported == []
    assert all(worker.exitcode == 0 for worker in workers)
    queue = store.queue()
    for index in range(PROCESSES):
        tickets = [t for t in queue if t.sender_id == f"citizen-{index}"]
        assert [(t.status, t.callback_phone) for t in tickets] == [(CALLBACK, "0912345678")]
    assert [store.ticket(id_).rating for id_ in closed] == [1 + (ROUNDS - 1) % 5] * PROCESSES


def test_only_a_waiting_ticket_is_withdrawn(tmp_path: Path) -> None:
    store = HandoffStore.open(f"sqlite:///{tmp_path / 'handoff.db'}")
    staff = store.create_staff("op", "Operator", "a long enough password")
    waiting = store.create_ticket("rest", "waiting", "request_human", None, "", [])
    taken = store.create_ticket("rest", "taken", "request_human", None, "", [])
    store.take(taken.id, staff)
    store.request_callback("callback", "0912345678", "rest", "xin gọi lại")

    assert store.withdraw("waiting").id == waiting.id
    assert store.ticket(waiting.id).status == CLOSED
    assert [e.text for e in store.ticket(waiting.id).events] == [WITHDRAWN]
    assert store.withdraw("waiting") is None
    assert store.withdraw("taken") is None and store.withdraw("callback") is None
    assert store.withdraw("nobody") is None
    assert {t.sender_id for t in store.queue()} == {"taken", "callback"}
