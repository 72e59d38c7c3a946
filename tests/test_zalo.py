"""The Zalo OA channel against a fake Zalo API on 127.0.0.1: webhook checks, background turns,
buttons and long texts within Zalo's limits, token refresh, API errors, staff replies."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Iterator, Optional

import pytest

from bot.channels.delivery import deliver_staff_reply
from bot.channels.shaping import MORE_CHOICES, fit
from bot.channels.zalo import (
    LIMITS,
    ZaloApi,
    ZaloConfig,
    ZaloInput,
    ZaloOutput,
    conversation_id,
    message_body,
    signature_problem,
)
from bot.channels.zalo_tokens import Tokens, TokenStore, utcnow
from knowledge.store import make_engine
from tests.platforms import (
    ZALO_APP_ID,
    ZALO_APP_SECRET,
    ZALO_OA_SECRET_KEY,
    ZALO_SEED_ACCESS,
    ZALO_SEED_REFRESH,
    FakeZalo,
    execute_through_rasa,
    post,
    user_texts,
    wait_for_turns,
    zalo_event,
    zalo_signature,
)

CASE_BUTTONS = [
    {
        "title": f"Trường hợp {i}: chỗ ở hợp pháp thuộc quyền sở hữu",
        "payload": f'/choose_option{{"chosen_option":"1.004222#{i}"}}',
    }
    for i in range(7)
]


@pytest.fixture()
def fake_zalo() -> Iterator[FakeZalo]:
    fake = FakeZalo().start()
    yield fake
    fake.stop()


def make_api(fake: FakeZalo, tmp_path: Path, expires_in: Optional[timedelta] = None) -> ZaloApi:
    config = ZaloConfig(
        ZALO_APP_ID,
        ZALO_APP_SECRET,
        ZALO_OA_SECRET_KEY,
        ZALO_SEED_ACCESS,
        ZALO_SEED_REFRESH,
        api_url=fake.url,
        oauth_url=fake.url,
    )
    store = TokenStore(
        make_engine(f"sqlite:///{tmp_path / 'tokens.db'}"),
        ZALO_APP_ID,
        Tokens(ZALO_SEED_ACCESS, ZALO_SEED_REFRESH),
    )
    if expires_in is not None:
        store.save(Tokens(ZALO_SEED_ACCESS, ZALO_SEED_REFRESH, utcnow() + expires_in))
    return ZaloApi(config, store, attempts=4, retry_delay=0.01)


def stored_tokens(tmp_path: Path) -> Tokens:
    engine = make_engine(f"sqlite:///{tmp_path / 'tokens.db'}")
    return TokenStore(engine, ZALO_APP_ID, Tokens(ZALO_SEED_ACCESS, ZALO_SEED_REFRESH)).load()


# --- webhook signature (X-ZEvent-Signature) ---


def test_signature_accepts_a_genuine_event_and_refuses_forged_or_stale_ones() -> None:
    config = ZaloConfig(ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET_KEY, "a", "r")
    body, headers = zalo_event("u1", "xin chào", "m1")
    event = json.loads(body)
    signature = headers["X-ZEvent-Signature"]
    assert signature_problem(config, event, body, signature) == ""
    forged = zalo_signature(body, event["timestamp"], secret="not-the-secret")
    assert signature_problem(config, event, body, forged) == "bad signature"
    tampered = body.replace("xin chào".encode(), "chào".encode())
    assert signature_problem(config, event, tampered, signature) == "bad signature"
    assert signature_problem(config, event, body, "") == "bad signature"
    three_hours_ago = int(time.time() * 1000) - 3 * 3600 * 1000
    old_body, old_headers = zalo_event("u1", "xin chào", "m2", timestamp_ms=three_hours_ago)
    assert (
        signature_problem(config, json.loads(old_body), old_body, old_headers["X-ZEvent-Signature"])
        == "stale event"
    )
    other_app = dict(event, app_id="another-app")
    assert signature_problem(config, other_app, body, signature) == "unknown app_id"


# --- shaping replies to Zalo's limits ---


def test_buttons_become_hidden_query_buttons_five_per_message() -> None:
    replies = fit("Anh/chị thuộc trường hợp nào?", CASE_BUTTONS, LIMITS)
    bodies = [message_body(r) for r in replies]
    assert [len(b["attachment"]["payload"]["buttons"]) for b in bodies] == [5, 2]
    assert bodies[0]["text"] == "Anh/chị thuộc trường hợp nào?"
    assert bodies[1]["text"] == MORE_CHOICES
    sent = [button for b in bodies for button in b["attachment"]["payload"]["buttons"]]
    assert [b["payload"] for b in sent] == [b["payload"] for b in CASE_BUTTONS]
    assert [b["title"] for b in sent] == [b["title"] for b in CASE_BUTTONS]
    assert {b["type"] for b in sent} == {"oa.query.hide"}


def test_long_text_is_split_within_the_limit_at_line_breaks() -> None:
    lines = [
        f"{i}. Giấy tờ số {i}: bản sao có chứng thực hoặc bản chính để đối chiếu" for i in range(80)
    ]
    text = "\n".join(lines)
    parts = [r.text for r in fit(text, [], LIMITS)]
    assert len(parts) > 1 and all(len(p) <= LIMITS.text_chars for p in parts)
    assert "\n".join(parts).split("\n") == lines  # every line whole, in order


# --- the OA API client: tokens and errors ---


async def test_token_about_to_expire_is_refreshed_once_for_concurrent_sends(
    fake_zalo: FakeZalo, tmp_path: Path
) -> None:
    api = make_api(fake_zalo, tmp_path, expires_in=timedelta(minutes=2))
    users = [f"user-{i}" for i in range(10)]
    results = await asyncio.gather(*(api.send(u, {"text": "Xin chào"}) for u in users))
    await api.close()
    assert all(results)
    assert fake_zalo.refreshes == ["access-1"]
    assert {s["token"] for s in fake_zalo.sent} == {"access-1"}
    kept = stored_tokens(tmp_path)
    assert (kept.access_token, kept.refresh_token) == ("access-1", "refresh-1")
    assert not kept.expiring()

    restarted = make_api(fake_zalo, tmp_path)  # a new process finds the new tokens in SQL
    assert await restarted.send("user-0", {"text": "Lần nữa"})
    await restarted.close()
    assert fake_zalo.refreshes == ["access-1"]


async def test_seeded_tokens_of_unknown_expiry_are_refreshed_at_first_use(
    fake_zalo: FakeZalo, tmp_path: Path
) -> None:
    api = make_api(fake_zalo, tmp_path)
    assert await api.send("u1", {"text": "Xin chào"})
    assert await api.send("u2", {"text": "Xin chào"})
    await api.close()
    assert fake_zalo.refreshes == ["access-1"]
    assert stored_tokens(tmp_path).expires_at is not None


async def test_first_concurrent_sends_of_a_new_deployment_all_go_out(
    fake_zalo: FakeZalo, tmp_path: Path
) -> None:
    """Nothing stored yet: the seed is stored once and refreshed once, and no send fails."""
    api = make_api(fake_zalo, tmp_path)
    results = await asyncio.gather(
        *(api.send(f"user-{i}", {"text": "Xin chào"}) for i in range(10))
    )
    await api.close()
    assert all(results) and len(fake_zalo.sent) == 10
    assert fake_zalo.refreshes == ["access-1"]


async def test_refused_token_is_refreshed_once_and_sends_are_retried(
    fake_zalo: FakeZalo, tmp_path: Path
) -> None:
    api = make_api(fake_zalo, tmp_path, expires_in=timedelta(hours=20))
    fake_zalo.valid_access.clear()  # yet Zalo refuses it (revoked, or clocks disagree)
    results = await asyncio.gather(*(api.send(f"u{i}", {"text": "Xin chào"}) for i in range(5)))
    await api.close()
    assert all(results)
    assert fake_zalo.refreshes == ["access-1"]
    assert len(fake_zalo.sent) == 5


async def test_rate_limit_is_retried_with_backoff_then_given_up(
    fake_zalo: FakeZalo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api = make_api(fake_zalo, tmp_path)
    fake_zalo.script("busy-user", -32, -32)
    assert await api.send("busy-user", {"text": "Xin chào"})
    assert fake_zalo.scripted["busy-user"] == [] and len(fake_zalo.messages_to("busy-user")) == 1

    fake_zalo.script("flooded-user", *([-32] * 10))
    with caplog.at_level(logging.WARNING, logger="bot.channels.zalo"):
        assert not await api.send("flooded-user", {"text": "Xin chào"})
    await api.close()
    assert len(fake_zalo.scripted["flooded-user"]) == 10 - 4  # four attempts, then a log line
    assert "not sent after 4 attempts" in caplog.text


async def test_user_who_blocked_the_oa_is_logged_and_not_retried(
    fake_zalo: FakeZalo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api = make_api(fake_zalo, tmp_path)
    fake_zalo.script("8123456789012345678", -227, -227)
    with caplog.at_level(logging.WARNING, logger="bot.channels.zalo"):
        assert not await api.send("8123456789012345678", {"text": "Xin chào"})
    await api.close()
    assert fake_zalo.scripted["8123456789012345678"] == [-227]  # one attempt only
    assert "cannot receive OA messages" in caplog.text and "…5678" in caplog.text
    assert "8123456789012345678" not in caplog.text  # user ids are masked


async def test_refused_refresh_token_is_logged_without_crashing(
    fake_zalo: FakeZalo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake_zalo.valid_access.clear()
    fake_zalo.valid_refresh.clear()
    api = make_api(fake_zalo, tmp_path)
    with caplog.at_level(logging.ERROR, logger="bot.channels.zalo"):
        assert not await api.send("u1", {"text": "Xin chào"})
    await api.close()
    assert "token refresh refused" in caplog.text


async def test_staff_reply_is_delivered_through_the_zalo_channel(
    fake_zalo: FakeZalo, tmp_path: Path
) -> None:
    channel = ZaloInput(make_api(fake_zalo, tmp_path))
    text = "Chào anh/chị, cán bộ một cửa xin trả lời câu hỏi của anh/chị như sau."
    assert await deliver_staff_reply([channel], "zalo", conversation_id("citizen-7"), text)
    assert await deliver_staff_reply([channel], "messenger", "messenger-1", text) is False
    await channel.api.close()
    assert fake_zalo.messages_to("citizen-7") == [{"text": text}]
    assert isinstance(channel.get_output_channel(), ZaloOutput)


# --- end to end: the real Rasa server with the Zalo channel on ---


def webhook(servers) -> str:  # noqa: ANN001
    return f"{servers.url}/webhooks/zalo/webhook"


def ask(servers, fake: FakeZalo, user: str, text: str, turn: int) -> list:  # noqa: ANN001
    body, headers = zalo_event(user, text, f"msg-{uuid.uuid4()}")
    assert post(webhook(servers), body, headers)[0] == 200
    wait_for_turns(servers, conversation_id(user), turn)
    return fake.messages_to(user)


@pytest.mark.servers
def test_question_is_acknowledged_at_once_then_answered(channel_servers, platforms) -> None:  # noqa: ANN001
    zalo, _ = platforms
    user = f"zalo-user-{uuid.uuid4().hex[:8]}"
    zalo.hold()
    try:
        body, headers = zalo_event(user, "đăng ký thường trú mất bao lâu", "msg-held-1")
        status, answer = post(webhook(channel_servers), body, headers)
        assert status == 200 and json.loads(answer) == {"status": "ok"}
        assert zalo.messages_to(user) == []  # acknowledged before any reply was sent
    finally:
        zalo.release()
    wait_for_turns(channel_servers, conversation_id(user), 1)
    texts = [m["text"] for m in zalo.messages_to(user)]
    assert any("Thời hạn giải quyết" in t for t in texts)
    assert all(len(t) <= LIMITS.text_chars for t in texts)


@pytest.mark.servers
def test_button_payload_comes_back_to_rasa_unchanged(channel_servers, platforms) -> None:  # noqa: ANN001
    zalo, _ = platforms
    user = f"zalo-user-{uuid.uuid4().hex[:8]}"
    first = ask(channel_servers, zalo, user, "dang ky khai sinh can giay to gi", 1)
    buttons = [b for m in first if "attachment" in m for b in m["attachment"]["payload"]["buttons"]]
    assert buttons and all(b["type"] == "oa.query.hide" for b in buttons)
    assert all(len(b["title"]) <= LIMITS.title_chars for b in buttons)
    payload = buttons[0]["payload"]
    assert payload.startswith("/choose_option{")
    replies = ask(channel_servers, zalo, user, payload, 2)  # Zalo sends the payload as text
    assert user_texts(channel_servers, conversation_id(user))[-1] == payload
    assert any("Hồ sơ cần chuẩn bị" in m["text"] for m in replies[len(first) :])


@pytest.mark.servers
def test_duplicate_msg_id_is_processed_once(channel_servers, platforms) -> None:  # noqa: ANN001
    zalo, _ = platforms
    user = f"zalo-user-{uuid.uuid4().hex[:8]}"
    body, headers = zalo_event(user, "lệ phí đăng ký kết hôn", "msg-dup-1")
    assert post(webhook(channel_servers), body, headers)[0] == 200
    assert post(webhook(channel_servers), body, headers)[0] == 200  # Zalo's retry
    later, later_headers = zalo_event(user, "cảm ơn", "msg-dup-2")
    assert post(webhook(channel_servers), later, later_headers)[0] == 200
    wait_for_turns(channel_servers, conversation_id(user), 2)
    assert user_texts(channel_servers, conversation_id(user)) == [
        "lệ phí đăng ký kết hôn",
        "cảm ơn",
    ]


@pytest.mark.servers
def test_forged_stale_and_malformed_requests_get_4xx_and_reach_nobody(
    channel_servers, platforms
) -> None:  # noqa: ANN001
    zalo, _ = platforms
    user = f"zalo-user-{uuid.uuid4().hex[:8]}"
    body, headers = zalo_event(user, "đăng ký khai sinh", "msg-forged-1")
    forged = {"X-ZEvent-Signature": zalo_signature(body, json.loads(body)["timestamp"], "guess")}
    assert post(webhook(channel_servers), body, forged)[0] == 401
    assert post(webhook(channel_servers), body, {})[0] == 401
    stale_ms = int(time.time() * 1000) - 3 * 3600 * 1000
    stale, stale_headers = zalo_event(user, "đăng ký khai sinh", "msg-stale-1", stale_ms)
    assert post(webhook(channel_servers), stale, stale_headers)[0] == 401
    assert post(webhook(channel_servers), b"not json", headers)[0] == 401  # signature first
    broken = b'{"timestamp": "1", not json'
    signed_broken = {"X-ZEvent-Signature": zalo_signature(broken, "1")}
    assert post(webhook(channel_servers), broken, signed_broken)[0] == 400
    event = json.loads(body)
    del event["message"]["msg_id"]
    unsigned_id = json.dumps(event).encode()
    signed = {"X-ZEvent-Signature": zalo_signature(unsigned_id, event["timestamp"])}
    assert post(webhook(channel_servers), unsigned_id, signed)[0] == 400
    assert user_texts(channel_servers, conversation_id(user)) == []
    assert zalo.messages_to(user) == []


@pytest.mark.servers
def test_rasa_http_api_delivers_through_the_zalo_channel(channel_servers, platforms) -> None:  # noqa: ANN001
    zalo, _ = platforms
    user = f"zalo-user-{uuid.uuid4().hex[:8]}"
    before = len(ask(channel_servers, zalo, user, "xin chào", 1))
    execute_through_rasa(channel_servers, conversation_id(user))
    zalo.wait_for(lambda: len(zalo.messages_to(user)) > before)
    assert "không có gì" in zalo.messages_to(user)[-1]["text"]


@pytest.mark.servers
def test_webhook_answers_503_without_secrets(servers) -> None:  # noqa: ANN001
    body, headers = zalo_event("someone", "xin chào", "msg-off-1")
    assert post(f"{servers.url}/webhooks/zalo/webhook", body, headers)[0] == 503
