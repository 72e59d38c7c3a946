"""Handing a conversation to a live staff member, the call-back request, and the rating.

During staff hours a ticket is opened (masked transcript, procedure in focus, a short summary)
and the conversation is paused: the citizen's messages reach the ticket, the bot stays silent
until staff close it. Outside staff hours, or when nobody took the ticket in time, the citizen
can leave a mobile number for a call-back.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ConversationPaused, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.context import knowledge, profile
from bot.handoff.spool import CallbackSpool
from bot.handoff.store import HandoffStore
from bot.privacy import mask_personal_numbers, redact
from knowledge import render
from knowledge.profile import WEEKDAYS

BRIDGE_TOKEN_ENV = "STAFF_BRIDGE_TOKEN"
TRANSCRIPT_MESSAGES = 12
MOBILE = re.compile(r"^0[35789]\d{8}$")
REASONS = {
    "request_human": "asked",
    "complain": "angry",
    "nlu_fallback": "repeated_failures",
    "step_stuck": "stuck",
}
_store: Optional[HandoffStore] = None
_spool: Optional[CallbackSpool] = None


def store() -> HandoffStore:
    """The handoff store, opened once per process."""
    global _store
    if _store is None:
        _store = HandoffStore.open()
    return _store


def spool() -> CallbackSpool:
    """Call-back requests kept while the database is unavailable (once per process); kept
    requests left by an earlier process are written in the background."""
    global _spool
    if _spool is None:
        _spool = CallbackSpool.from_env()
        if _spool.waiting():
            _spool.flush_in_background(_write_callback)
    return _spool


def _write_callback(**request: str) -> None:
    store().request_callback(**request)


def staff_online() -> bool:
    """Whether live handoff is set up here (the console shares the bridge secret)."""
    return bool(os.environ.get(BRIDGE_TOKEN_ENV))


def transcript(tracker: Tracker) -> List[Dict[str, str]]:
    """The last messages of the conversation, with secrets and personal numbers hidden."""
    lines = []
    for event in tracker.events:
        if event.get("event") in ("user", "bot") and event.get("text"):
            at = dt.datetime.fromtimestamp(event.get("timestamp") or 0, dt.timezone.utc)
            who = "user" if event["event"] == "user" else "bot"
            lines.append({"who": who, "text": redact(event["text"]), "at": at.isoformat()})
    return lines[-TRANSCRIPT_MESSAGES:]


def summary(tracker: Tracker, reason: str) -> str:
    """A short note for staff: why, about which procedure, the last question."""
    why = {
        "asked": "Người dân yêu cầu gặp cán bộ.",
        "angry": "Người dân không hài lòng với trợ lý.",
        "repeated_failures": "Trợ lý không hiểu câu hỏi nhiều lần liên tiếp.",
        "stuck": "Người dân bị kẹt khi làm theo hướng dẫn tạo tài khoản.",
    }[reason]
    parts = [why]
    code = tracker.get_slot("procedure_code")
    procedure = knowledge().procedure(code) if code else None
    if procedure:
        parts.append(f"Thủ tục đang hỏi: {procedure.name} ({procedure.code}).")
    path = tracker.get_slot("account_path")
    if path:
        step = int(tracker.get_slot("account_step") or 0) + 1
        parts.append(f"Đang ở hướng dẫn tài khoản «{path}», bước {step}.")
    asked = [
        e for e in tracker.events if e.get("event") == "user" and e.get("text", "")[:1] not in "/"
    ]
    if reason == "asked" and asked:
        asked = asked[:-1]  # the request for a person itself says nothing new
    if asked:
        parts.append(f"Câu hỏi gần nhất: «{redact(asked[-1]['text'])[:200]}».")
    return " ".join(parts)


def opening_phrase(when: Optional[dt.datetime]) -> str:
    if when is None:
        return "trong giờ làm việc tiếp theo"
    return f"từ {when:%H:%M} {WEEKDAYS[when.weekday()]}, ngày {when:%d/%m}"


class ActionHandoff(Action):
    """Opens a ticket and pauses the bot, or offers a call-back outside staff hours."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        province = profile()
        if not staff_online():
            dispatcher.utter_message(text=render.hotline(province))
            return []
        intent = (tracker.latest_message.get("intent") or {}).get("name", "")
        reason = REASONS.get(intent, "asked")
        if not province.staff_open():
            hours = province.describe_hours(province.staff_hours())
            dispatcher.utter_message(
                text=(
                    f"Hiện đã ngoài giờ làm việc của cán bộ ({hours}). Anh/chị có thể để lại số "
                    "điện thoại di động, cán bộ sẽ gọi lại "
                    f"{opening_phrase(province.next_opening())}."
                )
            )
            return [SlotSet("handoff_reason", reason), FollowupAction("callback_form")]
        ticket = store().create_ticket(
            channel=tracker.get_latest_input_channel() or "rest",
            sender_id=tracker.sender_id,
            reason=reason,
            procedure_code=tracker.get_slot("procedure_code"),
            summary=summary(tracker, reason),
            transcript=transcript(tracker),
        )
        position = store().queue_position(ticket)
        wait = store().expected_wait_minutes(position)
        dispatcher.utter_message(
            text=(
                "Tôi đã chuyển cuộc trò chuyện cho cán bộ. "
                f"Anh/chị đang ở vị trí số {position} trong hàng chờ, thời gian chờ dự kiến "
                f"khoảng {wait} phút. Trong lúc chờ, anh/chị cứ nhắn thêm: cán bộ sẽ đọc được "
                "toàn bộ tin nhắn."
            )
        )
        return [SlotSet("handoff_reason", reason), ConversationPaused()]


class ActionHandoffTimeout(Action):
    """Nobody took the ticket in time: say so; the call-back form follows (rules.yml)."""

    def name(self) -> Text:
        return "action_handoff_timeout"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_handoff_timeout")
        return []


class ValidateCallbackForm(FormValidationAction):
    """Checks the call-back number: a Vietnamese mobile number, said exactly what is wrong."""

    def name(self) -> Text:
        return "validate_callback_form"

    def validate_callback_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        digits = re.sub(r"[\s.\-()]", "", str(value or ""))
        if digits.startswith("+84"):
            digits = "0" + digits[3:]
        elif digits.startswith("84") and len(digits) == 11:
            digits = "0" + digits[2:]
        if MOBILE.match(digits):
            return {"callback_phone": digits, "callback_failures": 0}
        failures = int(tracker.get_slot("callback_failures") or 0) + 1
        if not digits.isdigit():
            problem = "Số điện thoại chỉ gồm chữ số."
        elif len(digits) != 10:
            problem = f"Số di động gồm 10 chữ số; số anh/chị nhắn có {len(digits)}."
        else:
            problem = "Số di động Việt Nam bắt đầu bằng 03, 05, 07, 08 hoặc 09."
        dispatcher.utter_message(text=problem)
        if failures >= 2:
            dispatcher.utter_message(response="utter_callback_offer_stop")
        return {"callback_phone": None, "callback_failures": failures}


class ActionStoreCallback(Action):
    """Records the call-back request for staff and says when they will call."""

    def name(self) -> Text:
        return "action_store_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        phone = tracker.get_slot("callback_phone")
        reason = tracker.get_slot("handoff_reason") or "asked"
        request = {
            "sender_id": tracker.sender_id,
            "phone": phone,
            "channel": tracker.get_latest_input_channel() or "rest",
            "summary": summary(tracker, reason),
        }
        kept = spool()  # also picks up requests kept before a restart
        try:
            store().request_callback(**request)
        except SQLAlchemyError:  # kept, and written when the database is back
            kept.keep(request)
            kept.flush_in_background(_write_callback)
        province = profile()
        when = (
            "ngay khi có cán bộ rảnh"
            if province.staff_open()
            else opening_phrase(province.next_opening())
        )
        dispatcher.utter_message(
            text=(f"Cảm ơn anh/chị. Cán bộ sẽ gọi lại số {mask_personal_numbers(phone)} {when}.")
        )
        return [SlotSet("callback_phone", None), SlotSet("handoff_reason", None)]


class ActionHandoffTaken(Action):
    """Staff took the ticket after the bot had resumed: say so, and pause the bot again."""

    def name(self) -> Text:
        return "action_handoff_taken"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_handoff_taken")
        return [SlotSet("callback_phone", None), ConversationPaused()]


class ActionStopCallback(Action):
    """The citizen wants no call-back: nothing is noted, and a ticket still waiting for staff
    is withdrawn, since the citizen goes on with the bot."""

    def name(self) -> Text:
        return "action_stop_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        withdrawn = store().withdraw(tracker.sender_id)
        dispatcher.utter_message(
            response="utter_handoff_withdrawn" if withdrawn else "utter_callback_stopped"
        )
        return [SlotSet("callback_phone", None), SlotSet("handoff_reason", None)]


class ActionAskRating(Action):
    """After staff closed the ticket: the bot is back, and asks how the help was."""

    def name(self) -> Text:
        return "action_ask_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_ask_rating")
        return []


def rating_was_asked(tracker: Tracker) -> bool:
    """Whether the bot's last action before this message asked for a rating: a number typed at
    any other time (a receipt code, a count of days) is not a rating."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return False
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name") in ("action_ask_rating", "utter_ask_rating")
    return False


class ActionStoreRating(Action):
    """Stores the 1-5 rating of the help on the last closed ticket, when one was asked for (a
    rating button always is)."""

    def name(self) -> Text:
        return "action_store_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        if not text.startswith("/rate_help") and not rating_was_asked(tracker):
            dispatcher.utter_message(response="utter_ask_rephrase")
            return [SlotSet("rating", None)]
        value = tracker.get_slot("rating") or text
        match = re.search(r"[1-5]", str(value))
        if match is None:
            dispatcher.utter_message(response="utter_ask_rating")
            return [SlotSet("rating", None)]
        store().rate_last_closed(tracker.sender_id, int(match.group()))
        dispatcher.utter_message(response="utter_thank_rating")
        return [SlotSet("rating", None)]
