"""Questions about a dossier already submitted (where it stands, why it takes long) and the
procedure a status question or a scam report is about."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import CONFIDENT, knowledge, named_procedure, profile, ranked
from actions.replies import HUMAN, feedback_buttons, new_answer
from actions.understanding import Message
from knowledge import render
from knowledge.query import search_query


class ActionAnswerStatus(Action):
    """Where is my dossier: how to look it up with its receipt code, the offer of staff and the
    👍 / 👎 controls."""

    def name(self) -> Text:
        return "action_answer_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        message = Message.latest(tracker)
        has_code = bool(message.values("receipt_code"))
        answer = new_answer(None, ["status"])
        dispatcher.utter_message(
            text=render.dossier_status(profile(), has_code),
            buttons=[HUMAN, *feedback_buttons(answer)],
        )
        return [SlotSet("last_answer", answer.as_slot()), *focus_on_named(message)]


class ActionNoteProcedure(Action):
    """Silent: puts the procedure the message names in focus (after the scam warning, so that
    "vậy làm đúng quy định mất bao lâu" is about the passport the scam offered)."""

    def name(self) -> Text:
        return "action_note_procedure"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        return focus_on_named(Message.latest(tracker))


def focus_on_named(message: Message) -> List[EventType]:
    """The focus set to the procedure the message names clearly; nothing otherwise."""
    procedure = named_procedure(message.procedure_text())
    return [SlotSet("procedure_code", procedure.code)] if procedure is not None else []


class ActionAnswerDelay(Action):
    """A dossier taking long: its time limit when the procedure is known, how to follow up,
    the offer of staff and the 👍 / 👎 controls."""

    def name(self) -> Text:
        return "action_answer_delay"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        text = Message.latest(tracker).procedure_text()
        hits = ranked(text) if search_query(text) else []
        code = (
            hits[0].code
            if hits and hits[0].score >= CONFIDENT
            else tracker.get_slot("procedure_code")
        )
        procedure = knowledge().procedure(code) if code else None
        # The reply gives the time limit when the record has one: the answer says so.
        timed = procedure is not None and any(render.processing_time(c) for c in procedure.channels)
        answer = new_answer(code, ["delay", "processing_time"] if timed else ["delay"])
        dispatcher.utter_message(
            text=render.processing_delay(profile(), procedure),
            buttons=[HUMAN, *feedback_buttons(answer)],
        )
        events: List[EventType] = [SlotSet("last_answer", answer.as_slot())]
        if procedure is not None:
            events.append(SlotSet("procedure_code", procedure.code))
        return events
