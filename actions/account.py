"""The account guide: find the citizen's situation, then walk one sourced step per message.

A Rasa form (``account_form``) asks the situation questions and then repeats ``step_feedback``
once per step; ``validate_account_form`` decides which questions apply, reads typed answers,
counts failed attempts (and offers a person after two), and moves through the steps.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import knowledge, profile
from actions.procedure_answers import Reply, answer_procedure
from actions.understanding import Message
from knowledge import render
from knowledge.guides import UNVERIFIED_ANSWER, Faq, Step, load_account_guide
from knowledge.id_number import check_id_number
from knowledge.text.normalize import fold, normalize

FORM = "account_form"
FAILURES_BEFORE_OFFERING_STAFF = 2
# Words that tell a typed answer apart (accent-folded, matched as whole words).
PROBLEM_WORDS = {
    "forgot_password": r"quen (mat khau|pass|mk)|lay lai mat khau|sai mat khau|doi mat khau",
    "otp_not_received": r"otp|ma xac (thuc|nhan)|tin nhan|so dien thoai",
    "account_locked": r"\bkhoa\b",  # not the "khoa" of "tài khoản"
    "wrong_personal_data": r"sai (thong tin|ten|ho ten|ngay sinh|nam sinh)|thong tin ca nhan",
    "create": r"tao|dang ky|chua co tai khoan|mo tai khoan",
}
HOLDER_WORDS = {
    "organisation": r"doanh nghiep|cong ty|to chuc|hop tac xa|co quan",
    "foreigner": r"nuoc ngoai|foreign",
    "citizen": r"cong dan|ca nhan|nguoi dan|toi|em|minh|ho kinh doanh",
}
YES = (
    r"^(co|roi|da co|co roi|da|vang|dung|co a|da co roi|yes|ok|gan chip)\b"
    r"|\bco (the|app|ung dung)"
)
NO = r"^(chua|khong|ko|k|chua co|khong co|no)\b|chung minh|cmnd"
LEVEL_WORDS = {"2": r"\b(2|hai)\b|muc do 2", "1": r"\b(1|mot)\b", "0": r"chua|khong"}
STEP_BUTTONS = [
    {"title": "Xong", "payload": '/step_done{"step_feedback":"done"}'},
    {"title": "Tôi bị kẹt ở bước này", "payload": '/step_stuck{"step_feedback":"stuck"}'},
    {"title": "Dừng hướng dẫn", "payload": "/stop"},
]
GUIDE_SLOTS = (
    "account_topic",
    "account_holder",
    "has_chip_id",
    "has_vneid_app",
    "vneid_level",
    "step_feedback",
    "account_path",
    "account_step",
    "step_failures",
    "answer_failures",
)


def _folded(text: Any) -> str:
    return fold(normalize(str(text or "")))


def _first_match(table: Dict[str, str], text: str) -> Optional[str]:
    return next((key for key, pattern in table.items() if re.search(pattern, text)), None)


def _choice(table: Dict[str, str], value: Any) -> Optional[str]:
    """A button's value as it is, or the first choice whose words the typed text has."""
    return value if value in table else _first_match(table, _folded(value))


def _yes_no(value: Any) -> Optional[bool]:
    if isinstance(value, bool):
        return value
    text = _folded(value)
    if re.search(NO, text):
        return False
    if re.search(YES, text):
        return True
    return None


def choose_path(slots: Dict[str, Any]) -> str:
    """The guide path for the situation in the slots."""
    topic = slots.get("account_topic") or "create"
    if topic != "create":
        return topic
    holder = slots.get("account_holder")
    if holder in ("organisation", "foreigner"):
        return holder
    if not slots.get("has_chip_id"):
        return "citizen_get_chip_id"
    if not slots.get("has_vneid_app") or slots.get("vneid_level") != "2":
        return "citizen_get_level2"
    return "citizen_login"


def reset_events() -> List[EventType]:
    """Clear everything the guide remembers."""
    return [SlotSet(name, None) for name in GUIDE_SLOTS]


def step_message(steps: List[Step], index: int) -> str:
    return f"Bước {index + 1}/{len(steps)}: {steps[index].message()}"


def _checked(date: str) -> str:
    """ "2026-12-01" -> "01/12/2026"."""
    year, month, day = date.split("-")
    return f"{day}/{month}/{year}"


def faq_message(faq: Faq, checked: str) -> str:
    """A direct answer with its sources and the date they were checked; an answer found only in
    the press says so."""
    lines = [faq.answer]
    if not faq.verified:
        lines.append(UNVERIFIED_ANSWER)
    label = "Nguồn" if faq.verified else "Nguồn (báo chí, chưa kiểm chứng)"
    lines.append(f"{label}: {'; '.join(faq.sources)} (kiểm tra ngày {_checked(checked)}).")
    return "\n".join(lines)


def guide_offer(faq: Faq) -> Optional[List[Dict[str, str]]]:
    """Buttons offering the guide path that fits the answer, if it has one."""
    if not faq.guide:
        return None
    if faq.guide == "create":
        payload = "/account_create"
        entities = dict(faq.guide_slots)
    else:
        payload = "/account_problem"
        entities = {"account_topic": faq.guide, **faq.guide_slots}
    if entities:
        payload += json.dumps(entities, ensure_ascii=False, separators=(",", ":"))
    return [
        {"title": faq.guide_title or "Hướng dẫn từng bước", "payload": payload},
        {"title": "Không cần, cảm ơn", "payload": "/thank"},
    ]


def _entities(tracker: Tracker) -> Dict[str, Any]:
    """Entities of the latest message (a guide offer's button carries the situation)."""
    return {
        e["entity"]: e.get("value")
        for e in tracker.latest_message.get("entities") or []
        if e.get("entity") in ("account_topic", "account_holder", "has_chip_id")
    }


class ActionStartAccountGuide(Action):
    """Starts the guide afresh, reading what the first message already says."""

    def name(self) -> Text:
        return "action_start_account_guide"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        text = _folded(tracker.latest_message.get("text"))
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        given = _entities(tracker)
        topic = given.get("account_topic") or _first_match(PROBLEM_WORDS, text)
        message = Message.latest(tracker)
        asks_who_may = message.aspects() == ["eligibility"]
        if intent == "account_create" or (topic is None and asks_who_may):
            topic = "create"  # "trẻ em có được tài khoản định danh không" is about getting one
        events = reset_events() + [SlotSet("account_topic", topic)]
        holder = given.get("account_holder") or _first_match(
            {k: v for k, v in HOLDER_WORDS.items() if k != "citizen"}, text
        )
        if topic == "create" and holder:
            events.append(SlotSet("account_holder", holder))
        if topic == "create" and given.get("has_chip_id") is not None:
            events.append(SlotSet("has_chip_id", bool(given["has_chip_id"])))
        guide = load_account_guide()
        if topic == "create" and asks_who_may:
            events += _who_may_hold_an_account(dispatcher, message, guide.related_procedures)
        intro = guide.intros.get(topic or "")
        if intro is None:
            dispatcher.utter_message(response="utter_account_intro")
        else:
            sources = "; ".join(intro.sources)
            dispatcher.utter_message(
                text=f"{intro.text}\nNguồn: {sources} (kiểm tra ngày {_checked(guide.checked)})."
            )
        return events


def _who_may_hold_an_account(
    dispatcher: CollectingDispatcher, message: Message, related: Dict[str, str]
) -> List[EventType]:
    """ "trẻ em có được cấp tài khoản định danh không", "người nước ngoài dưới 14 tuổi có được
    cấp không": a whether question about who may hold an account is answered from the account
    procedure's official record (its conditions), before the guide's questions."""
    key = "level2_foreigner" if "foreign" in message.values("nationality") else "level2"
    procedure = knowledge().procedure(related.get(key, ""))
    if procedure is None:
        return []
    reply = Reply()
    answer_procedure(reply, procedure, ["eligibility"], None, message, in_other_loop=True)
    return reply.send(dispatcher)


class ValidateAccountForm(FormValidationAction):
    """Which questions apply, typed answers, failed attempts and moving through the steps."""

    def name(self) -> Text:
        return "validate_account_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        slots = tracker.current_slot_values()
        required = ["account_topic"]
        if slots.get("account_topic") == "create":
            required.append("account_holder")
            if slots.get("account_holder") == "citizen":
                required.append("has_chip_id")
                if slots.get("has_chip_id"):
                    required.append("has_vneid_app")
                    if slots.get("has_vneid_app"):
                        required.append("vneid_level")
        return required + ["step_feedback"]

    def _failed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, slot: Text
    ) -> Dict[Text, Any]:
        failures = int(tracker.get_slot("answer_failures") or 0) + 1
        dispatcher.utter_message(response=f"utter_explain_{slot}")
        if failures >= FAILURES_BEFORE_OFFERING_STAFF:
            dispatcher.utter_message(response="utter_offer_staff_or_stop")
        return {slot: None, "answer_failures": failures}

    def _answer(
        self, slot: Text, answer: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Dict[Text, Any]:
        if answer is None:
            return self._failed(dispatcher, tracker, slot)
        return {slot: answer, "answer_failures": 0}

    def validate_account_topic(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._answer("account_topic", _choice(PROBLEM_WORDS, value), dispatcher, tracker)

    def validate_account_holder(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._answer("account_holder", _choice(HOLDER_WORDS, value), dispatcher, tracker)

    def validate_has_chip_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._answer("has_chip_id", _yes_no(value), dispatcher, tracker)

    def validate_has_vneid_app(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._answer("has_vneid_app", _yes_no(value), dispatcher, tracker)

    def validate_vneid_level(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._answer("vneid_level", _choice(LEVEL_WORDS, value), dispatcher, tracker)

    def validate_step_feedback(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        steps = load_account_guide().steps(tracker.get_slot("account_path") or "")
        index = int(tracker.get_slot("account_step") or 0)
        if value == "done":
            index += 1
            finished = index >= len(steps)
            return {
                "step_feedback": "done" if finished else None,
                "account_step": index,
                "step_failures": 0,
                "answer_failures": 0,
            }
        if value == "stuck":
            failures = int(tracker.get_slot("step_failures") or 0) + 1
            step = steps[index] if index < len(steps) else None
            if failures >= FAILURES_BEFORE_OFFERING_STAFF or step is None or not step.help:
                dispatcher.utter_message(response="utter_offer_staff")
                dispatcher.utter_message(text=render.hotline_sentence(profile()))
            else:
                dispatcher.utter_message(text=f"Gợi ý: {step.help}")
            return {"step_feedback": None, "step_failures": failures}
        if value == "retry":
            return {"step_feedback": None}
        return self._failed(dispatcher, tracker, "step_feedback")


class ActionAskStepFeedback(Action):
    """Shows the current step (choosing the path the first time) with Xong / kẹt buttons."""

    def name(self) -> Text:
        return "action_ask_step_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        guide = load_account_guide()
        events: List[EventType] = []
        path = tracker.get_slot("account_path")
        if not path:
            path = choose_path(tracker.current_slot_values())
            events += [SlotSet("account_path", path), SlotSet("account_step", 0)]
            title = f"{guide.paths[path].title} ({len(guide.steps(path))} bước)."
            if not all(step.verified for step in guide.steps(path)):
                title += (
                    " Các bước ghi “chưa đối chiếu” lấy từ hướng dẫn trên báo chí; anh/chị"
                    " làm theo hướng dẫn hiện trên ứng dụng nếu có khác biệt."
                )
            dispatcher.utter_message(text=title)
        steps = list(guide.steps(path))
        index = min(int(tracker.get_slot("account_step") or 0), len(steps) - 1)
        dispatcher.utter_message(text=step_message(steps, index), buttons=STEP_BUTTONS)
        return events


class ActionFinishAccountGuide(Action):
    """The last step is done: say what comes next and clear the guide."""

    def name(self) -> Text:
        return "action_finish_account_guide"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        path = tracker.get_slot("account_path") or ""
        steps = load_account_guide().steps(path)
        official = list(dict.fromkeys(step.source for step in steps if step.verified))
        press = list(dict.fromkeys(step.source for step in steps if not step.verified))
        dispatcher.utter_message(response="utter_account_done")
        lines = []
        if official:
            lines.append("Nguồn hướng dẫn: " + "; ".join(official[:3]))
        if press:
            lines.append("Một số bước theo báo chí (chưa kiểm chứng): " + "; ".join(press[:3]))
        if lines:
            dispatcher.utter_message(text="\n".join(lines))
        return reset_events()


class ActionStopAccountGuide(Action):
    """The user stopped the guide: clear it, say how to come back."""

    def name(self) -> Text:
        return "action_stop_account_guide"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_account_stopped")
        return reset_events()


class ActionAnswerAccountFaq(Action):
    """A direct, sourced answer to an account question (VNeID, levels, changing the phone
    number, a forgotten password, organisations' accounts...), then the guide path that fits.

    Inside the guide the answer comes without the offer: the guide resumes at its step."""

    def name(self) -> Text:
        return "action_answer_account_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        guide = load_account_guide()
        faq = guide.find_faq(tracker.latest_message.get("text") or "")
        if faq is None:
            dispatcher.utter_message(response="utter_account_faq_unknown")
            return []
        dispatcher.utter_message(text=faq_message(faq, guide.checked))
        buttons = None if tracker.active_loop.get("name") else guide_offer(faq)
        if buttons:
            dispatcher.utter_message(
                text="Anh/chị có muốn tôi hướng dẫn từng bước không?", buttons=buttons
            )
        return [SlotSet("procedure_code", faq.procedure)] if faq.procedure else []


class ActionCheckIdNumber(Action):
    """Checks the format of an identity number the user typed, without repeating it."""

    def name(self) -> Text:
        return "action_check_id_number"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        result = check_id_number(_id_number_in(tracker.latest_message.get("text") or ""))
        if result.valid:
            dispatcher.utter_message(response="utter_id_number_format_ok")
        else:
            dispatcher.utter_message(
                text="Số anh/chị nhắn chưa đúng định dạng: " + " ".join(result.problems)
            )
        dispatcher.utter_message(response="utter_id_number_privacy")
        return []


def _id_number_in(text: str) -> str:
    match = re.search(r"\d[\d .\-]{7,}\d", text)
    return match.group() if match else text


def resume_events(slots: Dict[str, Any]) -> List[EventType]:
    """Events that re-open an unfinished guide at the step where the user left it."""
    path = slots.get("account_path")
    if not path:
        return []
    steps = load_account_guide().steps(path)
    if int(slots.get("account_step") or 0) >= len(steps):
        return []
    return [ActiveLoop(FORM), SlotSet("requested_slot", "step_feedback")]
