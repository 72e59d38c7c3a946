"""Conversations written to a real conversation store (the project's redacting SQL tracker store
on SQLite), as the supervisor's figures read them: questions the bot did not understand, "not
found" answers, answered questions."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import RedactingSQLTrackerStore


def asked(text: str, intent: str = "nlu_fallback") -> Event:
    return UserUttered(text, intent={"name": intent, "confidence": 1.0}, parse_data={"text": text})


def not_understood(question: str) -> List[Event]:
    """A question answered with the "please rephrase" response."""
    return [
        asked(question),
        ActionExecuted("action_default_fallback"),
        BotUttered(
            "Xin lỗi, tôi chưa hiểu rõ câu hỏi.", metadata={"utter_action": "utter_ask_rephrase"}
        ),
        ActionExecuted("action_listen"),
    ]


def not_found(question: str) -> List[Event]:
    """A question for which no procedure was found."""
    return [
        asked(question, "ask_documents"),
        ActionExecuted("action_answer_procedure"),
        BotUttered("Xin lỗi, tôi chưa tìm thấy thủ tục phù hợp."),
        SlotSet(
            "last_answer", {"id": uuid.uuid4().hex[:12], "code": None, "aspects": ["not_found"]}
        ),
        ActionExecuted("action_listen"),
    ]


def answered(
    question: str, answer: str, answer_id: str, code: str, answer_type: str
) -> List[Event]:
    """A question answered about procedure ``code``."""
    return [
        asked(question, f"ask_{answer_type}"),
        ActionExecuted("action_answer_procedure"),
        BotUttered(answer),
        SlotSet("last_answer", {"id": answer_id, "code": code, "aspects": [answer_type]}),
        ActionExecuted("action_listen"),
    ]


def write_conversations(db: Path, conversations: Dict[str, List[Event]]) -> str:
    """Store the conversations (sender -> events) in the SQLite file ``db``; its URL.

    Runs in a worker thread: a Playwright page test has an event loop running in this one."""

    async def save() -> None:
        store = RedactingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
        for sender, events in conversations.items():
            await store.save(DialogueStateTracker.from_events(sender, events))

    with ThreadPoolExecutor(1) as worker:
        worker.submit(asyncio.run, save()).result()
    return f"sqlite:///{db}"
