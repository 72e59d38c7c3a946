"""End to end: a REST citizen asks for a person, staff reply through the bridge, close, rating."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Dict, Optional, Tuple

import pytest

from bot.handoff.models import CLOSED, WAITING, Ticket
from bot.handoff.store import WITHDRAWN, HandoffStore
from tests.conftest import BRIDGE_TOKEN
from tests.test_e2e_rest import Citizen

pytestmark = pytest.mark.servers


def bridge(servers, path: str, body: Optional[Dict[str, Any]] = None, token: str = BRIDGE_TOKEN):  # noqa: ANN001
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{servers.url}/webhooks/staff/{path}",
        data=data,
        headers={"Content-Type": "application/json", "X-Staff-Bridge-Token": token},
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def outbox(servers, citizen: Citizen) -> list:  # noqa: ANN001
    url = f"{servers.url}/webhooks/rest/outbox?sender={citizen.sender}"
    with urllib.request.urlopen(url, timeout=30) as reply:
        return json.loads(reply.read())


def test_person_reply_close_rating(handoff_servers) -> None:  # noqa: ANN001
    servers = handoff_servers
    citizen = Citizen(servers)
    citizen.text("đăng ký thường trú cần giấy tờ gì")
    answer = citizen.text("cho tôi gặp nhân viên")
    assert "vị trí số 1" in answer and "phút" in answer

    store = HandoffStore.open(servers.knowledge_db_url)
    ticket = store.open_ticket(citizen.sender)
    assert ticket.status == WAITING and ticket.channel == "rest"
    assert ticket.procedure_code == "1.004222" and "Đăng ký thường trú" in ticket.summary
    assert any(line["who"] == "user" for line in ticket.transcript)

    # While the ticket is open the bot stays silent, and nothing the citizen sends is lost.
    assert citizen.say("sđt của tôi 0912345678, nhà tôi ở phường Hải Châu") == []
    status, transcript = bridge(servers, f"transcript?ticket_id={ticket.id}")
    assert status == 200
    texts = [m["text"] for m in transcript["messages"] if m["who"] == "user"]
    assert any("phường Hải Châu" in t and "0912345678" not in t for t in texts)

    status, result = bridge(
        servers, "reply", {"ticket_id": ticket.id, "text": "Chào anh, em là Lan.", "staff": "Lan"}
    )
    assert status == 200 and result == {"delivered": True}
    assert [m["text"] for m in outbox(servers, citizen)] == ["Chào anh, em là Lan."]

    store.close(ticket.id, store.create_staff("lan", "Lan", "mat-khau-dai-123"))
    status, _ = bridge(servers, "close", {"ticket_id": ticket.id})
    assert status == 200
    rating = outbox(servers, citizen)
    assert "đánh giá" in rating[0]["text"] and len(rating[0]["buttons"]) == 5
    assert "Cảm ơn anh/chị đã đánh giá" in citizen.text(rating[0]["buttons"][4]["payload"])
    assert store.ticket(ticket.id).status == CLOSED and store.ticket(ticket.id).rating == 5
    assert "Hồ sơ cần chuẩn bị" in citizen.text("chứng thực chữ ký cần giấy tờ gì")


def test_bridge_refuses_forged_or_missing_tokens(handoff_servers) -> None:  # noqa: ANN001
    assert bridge(handoff_servers, "close", {"ticket_id": 1}, token="forged")[0] == 401
    assert bridge(handoff_servers, "close", {"ticket_id": 999999})[0] == 404
    assert bridge(handoff_servers, "reply", {"ticket_id": "x"})[0] == 404


def timed_out(servers) -> Tuple[Citizen, HandoffStore, Ticket]:  # noqa: ANN001
    """A citizen who asked for a person and was told, after the timeout, that nobody is free."""
    citizen = Citizen(servers)
    citizen.text("cho tôi gặp cán bộ")
    store = HandoffStore.open(servers.knowledge_db_url)
    ticket = store.open_ticket(citizen.sender)
    assert ticket.status == WAITING
    assert bridge(servers, "timeout", {"ticket_id": ticket.id})[0] == 200
    offer = " ".join(m.get("text", "") for m in outbox(servers, citizen))
    assert "đều đang bận" in offer and "số điện thoại" in offer
    return citizen, store, ticket


def test_nobody_free_the_citizen_goes_on_with_the_bot(handoff_servers) -> None:  # noqa: ANN001
    citizen, store, ticket = timed_out(handoff_servers)
    answer = citizen.text("thôi không cần")
    assert "đã hủy yêu cầu gặp cán bộ" in answer
    withdrawn = store.ticket(ticket.id)
    assert withdrawn.status == CLOSED and withdrawn.closed_at is not None
    assert withdrawn.events[-1].text == WITHDRAWN and withdrawn.events[-1].author_id is None
    assert store.open_ticket(citizen.sender) is None
    assert "Hồ sơ cần chuẩn bị" in citizen.text("chứng thực chữ ký cần giấy tờ gì")


def test_staff_take_a_ticket_after_the_timeout_offer(handoff_servers) -> None:  # noqa: ANN001
    servers = handoff_servers
    citizen, store, ticket = timed_out(servers)

    # The citizen has not answered the call-back question when a staff member takes the ticket.
    assert bridge(servers, "take", {"ticket_id": ticket.id}) == (
        200,
        {"paused": True, "told": True},
    )
    assert "đã tiếp nhận" in outbox(servers, citizen)[0]["text"]
    assert citizen.say("vâng, tôi đợi") == []  # the bot is silent again; nothing is lost
    status, transcript = bridge(servers, f"transcript?ticket_id={ticket.id}")
    assert status == 200 and transcript["messages"][-1]["text"] == "vâng, tôi đợi"

    # A second take (a transfer, a retry) does not tell the citizen again.
    assert bridge(servers, "take", {"ticket_id": ticket.id}) == (
        200,
        {"paused": True, "told": False},
    )
    assert outbox(servers, citizen) == []
    store.close(ticket.id, store.create_staff("minh", "Minh", "mat-khau-dai-456"))
    assert bridge(servers, "close", {"ticket_id": ticket.id})[0] == 200
    assert "đánh giá" in outbox(servers, citizen)[0]["text"]
