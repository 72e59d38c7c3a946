"""One hostile request must not stop the server: lone surrogates and control characters in ids
or texts on every channel, 40,000-deep JSON bodies on the webhooks (signature checked on the
raw body first), and conversation-store errors (never ``SystemExit``). Real servers, fake
platforms (tests/platforms.py), a real SQLite conversation store."""

from __future__ import annotations

import asyncio
import json
import urllib.request
import uuid
from pathlib import Path

import pytest
import socketio
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered

from bot.channels.messenger import conversation_id as messenger_conversation
from bot.channels.zalo import conversation_id as zalo_conversation
from bot.tracker_store import ConversationStoreUnavailable, RedactingSQLTrackerStore
from tests.platforms import (
    messenger_delivery,
    messenger_signature,
    post,
    text_event,
    user_texts,
    wait_for_turns,
    zalo_event,
    zalo_signature,
)

LONE_SURROGATE = "a\udfff"
DEEP = b"[" * 40_000 + b"]" * 40_000


def alive(servers) -> bool:  # noqa: ANN001
    with urllib.request.urlopen(f"{servers.url}/status?token={servers.token}", timeout=10) as r:
        return r.status == 200


def rest(servers, body: dict) -> int:  # noqa: ANN001
    raw = json.dumps(body).encode()  # ensure_ascii: "\udfff" travels as a JSON escape
    return post(f"{servers.url}/webhooks/rest/webhook", raw, {})[0]


@pytest.mark.servers
def test_rest_refuses_unstorable_ids_and_texts_and_keeps_running(channel_servers) -> None:  # noqa: ANN001
    assert rest(channel_servers, {"sender": LONE_SURROGATE, "message": "xin chao"}) == 400
    assert rest(channel_servers, {"sender": "tab\tid", "message": "xin chao"}) == 400
    assert rest(channel_servers, {"sender": "ok-id", "message": LONE_SURROGATE}) == 400
    assert (
        rest(channel_servers, {"sender": "ok", "message": "x", "metadata": {"a": "\ud800"}}) == 400
    )
    assert alive(channel_servers)
    assert rest(channel_servers, {"sender": f"c-{uuid.uuid4()}", "message": "xin chào"}) == 200


@pytest.mark.servers
def test_zalo_refuses_unstorable_sender_ids_and_deep_bodies(channel_servers) -> None:  # noqa: ANN001
    url = f"{channel_servers.url}/webhooks/zalo/webhook"
    event = json.loads(zalo_event("placeholder", "xin chao", f"m-{uuid.uuid4().hex}")[0])
    event["sender"]["id"] = LONE_SURROGATE
    body = json.dumps(event).encode()  # the surrogate as a JSON escape
    signed = {"X-ZEvent-Signature": zalo_signature(body, event["timestamp"])}
    assert post(url, body, signed)[0] == 400
    assert post(url, DEEP, {})[0] == 401  # unsigned: refused before parsing
    deep = b'{"timestamp":"1","x":' + DEEP + b"}"
    assert post(url, deep, {"X-ZEvent-Signature": zalo_signature(deep, "1")})[0] == 400
    assert alive(channel_servers)
    user = f"zalo-user-{uuid.uuid4().hex[:8]}"
    body, headers = zalo_event(user, "cảm ơn", f"m-{uuid.uuid4().hex}")
    assert post(url, body, headers)[0] == 200
    wait_for_turns(channel_servers, zalo_conversation(user), 1)


@pytest.mark.servers
def test_messenger_refuses_unstorable_sender_ids_and_deep_bodies(channel_servers) -> None:  # noqa: ANN001
    url = f"{channel_servers.url}/webhooks/messenger/webhook"
    delivery = json.loads(messenger_delivery([[text_event("placeholder", "xin chao", "mid.x")]])[0])
    delivery["entry"][0]["messaging"][0]["sender"]["id"] = LONE_SURROGATE
    raw = json.dumps(delivery).encode()
    assert post(url, raw, {"X-Hub-Signature-256": messenger_signature(raw)})[0] == 400
    assert post(url, DEEP, {"X-Hub-Signature-256": messenger_signature(DEEP)})[0] == 400
    assert post(url, DEEP, {})[0] == 401
    assert alive(channel_servers)
    psid = f"psid-{uuid.uuid4().hex[:8]}"
    body, headers = messenger_delivery([[text_event(psid, "cảm ơn", f"mid.{uuid.uuid4().hex}")]])
    assert post(url, body, headers)[0] == 200
    wait_for_turns(channel_servers, messenger_conversation(psid), 1)
    assert user_texts(channel_servers, messenger_conversation(psid)) == ["cảm ơn"]


@pytest.mark.servers
async def test_socket_io_ignores_unstorable_texts_and_keeps_running(channel_servers) -> None:  # noqa: ANN001
    client = socketio.AsyncClient()
    replies: asyncio.Queue = asyncio.Queue()
    client.on("bot_uttered", replies.put)
    await client.connect(channel_servers.url, socketio_path="/socket.io", transports=["polling"])
    try:
        session = uuid.uuid4().hex
        await client.emit("session_request", {"session_id": session})
        await client.emit("user_uttered", {"session_id": session, "message": LONE_SURROGATE})
        await client.emit("user_uttered", {"session_id": session, "message": "cảm ơn"})
        reply = await asyncio.wait_for(replies.get(), 60)
        assert reply.get("text")
    finally:
        await client.disconnect()
    assert alive(channel_servers)
    assert user_texts(channel_servers, session) == ["cảm ơn"]


async def test_a_store_error_never_exits_the_process(tmp_path: Path) -> None:
    store = RedactingSQLTrackerStore(Domain.empty(), db=str(tmp_path / "conversations.db"))
    tracker = await store.get_or_create_tracker("ok-sender")
    tracker.update(UserUttered("xin chào"))
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)
    bad = await store.create_tracker(LONE_SURROGATE)  # saved: the error is logged, not raised
    bad.update(UserUttered("xin chào"))
    await store.save(bad)
    with pytest.raises(ConversationStoreUnavailable):
        await store.retrieve(LONE_SURROGATE)
    stored = await store.retrieve("ok-sender")
    assert stored is not None and stored.latest_message.text == "xin chào"
