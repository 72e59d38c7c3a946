"""Conversations saved at the same moment on a real PostgreSQL (bot/tracker_store.py): each
event is stored once, however many conversations one process writes at once."""

from __future__ import annotations

import asyncio

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text

from bot.tracker_store import RedactingSQLTrackerStore
from tests.services import pg_settings

pytestmark = pytest.mark.cluster


async def test_concurrent_saves_store_each_event_once(postgres) -> None:  # noqa: ANN001
    settings = pg_settings(postgres)
    store = RedactingSQLTrackerStore(
        domain=Domain.empty(),
        dialect="postgresql",
        host=settings["host"],
        port=settings["port"],
        db=settings["db"],
        username=settings["user"],
        password=settings["password"],
    )
    trackers = []
    for n in range(40):
        tracker = DialogueStateTracker(f"writes-{n}", [])
        for turn in range(3):
            tracker.update(UserUttered(f"câu hỏi {turn}"))
            tracker.update(BotUttered(f"trả lời {turn}"))
            tracker.update(ActionExecuted("action_listen"))
        trackers.append(tracker)
    await asyncio.gather(*(store.save(tracker) for tracker in trackers))
    engine = create_engine(postgres.url)
    with engine.connect() as connection:
        counts = dict(
            connection.execute(
                text(
                    "SELECT sender_id, count(*) FROM events "
                    "WHERE sender_id LIKE 'writes-%' GROUP BY sender_id"
                )
            ).all()
        )
    engine.dispose()
    assert counts == {f"writes-{n}": 9 for n in range(40)}
