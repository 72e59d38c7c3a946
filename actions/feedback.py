"""Feedback on answers: the 👍 / 👎 controls, and the one optional question after a 👎.

Which answer a feedback is about: the answer named by the button's payload, else the
``last_answer`` slot (``actions.replies``). Typed feedback counts only right after an answer
(the rules in nlu_data/feedback_rules.yml): "sai rồi", "chưa đúng", "👎" say the answer was
wrong, "👍" that it helped; anything else typed there (a plain "không", a digit) gets the
bot's usual reply. After a 👎 the bot asks what was wrong (reason buttons, or a few typed
words) and offers staff; the ``pending_feedback`` slot holds the 👎 the answer goes to.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import HUMAN
from bot.feedback.answers import (
    DETAIL_INTENT,
    DOWN,
    FEEDBACK_INTENT,
    LAST_ANSWER_SLOT,
    PENDING_FEEDBACK_SLOT,
    RATINGS,
    REASONS,
    UP,
    AnswerRef,
    detail_payload,
)
from bot.feedback.store import FeedbackStore
from knowledge.text.normalize import fold

THANKS = "Cảm ơn anh/chị đã phản hồi! Anh/chị cần hỏi thêm gì cứ nhắn cho tôi."
ASK_WHAT_WAS_WRONG = (
    "Cảm ơn anh/chị đã cho biết. Câu trả lời chưa đúng hoặc còn thiếu điều gì ạ? Anh/chị chọn "
    "bên dưới hoặc nhắn vài chữ (không bắt buộc). Nếu cần, anh/chị có thể gặp cán bộ."
)
THANKS_FOR_DETAIL = (
    "Cảm ơn anh/chị đã góp ý. Cán bộ sẽ xem lại câu trả lời này để bổ sung, sửa cho đúng."
)
NOTHING_TO_RATE = "Cảm ơn anh/chị. Anh/chị cần hỏi thủ tục nào cứ nhắn cho tôi."
# Typed right after an answer: words that say it was wrong (folded), and the thumbs.
WRONG_WORDS = re.compile(r"\b(sai|chua dung|khong dung|nham|chua chinh xac|khong chinh xac)\b")
USUAL_REPLY = {"deny": "utter_deny", "unreadable_message": "utter_unreadable"}
_store: Optional[FeedbackStore] = None


def store() -> FeedbackStore:
    """The feedback store, opened once per process."""
    global _store
    if _store is None:
        _store = FeedbackStore.open()
    return _store


def _intent(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def _entity(tracker: Tracker, name: str) -> Optional[str]:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value is not None else None


def typed_rating(text: str) -> Optional[str]:
    """The rating a message typed right after an answer gives, if it gives one."""
    if "👎" in text:
        return DOWN
    if "👍" in text:
        return UP
    return DOWN if WRONG_WORDS.search(fold(text)) else None


def _turn_events(tracker: Tracker) -> List[Dict[str, Any]]:
    """The events of the bot's previous turn: between the last two user messages."""
    events = tracker.events
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if not users:
        return []
    start = users[-2] + 1 if len(users) > 1 else 0
    return events[start : users[-1]]


def just_answered(tracker: Tracker) -> Optional[AnswerRef]:
    """The answer the bot gave in its previous turn, if that turn gave one."""
    for event in reversed(_turn_events(tracker)):
        if event.get("event") == "slot" and event.get("name") == LAST_ANSWER_SLOT:
            return AnswerRef.from_slot(event.get("value"))
    return None


def bot_just_ran(tracker: Tracker, *actions: str) -> bool:
    """Whether the bot's previous turn ran one of ``actions`` (it just asked what they ask)."""
    return any(
        e.get("event") == "action" and e.get("name") in actions for e in _turn_events(tracker)
    )


def question_before(tracker: Tracker, answer: AnswerRef) -> Optional[str]:
    """What the citizen asked before ``answer`` (the last message typed, not a button)."""
    seen_answer = False
    for event in reversed(tracker.events):
        if event.get("event") == "slot" and event.get("name") == LAST_ANSWER_SLOT:
            value = event.get("value")
            seen_answer = seen_answer or (
                isinstance(value, dict) and value.get("id") == answer.answer_id
            )
        elif seen_answer and event.get("event") == "user":
            text = event.get("text") or ""
            if text and not text.startswith("/"):
                return text
    return None


def _rated_answer(tracker: Tracker) -> Optional[AnswerRef]:
    """The answer a feedback is about: the payload's, else the ``last_answer`` slot's."""
    aspects = (_entity(tracker, "answer_aspects") or "").split(",")
    named = AnswerRef.of(
        _entity(tracker, "answer_id") or "", _entity(tracker, "answer_code"), aspects
    )
    return named or AnswerRef.from_slot(tracker.get_slot(LAST_ANSWER_SLOT))


class ActionStoreFeedback(Action):
    """Stores a 👍 / 👎 on an answer; after a 👎 asks what was wrong and offers staff."""

    def name(self) -> Text:
        return "action_store_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        intent = _intent(tracker)
        if intent == FEEDBACK_INTENT:
            rating, answer = _entity(tracker, "feedback_rating"), _rated_answer(tracker)
        else:  # typed right after an answer (feedback_rules.yml)
            rating = typed_rating(tracker.latest_message.get("text") or "")
            answer = just_answered(tracker)
            if rating is None or answer is None:
                dispatcher.utter_message(response=USUAL_REPLY.get(intent, "utter_ask_rephrase"))
                return []
        if rating not in RATINGS or answer is None:
            dispatcher.utter_message(text=NOTHING_TO_RATE)
            return [SlotSet(PENDING_FEEDBACK_SLOT, None)]
        feedback_id = store().record(
            tracker.sender_id,
            tracker.get_latest_input_channel() or "rest",
            answer,
            rating,
            question_before(tracker, answer),
        )
        if rating == UP:
            dispatcher.utter_message(text=THANKS)
            return [SlotSet(PENDING_FEEDBACK_SLOT, None)]
        reasons = [{"title": title, "payload": detail_payload(r)} for r, title in REASONS.items()]
        dispatcher.utter_message(text=ASK_WHAT_WAS_WRONG, buttons=[*reasons, HUMAN])
        return [SlotSet(PENDING_FEEDBACK_SLOT, feedback_id)]


class ActionStoreFeedbackDetail(Action):
    """Adds what was wrong (a reason button, or words typed right after the question) to the
    pending 👎. Typed words that come later, or with no 👎 pending, get the usual reply."""

    def name(self) -> Text:
        return "action_store_feedback_detail"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        pending = tracker.get_slot(PENDING_FEEDBACK_SLOT)
        feedback_id = int(pending) if isinstance(pending, (int, float)) else None
        if _intent(tracker) == DETAIL_INTENT:
            reason = _entity(tracker, "feedback_reason")
            stored = (
                feedback_id is not None
                and reason in REASONS
                and store().add_detail(feedback_id, tracker.sender_id, reason=reason)
            )
            dispatcher.utter_message(text=THANKS_FOR_DETAIL if stored else NOTHING_TO_RATE)
            return [SlotSet(PENDING_FEEDBACK_SLOT, None)]
        asked = bot_just_ran(tracker, ActionStoreFeedback().name())
        text = tracker.latest_message.get("text") or ""
        if feedback_id is None or not asked or not text.strip():
            if _intent(tracker) == "out_of_scope":
                dispatcher.utter_message(response="utter_out_of_scope")
                return []
            return [FollowupAction("action_default_fallback")]
        store().add_detail(feedback_id, tracker.sender_id, comment=text)
        dispatcher.utter_message(text=THANKS_FOR_DETAIL)
        return [SlotSet(PENDING_FEEDBACK_SLOT, None)]
