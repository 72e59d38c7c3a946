"""Zalo and Messenger messages acknowledged by a Rasa process killed (SIGKILL) before their turn
finished are answered by the next process, once (real servers, fake platforms); the inbox keeps a
message (owner-only) no longer than its turn, also on that replay path."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.inbox import Inbox, Pending
from bot.channels.zalo import ZaloInput
from bot.tracker_store import RedactingSQLTrackerStore
from tests.conftest import start_servers
from tests.platforms import (
    FakeMessenger,
    FakeZalo,
    environment,
    messenger_delivery,
    post,
    text_event,
    zalo_event,
)
from tests.test_database_outages import stored_texts


def wait_for(condition, what: str, timeout: float = 120) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.5)


@pytest.mark.servers
def test_messages_acknowledged_by_a_killed_rasa_are_answered_once_by_the_next_one(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    zalo, messenger = FakeZalo().start(), FakeMessenger().start()
    servers = start_servers(tmp_path_factory, "killed_rasa", **environment(zalo, messenger))
    # The next process talks to fresh platforms: what the killed one had begun to send is not
    # counted as an answer.
    later_zalo, later_messenger = FakeZalo().start(), FakeMessenger().start()
    try:
        user, psid = f"killed-{uuid.uuid4().hex[:8]}", f"9{uuid.uuid4().int % 10**12}"
        zalo_delivery = zalo_event(user, "đăng ký khai sinh cần giấy tờ gì", f"m-{uuid.uuid4()}")
        messenger_body = messenger_delivery(
            [[text_event(psid, "lệ phí đăng ký kết hôn", f"mid.{uuid.uuid4()}")]]
        )
        zalo.hold()  # the replies wait: the turns cannot finish
        messenger.hold()
        assert post(f"{servers.url}/webhooks/zalo/webhook", *zalo_delivery)[0] == 200
        assert post(f"{servers.url}/webhooks/messenger/webhook", *messenger_body)[0] == 200
        servers.processes[1].kill()
        servers.processes[1].wait(timeout=30)
        servers.env.update(environment(later_zalo, later_messenger))
        servers.restart_rasa()
        later_zalo.wait_for(lambda: bool(later_zalo.messages_to(user)))
        later_messenger.wait_for(lambda: bool(later_messenger.requests_to(psid)))
        assert "khai sinh" in later_zalo.messages_to(user)[0]["text"].lower()
        wait_for(
            lambda: stored_texts(servers.conversations_db, f"messenger-{psid}"),
            "the Messenger turn was not stored",
        )
        # Zalo delivers the acknowledged event again (its 200 came late): not run a second time.
        assert post(f"{servers.url}/webhooks/zalo/webhook", *zalo_delivery)[0] == 200
        time.sleep(3)
        assert stored_texts(servers.conversations_db, f"zalo-{user}") == [
            "đăng ký khai sinh cần giấy tờ gì"
        ]
        assert stored_texts(servers.conversations_db, f"messenger-{psid}") == [
            "lệ phí đăng ký kết hôn"
        ]
        assert not list((servers.workdir / "webhook-inbox").glob("*/*.json"))
    finally:
        servers.stop()
        for fake in (zalo, messenger, later_zalo, later_messenger):
            fake.release()
            fake.stop()


def test_a_duplicate_delivery_leaves_the_waiting_message_in_place(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path / "zalo")
    first = Pending("m-1", "zalo-u", "xin chào")
    assert inbox.keep(first)
    assert not inbox.keep(Pending("m-1", "zalo-u", "xin chào"))
    assert inbox.keep(Pending("m-2", "zalo-u", "cảm ơn"))
    assert [m.message_id for m in inbox.pending()] == ["m-1", "m-2"]
    inbox.drop("m-1")
    assert [m.text for m in inbox.pending()] == ["cảm ơn"]
    assert oct((tmp_path / "zalo").stat().st_mode & 0o777) == "0o700"


def test_a_message_stays_in_the_inbox_owner_only_and_no_longer_than_its_turn(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "zalo"
    folder.mkdir(mode=0o755)  # made by hand, or by an older version
    folder.chmod(0o755)
    inbox = Inbox(folder)
    assert inbox.keep(Pending("m-1", "zalo-u", "số cccd của tôi là 048090123456"))
    (kept,) = folder.iterdir()
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
    inbox.drop("m-1")
    assert list(folder.iterdir()) == []


def test_an_unfinished_write_of_a_killed_process_is_removed_at_the_next_start(
    tmp_path: Path,
) -> None:
    inbox = Inbox(tmp_path / "messenger")
    assert inbox.keep(Pending("m-1", "messenger-u", "xin chào"))
    # Killed while writing: the temporary file was never renamed (nor acknowledged).
    unfinished = tmp_path / "messenger" / f".{'0' * 64}.json"
    unfinished.write_text('{"message_id": "m-2", "text": "mã otp của tôi là 4829', "utf-8")
    assert [m.message_id for m in Inbox(tmp_path / "messenger").pending()] == ["m-1"]
    assert not unfinished.exists()


def test_the_replay_path_removes_each_left_message_once_its_turn_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBHOOK_INBOX_DIR", str(tmp_path / "inbox"))
    monkeypatch.setenv("CONVERSATION_SPOOL_DIR", str(tmp_path / "conversation-spool"))
    monkeypatch.setenv("SEEN_IDS_BACKEND", "memory")
    store = RedactingSQLTrackerStore(
        Domain.empty(), dialect="sqlite", db=str(tmp_path / "conversations.db")
    )
    channel = ZaloInput(None)
    stored_already = Pending("m-1", "zalo-u", "số cccd của tôi là 048090123456")
    not_run = Pending("m-2", "zalo-u", "mã otp của tôi là 482913")
    for message in (stored_already, not_run):
        assert channel.inbox.keep(message)
    left_on_disk: list = []

    async def handle(message: UserMessage) -> None:  # what Rasa's agent does with a message
        left_on_disk.append(sorted(p.name for p in channel.inbox.directory.iterdir()))
        tracker = await store.retrieve(message.sender_id) or DialogueStateTracker(
            message.sender_id, []
        )
        tracker.update(UserUttered(message.text, message_id=message.message_id))
        await store.save(tracker)

    async def replay() -> None:
        # The earlier process stored the first message's turn before it was killed.
        await handle(UserMessage(stored_already.text, None, "zalo-u", message_id="m-1"))
        left_on_disk.clear()
        app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(tracker_store=store)))
        await channel._run_left(app, handle, channel._claim_left())

    asyncio.run(replay())
    assert len(left_on_disk) == 1  # only the second message's turn ran, its file still there
    assert list(channel.inbox.directory.iterdir()) == []
    stored = sqlite3.connect(tmp_path / "conversations.db").execute("select data from events")
    assert [json.loads(row[0])["text"] for row in stored] == [
        "số cccd của tôi là •••456",
        "mã otp của tôi là [đã ẩn]",
    ]
