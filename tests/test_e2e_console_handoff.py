"""The whole handoff with real parts: a REST citizen asks for a person, a ticket appears in the
real staff console, an operator signs in and replies, the citizen receives it, the operator
closes, the bot asks for a rating and answers again."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from console_server import StaffClient, create_accounts, running_console

from tests.test_e2e_rest import Citizen

pytestmark = pytest.mark.servers


def outbox(servers, citizen: Citizen) -> list:  # noqa: ANN001
    url = f"{servers.url}/webhooks/rest/outbox?sender={citizen.sender}"
    with urllib.request.urlopen(url, timeout=30) as reply:
        return json.loads(reply.read())


def test_citizen_operator_round_trip(handoff_servers, tmp_path: Path) -> None:  # noqa: ANN001
    servers = handoff_servers
    create_accounts(servers.knowledge_db_url)
    extra = {"RASA_URL": servers.url}
    with running_console(tmp_path, servers.knowledge_db_url, extra) as console:
        citizen = Citizen(servers)
        citizen.text("lệ phí đăng ký kết hôn bao nhiêu")
        assert "vị trí số" in citizen.text("tôi muốn nói chuyện với nhân viên")

        operator = StaffClient(console)
        status, queue = operator.get("/api/queue")
        assert status == 200
        # The queue shows no sender ids: the ticket is known by its procedure in focus.
        ours = [t for t in queue["tickets"] if t["procedure_code"] == "1.000894"]
        assert len(ours) == 1 and ours[0]["status"] == "waiting"
        assert "đăng ký kết hôn (1.000894)" in ours[0]["summary"]
        assert "«lệ phí đăng ký kết hôn bao nhiêu»" in ours[0]["summary"]
        ticket_id = ours[0]["id"]

        assert citizen.say("nhà tôi ở phường Hải Châu, sđt 0912345678") == []  # bot paused
        status, ticket = operator.get(f"/api/tickets/{ticket_id}")
        assert status == 200 and "đăng ký kết hôn" in json.dumps(ticket, ensure_ascii=False)
        assert "0912345678" not in json.dumps(ticket, ensure_ascii=False)

        assert operator.post(f"/api/tickets/{ticket_id}/take")[0] == 200
        status, _ = operator.post(
            f"/api/tickets/{ticket_id}/reply", {"text": "Chào anh, em là Lan ở bộ phận một cửa."}
        )
        assert status == 200
        assert [m["text"] for m in outbox(servers, citizen)] == [
            "Chào anh, em là Lan ở bộ phận một cửa."
        ]

        assert operator.post(f"/api/tickets/{ticket_id}/close")[0] == 200
        rating = outbox(servers, citizen)
        assert "đánh giá" in rating[0]["text"]
        assert "Cảm ơn" in citizen.text('/rate_help{"rating":"4"}')
        assert "Hồ sơ cần chuẩn bị" in citizen.text("chứng thực chữ ký cần giấy tờ gì")
