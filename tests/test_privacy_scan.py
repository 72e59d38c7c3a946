"""The soak's count of personal numbers in clear (``bench.privacy_scan``): every file the servers
leave (databases, spools, inbox, logs), each number located; digits inside a timestamp, a
confidence or a hexadecimal id are no leak; the call-back number kept for staff is apart."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from bench.privacy_scan import scan

CCCD, OTP, PHONE = "048090123456", "482913", "0912345678"
NUMBERS = {"CCCD": CCCD, "OTP": OTP, "phone": PHONE}


def conversations(path: Path, *events: dict) -> None:
    database = sqlite3.connect(path)
    database.execute("create table events (id integer primary key, sender_id text, data text)")
    for event in events:
        database.execute(
            "insert into events (sender_id, data) values ('s', ?)", [json.dumps(event)]
        )
    database.commit()
    database.close()


def test_digits_of_a_timestamp_a_confidence_or_an_id_are_no_unmasked_number(
    tmp_path: Path,
) -> None:
    # What the soak's earlier count (a substring count over the events' JSON) read as an
    # unmasked OTP: its six digits turn up among a run's floats in about one run in fifty.
    event = {
        "event": "user",
        "timestamp": 1796231895.4829133,
        "text": "mã otp của tôi là [đã ẩn]",
        "parse_data": {"intent": {"name": "inform", "confidence": 0.99482913}},
        "message_id": f"m.0a1b2c3d4e5f{OTP}0a1b2c3d4e5f60",
    }
    conversations(tmp_path / "conversations.db", event)
    stored = (tmp_path / "conversations.db").read_bytes().decode("utf-8", "replace")
    assert stored.count(OTP) == 3  # the earlier count
    found = scan(tmp_path, NUMBERS)
    assert found.in_storage == [] and len(found.look_alikes) == 3


def test_every_file_is_read_and_each_number_in_clear_is_located(tmp_path: Path) -> None:
    conversations(
        tmp_path / "conversations.db", {"event": "user", "text": f"số cccd của tôi là {CCCD}"}
    )
    inbox = tmp_path / "webhook-inbox" / "zalo"
    inbox.mkdir(parents=True)
    (inbox / "ab12.json").write_text(json.dumps({"text": f"mã otp của tôi là {OTP}"}))
    (inbox / ".cd34.json").write_text(json.dumps({"text": f"otp{OTP}"}))  # an incomplete write
    (tmp_path / "rasa.log").write_text(f"line one\nWARNING sent to {PHONE}.\n")
    (tmp_path / "actions.log").write_text("nothing here\n")
    found = scan(tmp_path, NUMBERS)
    assert found.files == 5
    assert sorted(f.where for f in found.in_storage) == [
        "conversations.db:events.data (row 1)",
        "webhook-inbox/zalo/.cd34.json:text",
        "webhook-inbox/zalo/ab12.json:text",
    ]
    (in_log,) = found.in_logs
    assert in_log.where == "rasa.log:2" and in_log.kind == "phone"
    assert PHONE not in in_log.line() and "sent to •••678." in in_log.line()


def test_the_call_back_number_kept_for_staff_is_counted_apart(tmp_path: Path) -> None:
    knowledge = sqlite3.connect(tmp_path / "knowledge.db")
    knowledge.execute("create table handoff_ticket (id integer, summary text, callback_phone text)")
    knowledge.execute(
        "insert into handoff_ticket values (1, 'Người dân yêu cầu gặp cán bộ.', ?)", [PHONE]
    )
    knowledge.execute("insert into handoff_ticket values (2, ?, NULL)", [f"gọi {PHONE}"])
    knowledge.commit()
    knowledge.close()
    spool = tmp_path / "callback-spool"
    spool.mkdir()
    (spool / "0001-a.json").write_text(json.dumps({"phone": PHONE, "summary": "gặp cán bộ"}))
    found = scan(tmp_path, NUMBERS)
    assert len(found.callbacks) == 2
    assert [f.where for f in found.in_storage] == ["knowledge.db:handoff_ticket.summary (row 2)"]
