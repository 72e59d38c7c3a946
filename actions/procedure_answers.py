"""Answers about procedures: every aspect asked (documents, online, fee, time, agency,
conditions, overview) of the procedure a message is about, and the choices between procedures
or cases, asked through ``choice_form`` and answered by tapping or typing.

State, all in slots: ``procedure_code`` (the procedure in focus), ``case_index`` (its case),
``pending_choice`` (the question asked and its options), ``choice_kind`` (featurised: a choice
is open), ``pending_aspects`` (what to answer once the choice is made), ``chosen_option`` (the
form's slot), ``choice_failures`` and ``last_answer`` (what the latest answer was about).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import replies
from actions.choice import (
    KIND_CASE,
    KIND_PROCEDURE,
    Option,
    PendingChoice,
    ages_in,
    match_option,
)
from actions.context import (
    CLEAR_LEAD,
    CONFIDENT,
    FEW_WORDS,
    SUGGEST,
    Resolution,
    is_variant_of,
    knowledge,
    profile,
    ranked,
    resolve,
    suggestions,
)
from actions.replies import choose_payload
from actions.understanding import Message
from bot.privacy import mask_personal_numbers
from knowledge import render
from knowledge.models import Case, Procedure
from knowledge.query import names_a_request, naming_words, search_query, variant_markers
from knowledge.search import SearchHit

FORM = "choice_form"
# The chosen option that means "not an answer to the choice: read the message as a question".
FROM_MESSAGE = "__message__"
FAILURES_BEFORE_OFFERING_STOP = 2
FAILURES_BEFORE_GIVING_UP = 3
SHORT_REPLY_WORDS = 4  # naming words of a reply to the options that may only tell the case
MAX_OPTIONS = 8
# Intents the choice leaves to their own rules (the form is rejected, then rules answer them).
OWN_RULES = frozenset(
    {
        "greet",
        "thank",
        "goodbye",
        "stop",
        "deny",
        "request_human",
        "complain",
        "complain_delay",
        "bot_challenge",
        "account_create",
        "account_problem",
        "account_faq",
        "shared_secret",
        "give_id_number",
        "ask_status",
        "report_scam",
        "unreadable_message",
        "message_too_long",
        "other_language",
    }
)


def _case_of(procedure: Procedure, value: Any) -> Optional[int]:
    """The case index that a "<code>#<index>" value gives for this procedure."""
    code, _, index = str(value or "").partition("#")
    if code != procedure.code or not index.isdigit() or int(index) >= len(procedure.cases):
        return None
    return int(index)


def _case_options(procedure: Procedure) -> List[Option]:
    return [Option(f"{procedure.code}#{i}", c.name) for i, c in enumerate(procedure.cases)]


@dataclass
class Reply:
    """What one turn says and the slot events it leaves."""

    texts: List[Dict[str, Any]] = field(default_factory=list)
    events: List[EventType] = field(default_factory=list)

    def say(self, text: str, buttons: Optional[List[Dict[str, Any]]] = None) -> None:
        self.texts.append({"text": text, "buttons": buttons or []})

    def send(self, dispatcher: CollectingDispatcher) -> List[EventType]:
        for item in self.texts:
            dispatcher.utter_message(text=item["text"], buttons=item["buttons"])
        return self.events


def _open_choice(reply: Reply, choice: PendingChoice) -> None:
    """Leave a choice for ``choice_form`` to ask."""
    reply.events += [
        SlotSet("pending_choice", choice.to_slot()),
        SlotSet("choice_kind", choice.kind),
        SlotSet("pending_aspects", choice.aspects),
        SlotSet("chosen_option", None),
        SlotSet("choice_failures", 0),
    ]


def _close_choice() -> List[EventType]:
    return [
        SlotSet("pending_choice", None),
        SlotSet("choice_kind", None),
        SlotSet("pending_aspects", None),
        SlotSet("chosen_option", None),
        SlotSet("choice_failures", 0),
    ]


def _aspect_text(aspect: str, procedure: Procedure, case: Optional[Case]) -> str:
    province = profile()
    writers = {
        "documents": lambda: render.documents(procedure, case),
        "online": lambda: render.online(procedure, province),
        "fee": lambda: render.fees(procedure, province),
        "processing_time": lambda: render.times(procedure, case),
        "agency": lambda: render.agency(procedure, province),
        "eligibility": lambda: render.eligibility(procedure, province),
        "overview": lambda: render.overview(procedure),
    }
    return writers[aspect]()


def answer_procedure(
    reply: Reply,
    procedure: Procedure,
    aspects: List[str],
    case_index: Optional[int],
    message: Message,
    in_other_loop: bool,
) -> None:
    """Answer every aspect asked of ``procedure``. Documents that differ by case: the case the
    message states, else the documents common to all cases and the case question."""
    if case_index is None and len(procedure.cases) > 1 and "documents" in aspects:
        found = (
            match_option(
                message.text,
                PendingChoice(KIND_CASE, _case_options(procedure)),
                message.entities,
                named=procedure.short_name,
            )
            if message.text
            else None
        )
        case_index = _case_of(procedure, found.value) if found else None
    case = procedure.cases[case_index] if case_index is not None else None
    needs_case = "documents" in aspects and case is None and render.case_needs_choice(procedure)
    parts = []
    for aspect in aspects:
        if aspect == "documents" and needs_case:
            parts.append(render.documents_common_part(procedure))
        else:
            parts.append(_aspect_text(aspect, procedure, case))
    text = render.combined(procedure, parts)
    answer = replies.new_answer(procedure.code, aspects)
    reply.say(text, [] if needs_case else replies.answer_buttons(procedure, answer))
    reply.events += [
        SlotSet("procedure_code", procedure.code),
        SlotSet("case_index", f"{procedure.code}#{case_index}" if case is not None else None),
        SlotSet("failed_turns", 0),
        SlotSet("last_answer", answer.as_slot()),
    ]
    if needs_case:
        choice = PendingChoice(KIND_CASE, _case_options(procedure), procedure.code, ["documents"])
        if in_other_loop:
            reply.say(render.case_question(procedure), _buttons(choice))
        else:
            _open_choice(reply, choice)
            return
    reply.events += _close_choice()


def _buttons(choice: PendingChoice) -> List[Dict[str, Any]]:
    return [{"title": o.title, "payload": choose_payload(o.value)} for o in choice.options]


def _aspects_for(message: Message, tracker: Tracker) -> List[str]:
    """The aspects to answer: those asked; those left pending when the message asks nothing
    narrower (it names the procedure the bot asked for); the documents when it only tells the
    case of the procedure in focus; else an overview."""
    asked = message.aspects()
    pending = list(tracker.get_slot("pending_aspects") or [])
    if pending and asked in ([], ["overview"]):
        return pending
    if not asked and message.states_a_case() and tracker.get_slot("procedure_code"):
        return ["documents"]  # "e là mẹ, cháu 16 tuổi" after an answer: the case's documents
    return asked or ["overview"]


def _tells_only_the_case(message: Message, procedure: Procedure) -> bool:
    """Whether the message asks nothing in words and says which of the procedure's cases
    applies ("e là mẹ, cháu 16 tuổi", "tách hộ cùng chỗ ở"): what that case needs is asked,
    whatever the intent classifier guessed."""
    if message.cues() or len(procedure.cases) < 2 or not message.text:
        return False
    if message.states_a_case():
        return True
    choice = PendingChoice(KIND_CASE, _case_options(procedure))
    return match_option(message.text, choice, message.entities) is not None


def _obvious_reading(choice: PendingChoice, tracker: Tracker, text: str) -> Optional[Option]:
    """The option a question on means, when no other procedure is in focus: the only one
    offered ("Có phải anh/chị hỏi: …?"), or the plain procedure when every other option is a
    variant of it the message does not name ("mất bao lâu" after "Đăng ký thường trú" / "Xóa
    đăng ký thường trú"; after "Cấp hộ chiếu phổ thông" / "Trình báo mất hộ chiếu")."""
    if choice.kind != KIND_PROCEDURE or not choice.options:
        return None
    first = choice.options[0]
    if tracker.get_slot("procedure_code") not in (None, first.value):
        return None
    others = choice.options[1:]
    if others and (
        variant_markers(text) or not all(is_variant_of(o.title, first.title) for o in others)
    ):
        return None
    return first


def _focus(tracker: Tracker) -> Optional[Procedure]:
    code = tracker.get_slot("procedure_code")
    return knowledge().procedure(code) if code else None


def _still_choosing(tracker: Tracker, found: Resolution) -> Optional[PendingChoice]:
    """The choice between procedures still open when the message names no procedure of its
    own (only an aspect, or a few words the search does not know)."""
    pending = PendingChoice.from_slot(tracker.get_slot("pending_choice"))
    if pending is None or pending.kind != KIND_PROCEDURE:
        return None
    if not found.candidates:
        return pending if len(naming_words(found.query)) <= FEW_WORDS else None
    return pending if _names_nothing_clearly(found.query) else None


def _names_nothing_clearly(query: str) -> bool:
    """Whether a short reply to the options ("Công dân Việt Nam", "xe máy" after the driving
    licence ones) names no procedure clearly: it says something of the citizen's case, and
    the options are asked again rather than replaced by what its few words match."""
    if len(naming_words(query)) > SHORT_REPLY_WORDS:
        return False
    hits = knowledge().search(query, limit=1)
    return not hits or hits[0].score < CONFIDENT


def respond(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """The whole answer to a procedure question (or to a choice just made)."""
    reply = Reply()
    message = Message.latest(tracker)
    chosen = tracker.get_slot("chosen_option")
    in_other_loop = bool(tracker.active_loop_name) and tracker.active_loop_name != FORM
    if chosen and chosen != FROM_MESSAGE:
        _answer_choice(reply, tracker, str(chosen), message, in_other_loop)
        return reply.send(dispatcher)
    aspects = _aspects_for(message, tracker)
    found = resolve(
        message.procedure_text(),
        tracker.get_slot("procedure_code"),
        message.values("request_kind"),
        asks_aspect=bool(message.aspects()),
        ages=ages_in(message.entities),
    )
    if not (found.procedure or found.candidates) and message.states_a_case():
        # "e là mẹ, cháu 16 tuổi" after the criminal-record answer: the case of the focus
        found = replace(found, procedure=_focus(tracker))
    if found.retired is not None:
        reply.say(render.retired_notice(found.retired))
    if (
        found.procedure
        and _still_choosing(tracker, found)
        and (not found.named or _names_nothing_clearly(found.query))
    ):
        # "lệ phí thi bao nhiêu" while the options asked since the last answer are shown: the
        # choice is the newer context, not the procedure answered before it
        found = replace(found, procedure=None)
    if found.procedure and not found.switched and not tracker.get_slot("pending_aspects"):
        # the case of the procedure in focus; a message that turns to another procedure or
        # variant ("bị mất", "cháu chưa làm giấy khai sinh") asks about that one
        if _tells_only_the_case(message, found.procedure):
            aspects = ["documents"]
    if found.procedure:
        case_index = (
            None if found.switched else _case_of(found.procedure, tracker.get_slot("case_index"))
        )
        answer_procedure(reply, found.procedure, aspects, case_index, message, in_other_loop)
        if found.alternatives:
            reply.say(
                render.alternatives_note(),
                [
                    {"title": h.short_name, "payload": choose_payload(h.code)}
                    for h in found.alternatives
                ],
            )
    elif (pending := _still_choosing(tracker, found)) is not None:
        # "làm online được không" while the options are shown: the form asks them again,
        # for what is asked now (as its validation does); a question on the only option
        # offered takes it
        asked = message.aspects() or pending.aspects
        only = _obvious_reading(pending, tracker, message.text)
        if only is not None and (procedure := knowledge().procedure(only.value)) is not None:
            answer_procedure(reply, procedure, asked or ["overview"], None, message, in_other_loop)
        else:
            _open_choice(reply, PendingChoice(pending.kind, pending.options, pending.code, asked))
    elif found.candidates:
        options = [Option(h.code, h.short_name) for h in found.candidates[:MAX_OPTIONS]]
        choice = PendingChoice(KIND_PROCEDURE, options, None, aspects)
        if in_other_loop:
            reply.say(render.candidates_question([o.title for o in options]), _buttons(choice))
        else:
            _open_choice(reply, choice)
    elif found.query and names_a_request(found.query):
        closest = render.closest_names(
            [(h.short_name or h.name, h.code) for h in suggestions(found.query)]
        )
        answer = replies.new_answer(None, ["not_found"])
        reply.say(
            render.not_found(
                mask_personal_numbers(found.query), [n for n, _ in closest], profile()
            ),
            replies.not_found_buttons(answer, closest),
        )
        reply.events += _close_choice() + [SlotSet("last_answer", answer.as_slot())]
        if aspects != ["overview"]:
            reply.events.append(SlotSet("pending_aspects", aspects))  # a closest one tapped
    else:
        reply.say(render.ask_which_procedure())
        reply.events += [SlotSet("pending_aspects", aspects)]
    return reply.send(dispatcher)


def _answer_choice(
    reply: Reply, tracker: Tracker, chosen: str, message: Message, in_other_loop: bool
) -> None:
    """The citizen picked an option (tapped or typed): answer what they had asked."""
    aspects = list(tracker.get_slot("pending_aspects") or [])
    code, _, index = chosen.partition("#")
    procedure = knowledge().procedure(code)
    if procedure is None:
        reply.say(render.ask_which_procedure())
        reply.events += _close_choice()
        return
    if index:
        answer_procedure(
            reply,
            procedure,
            aspects or ["documents"],
            _case_of(procedure, chosen),
            Message("", message.intent, 0.0),
            in_other_loop,
        )
        return
    answer_procedure(
        reply,
        procedure,
        aspects or ["overview"],
        None,
        Message("", message.intent, 0.0),
        in_other_loop,
    )


class ActionAnswerProcedure(Action):
    """Answers a question about a procedure: every aspect asked, for the procedure the message
    names (or the one in focus), or opens a choice when several fit."""

    def name(self) -> Text:
        return "action_answer_procedure"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        return respond(dispatcher, tracker)


class ActionAskChosenOption(Action):
    """``choice_form`` asks its question: the options of the pending choice, numbered."""

    def name(self) -> Text:
        return "action_ask_chosen_option"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        choice = PendingChoice.from_slot(tracker.get_slot("pending_choice"))
        if choice is None:
            return []
        subject = ""
        if choice.kind == KIND_CASE and choice.code:
            procedure = knowledge().procedure(choice.code)
            subject = render.titled(procedure, capital=False) if procedure else ""
        aspects = list(tracker.get_slot("pending_aspects") or choice.aspects)
        titles = [o.title for o in choice.options]
        dispatcher.utter_message(
            text=render.choice_question(choice.kind, subject, titles, aspects),
            buttons=_buttons(choice),
        )
        return []


class ValidateChoiceForm(FormValidationAction):
    """Reads a typed answer to the pending choice, as RasaHQ's financial-demo validates slots:
    an option named by number, words or kind is taken; a follow-up aspect is added to what will
    be answered and the question asked again; a question about another procedure ends the
    choice; anything else is counted, explained, and after a few tries the citizen is told how
    to stop."""

    def name(self) -> Text:
        return "validate_choice_form"

    async def extract_chosen_option(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if (
            tracker.active_loop_name != FORM
            or tracker.get_slot("requested_slot") != "chosen_option"
        ):
            return {}
        message = Message.latest(tracker)
        choice = PendingChoice.from_slot(tracker.get_slot("pending_choice"))
        if choice is None or message.intent in OWN_RULES or not message.text:
            return {}  # buttons fill the slot from their entity; other intents have rules
        option = match_option(message.text, choice, message.entities)
        if option is not None:
            return {"chosen_option": option.value}
        if message.intent == "affirm" and len(choice.options) == 1:
            return {"chosen_option": choice.options[0].value}  # "đúng rồi" to the one offered
        text = message.procedure_text()
        hits = ranked(text) if search_query(text) else []
        option = _searched_option(hits, choice)
        if option is not None:
            return {"chosen_option": option.value}
        if _names_another_procedure(hits, choice):
            return {"chosen_option": FROM_MESSAGE}
        asked = message.aspects()
        if asked and asked != ["overview"]:
            pending = list(tracker.get_slot("pending_aspects") or choice.aspects)
            pending = [a for a in pending if a != "overview"]
            aspects = pending + [a for a in asked if a not in pending]
            obvious = _obvious_reading(choice, tracker, message.text)
            if obvious is not None:
                # "mất bao lâu" after "Có phải anh/chị hỏi: Tách hộ?": asking on means yes
                return {"chosen_option": obvious.value, "pending_aspects": aspects}
            return {"pending_aspects": aspects}
        failures = int(tracker.get_slot("choice_failures") or 0) + 1
        if failures >= FAILURES_BEFORE_GIVING_UP:
            return {"chosen_option": FROM_MESSAGE, "choice_failures": 0}
        dispatcher.utter_message(
            text=render.choice_not_understood(
                [o.title for o in choice.options], failures >= FAILURES_BEFORE_OFFERING_STOP
            )
        )
        return {"choice_failures": failures}

    def validate_chosen_option(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        """A value from a button or a typed answer; buttons of an older choice are taken too."""
        value = str(slot_value or "")
        code = value.partition("#")[0]
        if value == FROM_MESSAGE or knowledge().procedure(code) is not None:
            return {"chosen_option": value}
        return {"chosen_option": None}


def _searched_option(hits: List[SearchHit], choice: PendingChoice) -> Optional[Option]:
    """The option of a choice between procedures that the search ranks first for the message
    (its ``hits``: "tách hộ cùng chỗ ở" for "Tách hộ"), well enough to be offered and clearly
    ahead."""
    if choice.kind != KIND_PROCEDURE or not hits or hits[0].score < SUGGEST:
        return None
    if len(hits) > 1 and hits[0].score - hits[1].score < CLEAR_LEAD:
        return None  # "quay lại đăng ký xe" ranks several vehicle procedures alike
    return choice.option(hits[0].code)


def _names_another_procedure(hits: List[SearchHit], choice: PendingChoice) -> bool:
    """Whether the message (its ``hits``) asks about a procedure that is not one of the
    options."""
    if not hits or hits[0].score < CONFIDENT:
        return False
    codes = {o.value.partition("#")[0] for o in choice.options} | {choice.code}
    return hits[0].code not in codes


class ActionClearChoice(Action):
    """The citizen stopped the choice ("thôi"): forget it, and say so when they asked to stop."""

    def name(self) -> Text:
        return "action_clear_choice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if Message.latest(tracker).intent in ("stop", "deny"):
            dispatcher.utter_message(response="utter_choice_stopped")
        return _close_choice()
