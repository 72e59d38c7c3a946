"""Databases unavailable (real SQLite files, locked by another connection or moved away):
conversations kept in memory and written when the store is back, their context served
meanwhile; a call-back request kept on disk and written when the database is back; a moved
SQLite file never recreated empty."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Iterator

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from actions import handoff
from bot.handoff.spool import CallbackSpool
from bot.handoff.store import HandoffStore
from bot.tracker_store import ConversationStoreUnavailable, RedactingSQLTrackerStore
from knowledge.store import make_engine
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
        with pytest.raises(ConversationStoreUnavailable):  # nothing waits: the channel says busy
            await store.retrieve("citizen")
        tracker.update(UserUttered("lệ phí bao nhiêu"))
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)  # kept in memory, never raised
        context = await store.retrieve("citizen")
        assert context is not None
        said = [e.text for e in context.events if isinstance(e, UserUttered)]
        assert said == ["đăng ký khai sinh", "lệ phí bao nhiêu"]
        context.update(UserUttered("nộp ở đâu"))
        context.update(ActionExecuted("action_listen"))
        await store.save(context)
        with pytest.raises(ConversationStoreUnavailable):
            await store.retrieve("someone-else")
    finally:
        lock.release()
    for _ in range(40):  # written by the retry within a few seconds
        if len(stored_texts(path, "citizen")) == 3:
            break
        await asyncio.sleep(0.25)
    assert stored_texts(path, "citizen") == ["đăng ký khai sinh", "lệ phí bao nhiêu", "nộp ở đâu"]


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
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("create table kept (x integer)"))
    path.rename(tmp_path / "moved.db")
    engine.dispose()
    with pytest.raises(OperationalError):
        with engine.connect() as connection:
            connection.execute(text("select 1"))
    assert not path.exists()
