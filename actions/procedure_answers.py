"""Answers about one procedure: documents, online level, fee, time, agency, overview."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.context import knowledge, profile, resolve, suggestions
from knowledge import render
from knowledge.models import Case, Procedure


def _chosen_case(procedure: Procedure, tracker: Tracker) -> Optional[Case]:
    """The case the user picked for this procedure ("<code>#<index>"), if any."""
    value = tracker.get_slot("case_index") or ""
    code, _, index = str(value).partition("#")
    if code != procedure.code or not index.isdigit() or int(index) >= len(procedure.cases):
        return None
    return procedure.cases[int(index)]


def _documents(dispatcher: CollectingDispatcher, tracker: Tracker, procedure: Procedure) -> List:
    case = _chosen_case(procedure, tracker)
    if case is None and render.case_needs_choice(procedure):
        buttons = [
            {
                "title": c.name,
                "payload": f'/choose_case{{"case_index":"{procedure.code}#{i}"}}',
            }
            for i, c in enumerate(procedure.cases)
        ]
        dispatcher.utter_message(text=render.case_question(procedure), buttons=buttons)
        return [SlotSet("pending_aspect", "documents")]
    return replies.send(dispatcher, procedure, "documents", render.documents(procedure, case))


def _simple(aspect: str, write: Callable[[Procedure], str]) -> Callable:
    def answer(dispatcher: CollectingDispatcher, _tracker: Tracker, procedure: Procedure) -> List:
        return replies.send(dispatcher, procedure, aspect, write(procedure))

    return answer


ANSWERS: Dict[str, Callable[[CollectingDispatcher, Tracker, Procedure], List]] = {
    "documents": _documents,
    "online": _simple("online", lambda p: render.online(p, profile())),
    "fee": _simple("fee", render.fees),
    "processing_time": _simple("processing_time", render.times),
    "agency": _simple("agency", lambda p: render.agency(p, profile())),
    "overview": _simple("overview", render.overview),
}


def answer(
    aspect: str,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    procedure: Procedure,
) -> List[EventType]:
    """Answer ``aspect`` of ``procedure`` and put the procedure in focus."""
    events: List[EventType] = [
        SlotSet("procedure_code", procedure.code),
        SlotSet("pending_aspect", None),
        SlotSet("failed_turns", 0),
    ]
    return events + ANSWERS[aspect](dispatcher, tracker, procedure)


class ProcedureAnswer(Action):
    """Finds the procedure the message is about, then answers one aspect of it."""

    aspect = "overview"

    def name(self) -> Text:
        return f"action_answer_{self.aspect}"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        if text.startswith("/"):  # a button payload names no procedure
            text = ""
        aspect = self.aspect
        if aspect == "overview" and tracker.get_slot("pending_aspect"):
            aspect = tracker.get_slot("pending_aspect")  # "khai sinh" answering "which procedure?"
        focus = tracker.get_slot("procedure_code")
        found = resolve(text, focus)
        if found.procedure:
            events = [SlotSet("case_index", None)] if found.switched else []
            return events + answer(aspect, dispatcher, tracker, found.procedure)
        if found.candidates:
            buttons = [
                {
                    "title": h.short_name,
                    "payload": f'/choose_procedure{{"procedure_code":"{h.code}"}}',
                }
                for h in found.candidates
            ]
            names = [h.short_name for h in found.candidates]
            dispatcher.utter_message(text=render.candidates_question(names), buttons=buttons)
            return [SlotSet("pending_aspect", aspect)]
        if found.query:
            nearest = [h.name for h in suggestions(found.query)]
            text = render.not_found(found.query, nearest, profile())
            return [SlotSet("pending_aspect", None), *replies.send_not_found(dispatcher, text)]
        dispatcher.utter_message(text=render.ask_which_procedure())
        return [SlotSet("pending_aspect", aspect)]


class ActionAnswerDocuments(ProcedureAnswer):
    aspect = "documents"


class ActionAnswerOnline(ProcedureAnswer):
    aspect = "online"


class ActionAnswerFee(ProcedureAnswer):
    aspect = "fee"


class ActionAnswerProcessingTime(ProcedureAnswer):
    aspect = "processing_time"


class ActionAnswerAgency(ProcedureAnswer):
    aspect = "agency"


class ActionAnswerOverview(ProcedureAnswer):
    aspect = "overview"


class ActionChooseProcedure(Action):
    """The user picked a procedure from the buttons: answer what they had asked."""

    def name(self) -> Text:
        return "action_choose_procedure"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        code = tracker.get_slot("procedure_code")
        procedure = knowledge().procedure(code) if code else None
        if procedure is None:
            dispatcher.utter_message(text=render.ask_which_procedure())
            return [SlotSet("procedure_code", None)]
        aspect = tracker.get_slot("pending_aspect") or "overview"
        return [SlotSet("case_index", None)] + answer(aspect, dispatcher, tracker, procedure)


class ActionChooseCase(Action):
    """The user picked a case: list that case's documents."""

    def name(self) -> Text:
        return "action_choose_case"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        code = str(tracker.get_slot("case_index") or "").partition("#")[0]
        procedure = knowledge().procedure(code) if code else None
        if procedure is None:
            dispatcher.utter_message(text=render.ask_which_procedure())
            return []
        return answer("documents", dispatcher, tracker, procedure)
