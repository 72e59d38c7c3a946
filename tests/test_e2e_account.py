"""End to end over REST: a whole account-guide path, a digression, an OTP, and stopping."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.test_e2e_rest import Citizen

pytestmark = pytest.mark.servers


def test_citizen_with_level_two_logs_in_step_by_step(servers) -> None:  # noqa: ANN001
    citizen = Citizen(servers)
    assert "tạo tài khoản cho ai" in citizen.text("tao tai khoan dich vu cong")
    assert "gắn chip" in citizen.text('/inform_account{"account_holder":"citizen"}')
    assert "VNeID" in citizen.text("có rồi")
    assert "mức độ 2" in citizen.text("có")
    first = citizen.say("mức 2")
    assert any(m.get("text", "").startswith("Bước 1/") for m in first)
    total = int(first[-1]["text"].split("/")[1].split(":")[0])
    assert [b["title"] for b in first[-1]["buttons"]][:2] == ["Xong", "Tôi bị kẹt ở bước này"]

    answer = citizen.text("VNeID là gì?")  # a question in the middle...
    assert "VNeID là ứng dụng" in answer or "Nguồn:" in answer
    assert "Bước 1/" in answer  # ...then back to the same step

    for step in range(2, total + 1):
        assert f"Bước {step}/{total}" in citizen.text("xong")
    assert "đã hoàn tất" in citizen.text("xong")
    assert "Hiện không có hướng dẫn" in citizen.text("xong")


def test_secrets_are_warned_and_not_stored(servers) -> None:  # noqa: ANN001
    citizen = Citizen(servers)
    answer = citizen.say("quen mat khau vneid")  # answered at once, the guide offered
    assert "Quên mật khẩu" in " ".join(m.get("text", "") for m in answer)
    [offer] = [
        b["payload"] for m in answer for b in m.get("buttons") or [] if "account" in b["payload"]
    ]
    assert "Bước 1/" in citizen.text(offer)
    warning = citizen.text("mã OTP của tôi là 482913")
    assert "không gửi mã OTP" in warning and "482913" not in warning
    assert "Bước 1/" in warning  # the guide goes on
    assert "12 chữ số" in citizen.text("048090123456")
    assert "Đã dừng hướng dẫn" in citizen.text("thôi dừng lại")
    rows = sqlite3.connect(servers.conversations_db).execute(
        "select data from events where sender_id = ? and type_name = 'user'", (citizen.sender,)
    )
    stored = [json.loads(data)["text"] for (data,) in rows]
    assert not any("482913" in text or "048090123456" in text for text in stored)
    assert "mã OTP của tôi là [đã ẩn]" in stored and "•••456" in stored
