"""Databases unavailable (real SQLite files, locked by another connection or moved away):
conversations kept in memory and on disk and written when the store is back, their context
served meanwhile, also after the process was killed; REST answers every message of a locked
conversation store; a call-back request kept on disk and written when the database is back; a
moved SQLite file never recreated empty."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from actions import handoff
from bot import tracker_store
from bot.busy import busy_text
from bot.handoff.spool import CallbackSpool
from bot.handoff.store import HandoffStore
from bot.tracker_store import RedactingSQLTrackerStore
from knowledge.store import make_engine
from tests.conftest import start_servers
from tests.platforms import FakeMessenger, FakeZalo, environment, post, zalo_event
from tests.test_e2e_rest import Citizen
from tests.trackers import make_tracker


class Lock:
    """Another process holding a SQLite database's exclusive lock."""

    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(path, isolation_level=None)
        self._connection.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        self._connection.execute("ROLLBACK")
        self._connection.close()


def stored_texts(path: Path, sender: str) -> list:
    rows = sqlite3.connect(path).execute(
        "select data from events where sender_id = ? and type_name = 'user'", (sender,)
    )
    return [json.loads(row[0])["text"] for row in rows]


@pytest.fixture(autouse=True)
def _conversation_spool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Conversations kept on disk in this test's folder; an unknown conversation is read again
    for a short while only."""
    monkeypatch.setenv("CONVERSATION_SPOOL_DIR", str(tmp_path / "conversation-spool"))
    monkeypatch.setattr(tracker_store, "OUTAGE_WAIT_SECONDS", 1.0)


def said(tracker: DialogueStateTracker) -> list:
    return [event.text for event in tracker.events if isinstance(event, UserUttered)]


async def wait_for_texts(path: Path, sender: str, count: int) -> list:
    for _ in range(60):  # written by the retry within a few seconds
        if len(stored_texts(path, sender)) >= count:
            break
        await asyncio.sleep(0.25)
    return stored_texts(path, sender)


async def test_a_locked_conversation_store_keeps_messages_and_context(tmp_path: Path) -> None:
    path = tmp_path / "conversations.db"
    store = RedactingSQLTrackerStore(Domain.empty(), db=str(path))
    tracker = await store.get_or_create_tracker("citizen")
    tracker.update(UserUttered("đăng ký khai sinh"))
    tracker.update(SlotSet("procedure_code", "1.001193"))
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)
    lock = Lock(path)
    try:
        context = await store.retrieve("citizen")  # written, and still known here
        assert context is not None and said(context) == ["đăng ký khai sinh"]
        context.update(UserUttered("lệ phí bao nhiêu"))
        context.update(ActionExecuted("action_listen"))
        await store.save(context)  # kept, never raised
        context = await store.retrieve("citizen")
        assert context is not None
        assert said(context) == ["đăng ký khai sinh", "lệ phí bao nhiêu"]
        context.update(UserUttered("nộp ở đâu"))
        context.update(ActionExecuted("action_listen"))
        await store.save(context)
    finally:
        lock.release()
    stored = await wait_for_texts(path, "citizen", 3)
    assert stored == ["đăng ký khai sinh", "lệ phí bao nhiêu", "nộp ở đâu"]


async def test_an_unknown_conversation_during_an_outage_is_answered_and_written_after_its_history(
    tmp_path: Path,
) -> None:
    path = tmp_path / "conversations.db"
    before = RedactingSQLTrackerStore(Domain.empty(), db=str(path))
    tracker = await before.get_or_create_tracker("citizen")
    tracker.update(UserUttered("đăng ký khai sinh"))
    tracker.update(ActionExecuted("action_listen"))
    await before.save(tracker)
    store = RedactingSQLTrackerStore(Domain.empty(), db=str(path))  # knows nothing of it yet
    lock = Lock(path)
    try:
        assert await store.retrieve("citizen") is None  # a new session, not a refusal
        tracker = await store.get_or_create_tracker("citizen", append_action_listen=False)
        await store.save(tracker)  # as Rasa does: nothing to write yet
        tracker.update(SessionStarted())
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered("lệ phí bao nhiêu"))
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)
    finally:
        lock.release()
    stored = await wait_for_texts(path, "citizen", 2)
    assert stored == ["đăng ký khai sinh", "lệ phí bao nhiêu"]  # after the history, not over it
    later = RedactingSQLTrackerStore(Domain.empty(), db=str(path))
    current = await later.retrieve("citizen")
    assert current is not None and said(current) == ["lệ phí bao nhiêu"]


def test_conversations_waiting_for_the_store_survive_the_process(tmp_path: Path) -> None:
    path = tmp_path / "conversations.db"
    spool = tmp_path / "conversation-spool"

    async def first_process() -> None:
        store = RedactingSQLTrackerStore(Domain.empty(), db=str(path))
        known = await store.get_or_create_tracker("known")
        known.update(UserUttered("xin chào"))
        known.update(ActionExecuted("action_listen"))
        await store.save(known)
        held = Lock(path)
        try:
            context = await store.retrieve("known")
            assert context is not None
            context.update(UserUttered("số cccd của tôi là 048090123456"))
            context.update(ActionExecuted("action_listen"))
            context.update(UserUttered("mã otp của tôi là 482913"))
            context.update(ActionExecuted("action_listen"))
            await store.save(context)
            assert await store.retrieve("new") is None
            new = await store.get_or_create_tracker("new")
            new.update(UserUttered("làm căn cước cần gì"))
            new.update(ActionExecuted("action_listen"))
            await store.save(new)
        finally:
            held.release()  # the process ends (its retries with it) before writing them

    asyncio.run(first_process())
    kept = " ".join(file.read_text(encoding="utf-8") for file in spool.glob("*.json"))
    assert "làm căn cước" in kept and "048090123456" not in kept  # redacted on disk
    assert "482913" not in kept
    assert stored_texts(path, "known") == ["xin chào"]

    async def next_process() -> None:
        store = RedactingSQLTrackerStore(Domain.empty(), db=str(path))
        context = await store.retrieve("new")  # served from what the first process kept
        assert context is not None and said(context) == ["làm căn cước cần gì"]
        for _ in range(60):
            if not list(spool.glob("*.json")):
                break
            await asyncio.sleep(0.25)

    asyncio.run(next_process())
    # Written from what was kept (already redacted): redacted once, not twice.
    assert stored_texts(path, "known") == [
        "xin chào",
        "số cccd của tôi là •••456",
        "mã otp của tôi là [đã ẩn]",
    ]
    assert stored_texts(path, "new") == ["làm căn cước cần gì"]
    assert not list(spool.glob("*.json"))


@pytest.fixture()
def handoff_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The actions' handoff store and call-back spool in this test's folder."""
    path = tmp_path / "knowledge.db"
    monkeypatch.setenv("KNOWLEDGE_DB_URL", f"sqlite:///{path}")
    monkeypatch.setenv("CALLBACK_SPOOL_DIR", str(tmp_path / "spool"))
    monkeypatch.setattr(handoff, "_store", None)
    monkeypatch.setattr(handoff, "_spool", None)
    HandoffStore.open()
    yield path


async def test_a_call_back_request_during_an_outage_is_kept_then_written(
    handoff_db: Path,
) -> None:
    tracker = make_tracker("0912345678", "inform", callback_phone="0912345678")
    dispatcher = CollectingDispatcher()
    lock = Lock(handoff_db)
    try:
        await handoff.ActionStoreCallback().run(dispatcher, tracker, {})
        assert "•••678" in dispatcher.messages[0]["text"]  # thanked as usual
        assert len(handoff.spool().waiting()) == 1
    finally:
        lock.release()
    for _ in range(40):  # the background thread writes it once the database answers
        if not handoff.spool().waiting():
            break
        await asyncio.sleep(0.25)
    query = "select callback_phone, status from handoff_ticket"
    rows = sqlite3.connect(handoff_db).execute(query).fetchall()
    assert rows == [("0912345678", "callback")]
    assert handoff.spool().waiting() == []


def test_kept_requests_wait_while_the_database_fails(tmp_path: Path) -> None:
    path = tmp_path / "knowledge.db"
    store = HandoffStore(make_engine(f"sqlite:///{path}"))
    spool = CallbackSpool(tmp_path / "spool")
    spool.keep({"sender_id": "s1", "phone": "0912345678", "channel": "rest", "summary": "—"})
    lock = Lock(path)
    try:
        assert spool.flush(store.request_callback) == 0
        assert len(spool.waiting()) == 1
    finally:
        lock.release()
    assert spool.flush(store.request_callback) == 1


def test_a_moved_sqlite_database_is_not_recreated(tmp_path: Path) -> None:
    path = tmp_path / "knowledge.db"
    engine = make_engine(f"sqlite:///{path}")  # the very first start creates it
    with engine.begin() as connection:
        connection.execute(text("create table kept (x integer)"))
    path.rename(tmp_path / "moved.db")
    engine.dispose()
    with pytest.raises(OperationalError):
        with engine.connect() as connection:
            connection.execute(text("select 1"))
    with pytest.raises(OperationalError):  # a store opened later, or a process restarted
        HandoffStore.open(f"sqlite:///{path}")
    assert not path.exists()
    (tmp_path / "moved.db").rename(path)
    assert HandoffStore.open(f"sqlite:///{path}").open_ticket("citizen") is None  # back


async def test_a_moved_conversation_store_is_not_recreated_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, moved = tmp_path / "conversations.db", tmp_path / "moved.db"
    store = RedactingSQLTrackerStore(Domain.empty(), db=str(path))  # the first start creates it
    tracker = await store.get_or_create_tracker("citizen")
    tracker.update(UserUttered("đăng ký khai sinh"))
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)
    path.rename(moved)
    context = await store.retrieve("citizen")
    assert context is not None
    context.update(UserUttered("lệ phí bao nhiêu"))
    context.update(ActionExecuted("action_listen"))
    await store.save(context)
    monkeypatch.setenv("CONVERSATION_SPOOL_DIR", str(tmp_path / "other-spool"))
    starting = RedactingSQLTrackerStore(Domain.empty(), db=str(path))  # another Rasa starts
    assert await starting.retrieve("someone") is None
    assert not path.exists()  # neither process made a new empty database
    moved.rename(path)
    assert await wait_for_texts(path, "citizen", 2) == ["đăng ký khai sinh", "lệ phí bao nhiêu"]


@pytest.mark.servers
def test_rest_answers_during_a_conversation_store_lock_and_nothing_is_lost_when_rasa_is_killed(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    servers = start_servers(tmp_path_factory, "conversation_store_outage")
    try:
        known, new = Citizen(servers), Citizen(servers)
        assert "khai sinh" in known.text("đăng ký khai sinh cần giấy tờ gì").lower()
        lock = Lock(servers.conversations_db)
        try:
            follow_up = known.text("mất bao lâu vậy")  # HTTP 200, the context kept
            assert busy_text() not in follow_up and "khai sinh" in follow_up.lower()
            greeting = new.text("xin chào")  # a conversation this process does not know yet
            assert greeting.strip() and busy_text() not in greeting
            servers.processes[1].kill()  # Rasa dies before the store is back
            servers.processes[1].wait(timeout=30)
        finally:
            lock.release()
        servers.restart_rasa()
        for _ in range(60):
            if len(stored_texts(servers.conversations_db, new.sender)) == 1:
                break
            time.sleep(0.5)
        assert stored_texts(servers.conversations_db, known.sender) == [
            "đăng ký khai sinh cần giấy tờ gì",
            "mất bao lâu vậy",
        ]
        assert stored_texts(servers.conversations_db, new.sender) == ["xin chào"]
    finally:
        servers.stop()


@pytest.mark.servers
def test_a_stopping_rasa_answers_and_keeps_the_webhook_messages_it_acknowledged(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    zalo, messenger = FakeZalo().start(), FakeMessenger().start()  # its own: tokens rotate
    servers = start_servers(tmp_path_factory, "stopping_rasa", **environment(zalo, messenger))
    try:
        webhook = f"{servers.url}/webhooks/zalo/webhook"
        user, later = (f"stopping-{n}-{uuid.uuid4().hex[:8]}" for n in (1, 2))
        lock = Lock(servers.conversations_db)  # the turn waits for the store a few seconds
        try:
            body, headers = zalo_event(user, "xin chào", f"m-{uuid.uuid4().hex}")
            assert post(webhook, body, headers)[0] == 200  # acknowledged: not sent again
            servers.processes[1].terminate()  # a restart by the supervisor or systemd
            late = zalo_event(later, "cảm ơn", f"m-{uuid.uuid4().hex}")
            try:
                taken = post(webhook, *late)[0] == 200  # taken and answered, or refused
            except OSError:
                taken = False
            servers.processes[1].wait(timeout=60)
        finally:
            lock.release()
        assert zalo.messages_to(user), "the acknowledged message was dropped at the stop"
        servers.restart_rasa()
        if not taken:  # the platform delivers it again: never seen before
            assert post(webhook, *late)[0] == 200
        for _ in range(60):
            if all(stored_texts(servers.conversations_db, f"zalo-{u}") for u in (user, later)):
                break
            time.sleep(0.5)
        assert stored_texts(servers.conversations_db, f"zalo-{user}") == ["xin chào"]
        assert stored_texts(servers.conversations_db, f"zalo-{later}") == ["cảm ơn"]
        assert zalo.messages_to(later)
    finally:
        servers.stop()
        zalo.stop()
        messenger.stop()
