"""Handoff tickets in the console (real console process, real SQLite, real HTTP) against a fake
staff bridge on 127.0.0.1: take, reply, transfer, close, failures, live updates."""

from __future__ import annotations

import itertools
from typing import Iterator

import pytest
from console_server import (
    SECOND_OPERATOR,
    SUPERVISOR,
    EventStream,
    FakeBridge,
    StaffClient,
    handoff_database,
    running_console,
)

from bot.handoff.models import Ticket
from bot.handoff.store import HandoffStore

SENDERS = itertools.count(1)


@pytest.fixture(scope="module")
def bridge() -> Iterator[FakeBridge]:
    fake = FakeBridge().start()
    yield fake
    fake.stop()


@pytest.fixture()
def healthy_bridge(bridge: FakeBridge) -> Iterator[FakeBridge]:
    yield bridge
    bridge.down, bridge.delivered = False, True


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return handoff_database(tmp_path_factory.mktemp("tickets"))


@pytest.fixture(scope="module")
def store(database: str) -> HandoffStore:
    return HandoffStore.open(database)


@pytest.fixture(scope="module")
def console(
    database: str, bridge: FakeBridge, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    settings = {"RASA_URL": bridge.url, "CONSOLE_POLL_SECONDS": "0.2"}
    with running_console(tmp_path_factory.mktemp("tickets-console"), database, settings) as url:
        yield url


@pytest.fixture(scope="module")
def operator(console: str) -> StaffClient:
    return StaffClient(console)


@pytest.fixture(scope="module")
def colleague(console: str) -> StaffClient:
    return StaffClient(console, *SECOND_OPERATOR)


def open_ticket(store: HandoffStore, procedure: str = "1.001193") -> Ticket:
    """A ticket as the action server opens it: masked transcript, summary, procedure."""
    return store.create_ticket(
        channel="rest",
        sender_id=f"citizen-{next(SENDERS)}",
        reason="asked",
        procedure_code=procedure,
        summary="Người dân hỏi giấy tờ đăng ký khai sinh cho con và muốn gặp cán bộ.",
        transcript=[
            {"who": "user", "text": "đăng ký khai sinh cần gì", "at": "2026-11-23T02:00:00Z"},
            {"who": "bot", "text": "Hồ sơ gồm tờ khai…", "at": "2026-11-23T02:00:01Z"},
            {"who": "user", "text": "cho tôi gặp cán bộ", "at": "2026-11-23T02:00:09Z"},
        ],
    )


def test_take_reply_and_close_go_through_the_bridge(
    operator: StaffClient, colleague: StaffClient, store: HandoffStore, bridge: FakeBridge
) -> None:
    ticket = open_ticket(store)
    status, queue = operator.get("/api/queue")
    [listed] = [t for t in queue["tickets"] if t["id"] == ticket.id]
    assert status == 200 and listed["status"] == "waiting" and listed["status_label"] == "Đang chờ"
    assert listed["procedure_name"] == "Đăng ký khai sinh"
    assert listed["reason_label"] == "Người dân muốn gặp cán bộ"
    bridge.say(ticket.id, "user", "số của tôi là 0912345678, gọi lại giúp")

    status, view = operator.get(f"/api/tickets/{ticket.id}")
    assert status == 200 and view["can"] == {
        "take": True,
        "reply": False,
        "transfer": False,
        "close": False,
    }
    assert [m["text"] for m in view["before"]][0] == "đăng ký khai sinh cần gì"
    assert view["conversation"][0]["text"] == "số của tôi là •••678, gọi lại giúp"
    assert view["conversation"][0]["who_label"] == "Người dân"
    assert operator.post(f"/api/tickets/{ticket.id}/reply", {"text": "Chào anh"}) == (
        409,
        {"error": "Vui lòng tiếp nhận phiếu trước khi trả lời."},
    )

    status, view = operator.post(f"/api/tickets/{ticket.id}/take")
    assert status == 200 and view["ticket"]["status"] == "taken"
    assert view["ticket"]["assignee"]["name"] == "Nguyễn Thị Lan" and view["can"]["reply"]
    assert colleague.post(f"/api/tickets/{ticket.id}/take") == (
        409,
        {"error": "Phiếu này đã có cán bộ khác tiếp nhận hoặc đã kết thúc."},
    )
    assert colleague.post(f"/api/tickets/{ticket.id}/reply", {"text": "Chào chị"})[0] == 409
    assert colleague.post(f"/api/tickets/{ticket.id}/close")[0] == 409

    reply = "Chào anh, hồ sơ đăng ký khai sinh gồm tờ khai và giấy chứng sinh."
    status, view = operator.post(f"/api/tickets/{ticket.id}/reply", {"text": reply})
    assert status == 200
    assert bridge.calls_of("reply")[-1] == {
        "ticket_id": ticket.id,
        "text": reply,
        "staff": "Nguyễn Thị Lan",
    }
    assert view["conversation"][-1] == {
        "who": "staff",
        "who_label": "Cán bộ",
        "text": reply,
        "at": view["conversation"][-1]["at"],
    }
    assert [(e["kind"], e["text"], e["author"]) for e in view["history"]] == [
        ("status", "Nguyễn Thị Lan tiếp nhận", "Nguyễn Thị Lan"),
        ("staff_reply", reply, "Nguyễn Thị Lan"),
    ]

    status, view = operator.post(f"/api/tickets/{ticket.id}/close")
    assert status == 200 and view["ticket"]["status"] == "closed"
    assert bridge.calls_of("close")[-1] == {"ticket_id": ticket.id}
    assert view["can"] == {"take": False, "reply": False, "transfer": False, "close": False}
    stored = store.ticket(ticket.id)
    assert stored.status == "closed" and stored.closed_at is not None
    assert ticket.id not in [t["id"] for t in operator.get("/api/queue")[1]["tickets"]]


def test_transfer_to_a_colleague_and_a_supervisor_closes(
    console: str, operator: StaffClient, colleague: StaffClient, store: HandoffStore
) -> None:
    ticket = open_ticket(store, procedure="1.004222")
    assert operator.post(f"/api/tickets/{ticket.id}/take")[0] == 200
    staff = {member["name"]: member["id"] for member in operator.get("/api/staff")[1]["staff"]}
    assert {"Nguyễn Thị Lan", "Trần Văn Minh", "Lê Thu Hà"} <= set(staff)
    assert operator.post(f"/api/tickets/{ticket.id}/transfer", {"staff_id": 999999}) == (
        400,
        {"error": "Vui lòng chọn một cán bộ khác đang làm việc."},
    )
    status, view = operator.post(
        f"/api/tickets/{ticket.id}/transfer", {"staff_id": staff["Trần Văn Minh"]}
    )
    assert status == 200 and view["ticket"]["assignee"]["name"] == "Trần Văn Minh"
    assert view["history"][-1]["text"] == "Chuyển cho Trần Văn Minh"
    assert operator.post(f"/api/tickets/{ticket.id}/reply", {"text": "Chào anh"})[0] == 409
    assert colleague.post(f"/api/tickets/{ticket.id}/reply", {"text": "Chào anh"})[0] == 200

    supervisor = StaffClient(console, *SUPERVISOR)
    status, view = supervisor.get(f"/api/tickets/{ticket.id}")
    assert view["can"] == {"take": False, "reply": False, "transfer": True, "close": True}
    assert supervisor.post(f"/api/tickets/{ticket.id}/close")[0] == 200


def test_a_failing_bridge_changes_nothing(
    operator: StaffClient, store: HandoffStore, healthy_bridge: FakeBridge
) -> None:
    ticket = open_ticket(store)
    operator.post(f"/api/tickets/{ticket.id}/take")
    healthy_bridge.down = True
    down = "Chưa kết nối được với trợ lý ảo. Vui lòng thử lại sau ít phút."
    assert operator.post(f"/api/tickets/{ticket.id}/reply", {"text": "Chào"}) == (
        502,
        {"error": down},
    )
    assert operator.post(f"/api/tickets/{ticket.id}/close") == (502, {"error": down})
    status, view = operator.get(f"/api/tickets/{ticket.id}")
    assert status == 200 and view["conversation"] is None
    assert view["ticket"]["status"] == "taken" and len(view["history"]) == 1

    healthy_bridge.down, healthy_bridge.delivered = False, False
    status, body = operator.post(f"/api/tickets/{ticket.id}/reply", {"text": "Chào"})
    assert status == 502 and body["error"].startswith("Kênh Ứng dụng (REST) chưa nhận tin nhắn.")
    assert [e["kind"] for e in operator.get(f"/api/tickets/{ticket.id}")[1]["history"]] == [
        "status"
    ]


def test_replies_must_be_short_text(operator: StaffClient, store: HandoffStore) -> None:
    ticket = open_ticket(store)
    operator.post(f"/api/tickets/{ticket.id}/take")
    for body in ({"text": "   "}, {}, {"text": "x" * 2001}):
        status, answer = operator.post(f"/api/tickets/{ticket.id}/reply", body)
        assert status == 400 and answer["error"] in (
            "Vui lòng nhập nội dung trả lời.",
            "Tin nhắn dài quá 2.000 ký tự, vui lòng rút gọn.",
        )


def test_a_call_back_request_shows_its_number(operator: StaffClient, store: HandoffStore) -> None:
    ticket = store.request_callback(
        "citizen-callback", "0912345678", "zalo", "Người dân đề nghị gọi lại ngoài giờ làm việc."
    )
    [listed] = [t for t in operator.get("/api/queue")[1]["tickets"] if t["id"] == ticket.id]
    assert listed["status_label"] == "Chờ gọi lại" and listed["callback_phone"] == "0912345678"
    assert listed["channel_label"] == "Zalo"
    status, view = operator.post(f"/api/tickets/{ticket.id}/take")
    assert status == 200 and view["ticket"]["status"] == "taken"


def test_the_queue_stream_shows_a_new_ticket(operator: StaffClient, store: HandoffStore) -> None:
    stream = EventStream(operator, "/api/queue/events")
    try:
        name, first = stream.next()
        assert name == "queue" and isinstance(first["tickets"], list)
        ticket = open_ticket(store)  # opened by another process, as the action server does
        while True:
            _, snapshot = stream.next()
            if ticket.id in [t["id"] for t in snapshot["tickets"]]:
                break
        assert snapshot["tickets"][0]["id"] == ticket.id  # newest activity first
    finally:
        stream.close()


def test_the_ticket_stream_shows_the_citizens_new_message(
    operator: StaffClient, store: HandoffStore, bridge: FakeBridge
) -> None:
    ticket = open_ticket(store)
    stream = EventStream(operator, f"/api/tickets/{ticket.id}/events")
    try:
        name, first = stream.next()
        assert name == "ticket" and first["conversation"] == []
        bridge.say(ticket.id, "user", "cán bộ ơi, tôi vẫn đang chờ")
        _, update = stream.next()
        assert [m["text"] for m in update["conversation"]] == ["cán bộ ơi, tôi vẫn đang chờ"]
    finally:
        stream.close()


def test_taking_a_ticket_after_its_timeout_offer_pauses_the_bot(
    operator: StaffClient, store: HandoffStore, healthy_bridge: FakeBridge
) -> None:
    def takes(ticket: Ticket) -> list:
        return [c for c in healthy_bridge.calls_of("take") if c["ticket_id"] == ticket.id]

    fresh, told, called_back, unreachable = (open_ticket(store) for _ in range(4))
    for ticket in (told, called_back, unreachable):
        assert store.mark_timeout_notified(ticket.id)
    store.request_callback(called_back.sender_id, "0912345678", "rest", "xin gọi lại")

    for ticket in (fresh, told, called_back):
        assert operator.post(f"/api/tickets/{ticket.id}/take")[0] == 200
    assert takes(fresh) == [] and takes(called_back) == []  # still paused; a phone call
    assert takes(told) == [{"ticket_id": told.id}]

    healthy_bridge.down = True
    status, body = operator.post(f"/api/tickets/{unreachable.id}/take")
    assert status == 502 and "trợ lý ảo vẫn đang trả lời" in body["error"]
    assert store.ticket(unreachable.id).status == "taken"
