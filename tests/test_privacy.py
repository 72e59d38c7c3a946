"""Secrets and personal numbers: detection, redaction in storage and in logs."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import warnings
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import runtime
from bot.privacy import SECRET_MASK, mask_personal_numbers, redact, shares_secret
from bot.tracker_store import RedactingSQLTrackerStore


@pytest.mark.parametrize(
    "text",
    [
        "mã OTP của tôi là 482913",
        "ma otp 482913",
        "mật khẩu: Abc@123 nhé",
        "pass la matkhau99",
        "OTP: 4829.",
        "otp 123 456 nhé",
        "ｏｔｐ ４８２９１３",  # full-width, as some phone keyboards type
    ],
)
def test_secrets_are_found_and_removed(text: str) -> None:
    assert shares_secret(text)
    stored = redact(text)
    assert SECRET_MASK in stored
    for secret in ("482913", "４８２９１３", "Abc@123", "matkhau99", "4829", "123 456"):
        assert secret not in stored


@pytest.mark.parametrize(
    "text",
    ["tôi quên mật khẩu rồi", "otp không về", "mật khẩu là gì", "không nhận được mã OTP"],
)
def test_talking_about_passwords_is_not_a_secret(text: str) -> None:
    assert not shares_secret(text)
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("CCCD của tôi 048090123456", "CCCD của tôi •••456"),
        ("số 048 090 123 456", "số •••456"),
        ("cmnd 201234567", "cmnd •••567"),
        ("sđt 0912345678", "sđt •••678"),
        ("gọi +84 912 345 678 nhé", "gọi •••678 nhé"),
    ],
)
def test_personal_numbers_keep_only_their_last_digits(text: str, masked: str) -> None:
    assert mask_personal_numbers(text) == masked


@pytest.mark.parametrize("text", ["phí 20.000 đồng", "mã thủ tục 1.001193", "năm 2024, 7 ngày"])
def test_other_numbers_are_kept(text: str) -> None:
    assert redact(text) == text


def test_stored_conversation_is_redacted(tmp_path: Path) -> None:
    db = tmp_path / "conversations.db"
    store = RedactingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
    tracker = DialogueStateTracker.from_events(
        "citizen",
        [
            UserUttered(
                "mã OTP của tôi là 482913", parse_data={"text": "mã OTP của tôi là 482913"}
            ),
            UserUttered("048090123456"),
            SlotSet("account_holder", "tôi, sđt 0912345678"),
        ],
    )
    asyncio.run(store.save(tracker))
    rows = [json.loads(r[0]) for r in sqlite3.connect(db).execute("select data from events")]
    stored = json.dumps(rows, ensure_ascii=False)
    for raw in ("482913", "048090123456", "0912345678"):
        assert raw not in stored
    assert "•••456" in stored and SECRET_MASK in stored
    # The bot still had the message as typed within the turn.
    assert tracker.events[0].text == "mã OTP của tôi là 482913"


def test_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    previous = logging.getLogRecordFactory()
    runtime.install()
    try:
        with caplog.at_level(logging.INFO):
            logging.getLogger("test").info("message from %s: %s", "0912345678", "otp 482913")
        assert "0912345678" not in caplog.text and "482913" not in caplog.text
        assert "•••678" in caplog.text
    finally:
        logging.setLogRecordFactory(previous)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("otp482913", "482913"),
        ("482913 là mã OTP của tôi", "482913"),
        ("ma otp cua minh la 4 8 2 9 1 3", "4 8 2 9 1 3"),
    ],
)
def test_one_time_codes_in_every_form_are_removed(text: str, secret: str) -> None:
    assert shares_secret(text)
    assert secret not in redact(text) and SECRET_MASK in redact(text)
    assert redact(redact(text)) == redact(text)  # stored events are redacted again when rewritten


@pytest.mark.parametrize(
    "text",
    ["mã otp của tôi là 482913", "mật khẩu: Abc@123 nhé", "otp 123 456 nhé", "sđt 0912345678"],
)
def test_redacting_twice_changes_nothing(text: str) -> None:
    once = redact(text)
    assert redact(once) == once and "ẩn] ẩn]" not in redact(once)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("số tài khoản 0123 4567 89 ngân hàng ACB", "số tài khoản •••789 ngân hàng ACB"),
        ("stk: 190355556666", "stk: •••666"),
        ("tk vietcombank 0071000123456", "tk vietcombank •••456"),
    ],
)
def test_bank_accounts_keep_only_their_last_digits(text: str, masked: str) -> None:
    assert redact(text) == masked


def test_metadata_session_start_and_staff_replies_are_stored_masked(tmp_path: Path) -> None:
    db = tmp_path / "conversations.db"
    store = RedactingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
    personal = {"phone": "0912345678", "cccd": "048090123456", "nested": ["stk 190355556666"]}
    tracker = DialogueStateTracker.from_events(
        "citizen",
        [
            SessionStarted(metadata=personal),
            SlotSet("session_started_metadata", personal),
            UserUttered(
                "xin chào",
                parse_data={"text": "xin chào", "metadata": personal},
                metadata=personal,
            ),
            BotUttered("Cán bộ sẽ gọi lại số 0912345678.", metadata={"staff": "Lan"}),
        ],
    )
    asyncio.run(store.save(tracker))
    rows = [json.loads(r[0]) for r in sqlite3.connect(db).execute("select data from events")]
    stored = json.dumps(rows, ensure_ascii=False)
    for raw in ("0912345678", "048090123456", "190355556666"):
        assert raw not in stored
    assert stored.count("•••678") >= 5 and "Lan" in stored


def test_exception_text_and_dumps_in_logs_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    previous = logging.getLogRecordFactory()
    runtime.install()
    try:
        with caplog.at_level(logging.INFO):
            try:
                raise ValueError("tracker of 0912345678 with CCCD 048090123456")
            except ValueError:
                logging.getLogger("test").exception("action failed for %s", {"otp": "otp482913"})
        text = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
        for raw in ("0912345678", "048090123456", "482913"):
            assert raw not in text
        assert "•••456" in text
    finally:
        logging.setLogRecordFactory(previous)


def test_objects_warnings_and_thread_errors_in_logs_are_redacted(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture
) -> None:
    import threading

    import rasa.shared.utils.io
    from sqlalchemy.exc import OperationalError

    previous = logging.getLogRecordFactory()
    previous_hook = threading.excepthook
    # an earlier test's install left logging's hook noted as installed, and pytest has put the
    # original warnings.showwarning back since: start from no capture
    logging.captureWarnings(False)
    runtime.install()
    try:
        with caplog.at_level(logging.INFO):
            # A database error shows its statement's parameters.
            error = OperationalError(
                "INSERT INTO handoff_ticket (callback_phone) VALUES (?)",
                ("0912345678",),
                Exception("database is locked"),
            )
            logging.getLogger("test").warning("ticket not written: %s (%r)", error, error)
            logging.getLogger("test").info("%d messages, %.1f s", 3, 0.5)  # numbers stay numbers
            # A warning quoting a value it was given.
            with warnings.catch_warnings():
                warnings.simplefilter("always")  # pytest.ini ignores UserWarning
                rasa.shared.utils.io.raise_warning(
                    "Parsed an intent '048090123456' which is not defined in the domain."
                )

            def fail() -> None:
                raise RuntimeError("no ticket for otp482913")

            thread = threading.Thread(target=fail)
            thread.start()
            thread.join()
        printed = capsys.readouterr()
        text = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
        text += printed.out + printed.err
        for raw in ("0912345678", "048090123456", "482913"):
            assert raw not in text
        assert "•••678" in text and "•••456" in text and "3 messages, 0.5 s" in text
        assert "RuntimeError: no ticket for otp[đã ẩn]" in text  # logged, redacted
    finally:
        logging.setLogRecordFactory(previous)
        logging.captureWarnings(False)
        threading.excepthook = previous_hook
