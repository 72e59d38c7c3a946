"""The Messenger channel against a fake Send API on 127.0.0.1: verification handshake,
X-Hub-Signature-256, every event of every entry, quick replies within Messenger's limits,
API errors, and staff replies tagged HUMAN_AGENT."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from typing import Iterator

import pytest

from bot.channels.delivery import deliver_staff_reply
from bot.channels.messenger import (
    LIMITS,
    MalformedEvent,
    MessengerApi,
    MessengerConfig,
    MessengerInput,
    conversation_id,
    incoming,
    plan,
    signature_valid,
)
from tests.platforms import (
    MESSENGER_APP_SECRET,
    MESSENGER_PAGE_TOKEN,
    MESSENGER_VERIFY_TOKEN,
    FakeMessenger,
    messenger_delivery,
    messenger_signature,
    post,
    text_event,
    user_texts,
    wait_for_turns,
)


@pytest.fixture()
def fake_messenger() -> Iterator[FakeMessenger]:
    fake = FakeMessenger().start()
    yield fake
    fake.stop()


def make_api(fake: FakeMessenger) -> MessengerApi:
    config = MessengerConfig(
        MESSENGER_APP_SECRET, MESSENGER_PAGE_TOKEN, MESSENGER_VERIFY_TOKEN, fake.api_url
    )
    return MessengerApi(config, attempts=4, retry_delay=0.01)


# --- signature and event parsing ---


def test_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body, headers = messenger_delivery([[text_event("1", "xin chào", "mid.1")]])
    assert signature_valid(MESSENGER_APP_SECRET, body, headers["X-Hub-Signature-256"])
    assert not signature_valid(MESSENGER_APP_SECRET, body, messenger_signature(body, "guess"))
    assert not signature_valid(MESSENGER_APP_SECRET, body + b" ", headers["X-Hub-Signature-256"])
    assert not signature_valid(MESSENGER_APP_SECRET, body, "")


def test_every_message_of_every_entry_is_read_in_order() -> None:
    echo = text_event("page", "tin của trang", "mid.echo")
    echo["message"]["is_echo"] = True
    delivery = {"sender": {"id": "1"}, "recipient": {"id": "p"}, "delivery": {"mids": ["x"]}}
    postback = {"sender": {"id": "2"}, "postback": {"mid": "mid.pb", "payload": "/greet"}}
    picture = text_event("3", "", "mid.pic")
    del picture["message"]["text"]
    picture["message"]["attachments"] = [{"type": "image", "payload": {"url": "https://x/y.jpg"}}]
    body = json.loads(
        messenger_delivery(
            [
                [text_event("1", "khai sinh", "mid.1"), echo, delivery],
                [postback, text_event("1", "Lệ phí", "mid.2", quick_reply="/ask_fee"), picture],
            ]
        )[0]
    )
    found = [(m.psid, m.message_id, m.text) for m in incoming(body)]
    assert found == [
        ("1", "mid.1", "khai sinh"),
        ("2", "mid.pb", "/greet"),
        ("1", "mid.2", "/ask_fee"),
        ("3", "mid.pic", ""),
    ]
    with pytest.raises(MalformedEvent):
        incoming({"object": "page", "entry": [{"messaging": [{"message": {"text": "x"}}]}]})


def test_quick_replies_respect_messenger_limits() -> None:
    buttons = [
        {"title": f"Trường hợp {i}: chỗ ở hợp pháp do thuê, mượn", "payload": f"/choose_case{i}"}
        for i in range(15)
    ]
    # Quick replies of an earlier message vanish when the next one arrives: one message, 13 of
    # them, the full titles listed under the text.
    (reply,) = plan("Anh/chị thuộc trường hợp nào?", buttons)
    titles = [b.title for b in reply.buttons]
    assert len(titles) == 13 and all(len(t) <= LIMITS.title_chars for t in titles)
    assert titles[0].startswith("1. ") and titles[12].startswith("13. ")
    assert [b.payload for b in reply.buttons] == [b["payload"] for b in buttons[:13]]
    assert "13. Trường hợp 12: chỗ ở hợp pháp do thuê, mượn" in reply.text  # full titles


# --- the Send API client ---


async def test_staff_reply_is_sent_with_the_human_agent_tag(fake_messenger: FakeMessenger) -> None:
    channel = MessengerInput(make_api(fake_messenger))
    text = "Chào anh/chị, cán bộ một cửa đã kiểm tra hồ sơ và xin trả lời như sau."
    assert await deliver_staff_reply([channel], "messenger", conversation_id("4242"), text)
    bot_output = channel.get_output_channel()
    await bot_output.send_text_message(conversation_id("4242"), "Tin nhắn của trợ lý.")
    await channel.api.close()
    staff, bot = fake_messenger.requests_to("4242")
    assert staff["messaging_type"] == "MESSAGE_TAG" and staff["tag"] == "HUMAN_AGENT"
    assert staff["message"] == {"text": text}
    assert bot["messaging_type"] == "RESPONSE" and "tag" not in bot


async def test_rate_limit_is_retried_and_a_blocked_user_is_not(
    fake_messenger: FakeMessenger, caplog: pytest.LogCaptureFixture
) -> None:
    api = make_api(fake_messenger)
    limit = (400, {"code": 613, "message": "Calls to this api have exceeded the rate limit."})
    fake_messenger.script("77", limit, limit)
    assert await api.send("77", {"text": "Xin chào"})
    assert len(fake_messenger.requests_to("77")) == 1

    gone = (400, {"code": 551, "message": "This person isn't available right now."})
    fake_messenger.script("6612345678", gone, gone)
    with caplog.at_level(logging.WARNING, logger="bot.channels.messenger"):
        assert not await api.send("6612345678", {"text": "Xin chào"})
    await api.close()
    assert fake_messenger.scripted["6612345678"] == [gone]  # one attempt only
    assert "cannot receive" in caplog.text and "6612345678" not in caplog.text


async def test_invalid_page_token_is_logged_without_crashing(
    fake_messenger: FakeMessenger, caplog: pytest.LogCaptureFixture
) -> None:
    config = MessengerConfig(MESSENGER_APP_SECRET, "expired-token", "v", fake_messenger.api_url)
    api = MessengerApi(config, retry_delay=0.01)
    with caplog.at_level(logging.ERROR, logger="bot.channels.messenger"):
        assert not await api.send("1", {"text": "Xin chào"})
    await api.close()
    assert "renew MESSENGER_PAGE_ACCESS_TOKEN" in caplog.text


# --- end to end: the real Rasa server with the Messenger channel on ---


def webhook(servers) -> str:  # noqa: ANN001
    return f"{servers.url}/webhooks/messenger/webhook"


def get_status(url: str) -> tuple:
    try:
        with urllib.request.urlopen(url, timeout=30) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


@pytest.mark.servers
def test_verification_handshake(channel_servers) -> None:  # noqa: ANN001
    query = f"hub.mode=subscribe&hub.verify_token={MESSENGER_VERIFY_TOKEN}&hub.challenge=8675309"
    assert get_status(f"{webhook(channel_servers)}?{query}") == (200, "8675309")
    wrong = "hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1"
    assert get_status(f"{webhook(channel_servers)}?{wrong}")[0] == 403


def shown_text(message: dict) -> str:
    """The text of a Send API message: its text, or its button template's."""
    return message.get("text") or message["attachment"]["payload"]["text"]


@pytest.mark.servers
def test_batch_is_acknowledged_at_once_and_every_event_answered(channel_servers, platforms) -> None:  # noqa: ANN001
    _, messenger = platforms
    first, second = (f"9{uuid.uuid4().int % 10**12}" for _ in range(2))
    body, headers = messenger_delivery(
        [
            [text_event(first, "đăng ký thường trú mất bao lâu", f"mid.{uuid.uuid4()}")],
            [
                text_event(second, "lệ phí đăng ký kết hôn", f"mid.{uuid.uuid4()}"),
                text_event(first, "cảm ơn", f"mid.{uuid.uuid4()}"),
            ],
        ]
    )
    messenger.hold()
    try:
        status, answer = post(webhook(channel_servers), body, headers)
        assert (status, answer) == (200, b"EVENT_RECEIVED")
        assert messenger.requests_to(first) == [] and messenger.requests_to(second) == []
    finally:
        messenger.release()
    wait_for_turns(channel_servers, conversation_id(first), 2)
    wait_for_turns(channel_servers, conversation_id(second), 1)
    assert user_texts(channel_servers, conversation_id(first)) == [
        "đăng ký thường trú mất bao lâu",
        "cảm ơn",
    ]
    first_texts = [shown_text(r["message"]) for r in messenger.requests_to(first)]
    assert any("Thời hạn giải quyết" in t for t in first_texts)
    assert any("kết hôn" in shown_text(r["message"]) for r in messenger.requests_to(second))
    assert all(r["messaging_type"] == "RESPONSE" for r in messenger.requests_to(first))


@pytest.mark.servers
def test_quick_reply_payload_comes_back_to_rasa_unchanged(channel_servers, platforms) -> None:  # noqa: ANN001
    _, messenger = platforms
    psid = f"8{uuid.uuid4().int % 10**12}"
    body, headers = messenger_delivery(
        [[text_event(psid, "dang ky khai sinh can giay to gi", f"mid.{uuid.uuid4()}")]]
    )
    assert post(webhook(channel_servers), body, headers)[0] == 200
    wait_for_turns(channel_servers, conversation_id(psid), 1)
    quick = [q for r in messenger.requests_to(psid) for q in r["message"].get("quick_replies", [])]
    assert quick and all(len(q["title"]) <= LIMITS.title_chars for q in quick)
    chosen = quick[0]
    body, headers = messenger_delivery(
        [[text_event(psid, chosen["title"], f"mid.{uuid.uuid4()}", quick_reply=chosen["payload"])]]
    )
    assert post(webhook(channel_servers), body, headers)[0] == 200
    wait_for_turns(channel_servers, conversation_id(psid), 2)
    assert user_texts(channel_servers, conversation_id(psid))[-1] == chosen["payload"]


@pytest.mark.servers
def test_duplicate_message_ids_are_processed_once(channel_servers) -> None:  # noqa: ANN001
    psid = f"7{uuid.uuid4().int % 10**12}"
    event = text_event(psid, "lệ phí làm hộ chiếu", f"mid.{uuid.uuid4()}")
    body, headers = messenger_delivery([[event, event]])
    assert post(webhook(channel_servers), body, headers)[0] == 200
    assert post(webhook(channel_servers), body, headers)[0] == 200  # Meta's redelivery
    later, later_headers = messenger_delivery([[text_event(psid, "cảm ơn", f"mid.{uuid.uuid4()}")]])
    assert post(webhook(channel_servers), later, later_headers)[0] == 200
    wait_for_turns(channel_servers, conversation_id(psid), 2)
    assert user_texts(channel_servers, conversation_id(psid)) == ["lệ phí làm hộ chiếu", "cảm ơn"]


@pytest.mark.servers
def test_forged_and_malformed_requests_get_4xx_and_reach_nobody(channel_servers, platforms) -> None:  # noqa: ANN001
    _, messenger = platforms
    psid = f"6{uuid.uuid4().int % 10**12}"
    body, _ = messenger_delivery([[text_event(psid, "đăng ký khai sinh", f"mid.{uuid.uuid4()}")]])
    forged = {"X-Hub-Signature-256": messenger_signature(body, "guess")}
    assert post(webhook(channel_servers), body, forged)[0] == 401
    assert post(webhook(channel_servers), body, {})[0] == 401
    sha1 = {"X-Hub-Signature": "sha1=0000"}  # the old header alone is not enough
    assert post(webhook(channel_servers), body, sha1)[0] == 401
    garbage = b'{"object": "page", "entry": "x"}'
    assert (
        post(
            webhook(channel_servers), garbage, {"X-Hub-Signature-256": messenger_signature(garbage)}
        )[0]
        == 400
    )
    assert user_texts(channel_servers, conversation_id(psid)) == []
    assert messenger.requests_to(psid) == []


@pytest.mark.servers
def test_webhook_answers_503_without_secrets(servers) -> None:  # noqa: ANN001
    body, headers = messenger_delivery([[text_event("1", "xin chào", "mid.off")]])
    assert post(f"{servers.url}/webhooks/messenger/webhook", body, headers)[0] == 503
