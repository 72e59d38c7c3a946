"""Conversation-level actions: session start, the hotline, and the fallback."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, FollowupAction, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.account import ActionAskStepFeedback, resume_events
from actions.context import SUGGEST, profile, ranked
from actions.handoff import staff_online
from actions.procedure_answers import respond
from actions.understanding import Message
from knowledge import render
from knowledge.query import asks_for_a_procedure, search_query

FAILURES_BEFORE_HANDOFF = 2


class ActionSessionStart(Action):
    """Starts a session with the province's name and hotline in slots; keeps earlier slots and
    re-opens an unfinished account guide at the step where the user left it."""

    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        carried = [
            SlotSet(name, value)
            for name, value in tracker.current_slot_values().items()
            if value is not None and name not in ("province_name", "hotline")
        ]
        province = profile()
        resumed = resume_events(tracker.current_slot_values())
        if resumed:
            dispatcher.utter_message(response="utter_account_resume")
            await ActionAskStepFeedback().run(dispatcher, tracker, domain)
        return [
            SessionStarted(),
            *carried,
            SlotSet("province_name", province.name),
            SlotSet("hotline", province.hotline),
            *resumed,
            ActionExecuted("action_listen"),
        ]


class ActionDefaultFallback(Action):
    """A message the classifier is unsure of: a procedure name alone still gets an answer;
    otherwise ask to rephrase, and after two failures in a row hand over to staff (or give the
    hotline where live handoff is not set up)."""

    def name(self) -> Text:
        return "action_default_fallback"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        message = Message.latest(tracker)
        text = message.procedure_text()
        hits = ranked(text) if search_query(text) else []
        focus = tracker.get_slot("procedure_code")
        tells_the_case = message.states_a_case() and focus
        asks_an_aspect = focus and message.aspects() not in ([], ["overview"])
        found = hits and hits[0].score >= SUGGEST
        if found or asks_for_a_procedure(text) or tells_the_case or asks_an_aspect:
            # a procedure question the classifier doubted (found, or "not found" with the
            # closest ones and the hotline), or the case of the procedure in focus told, or
            # one of its aspects asked ("vậy ra công an xã thì mang gì")
            return respond(dispatcher, tracker)
        failures = int(tracker.get_slot("failed_turns") or 0) + 1
        if failures < FAILURES_BEFORE_HANDOFF:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return [SlotSet("failed_turns", failures)]
        if not staff_online():
            dispatcher.utter_message(response="utter_ask_rephrase")
            dispatcher.utter_message(text=render.hotline_sentence(profile()))
            return [SlotSet("failed_turns", 0)]
        dispatcher.utter_message(response="utter_handoff_after_failures")
        return [SlotSet("failed_turns", 0), FollowupAction("action_handoff")]
