"""Every turn reaches the citizen with text, also when a custom action fails.

Rasa logs a traceback for a failed custom action, drops its events and carries on: the citizen
gets nothing, and when ``action_session_start`` failed the conversation never stored an
``action_listen``, so every later message tripped the action-loop breaker until the session
expired. Now a failed custom action is answered with the short "busy" message (``bot.busy``)
and the turn ends listening; a failed ``action_session_start`` is replaced by Rasa's default
session start (with the province's slots), so the conversation works again on its next message
once the action server is back. When a form's validation fails, the value just given is not
taken and the form asks for it again: the form keeps waiting, so the citizen's next try (a
call-back number sent again) is validated and stored, never left to another intent. The same
when the action that uses what a form has just collected fails (``action_store_callback``
right after the call-back number was taken): the form is active again and asks its last
question again. One log line per kind of failure, rate-limited (``bot.rate_limited_log``).
"""

from __future__ import annotations

import logging
from typing import Any, List, Optional

from rasa.core.actions.action import (
    ActionExecutionRejection,
    ActionSessionStart,
    RemoteAction,
    create_bot_utterance,
)
from rasa.shared.core.constants import (
    ACTION_LISTEN_NAME,
    ACTION_SESSION_START_NAME,
    REQUESTED_SLOT,
)
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    FollowupAction,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.busy import busy_text
from bot.rate_limited_log import RateLimitedLog
from knowledge.profile import current_profile

logger = logging.getLogger(__name__)
problems = RateLimitedLog(logger)
RASA_ACTION_LOGGER = "rasa.core.actions.action"
SDK_LOGGER = "rasa_sdk.endpoint"
_run_remote = RemoteAction.run


def _reason(error: BaseException) -> str:
    """The failure in a few words: the exception's type and that of its cause."""
    cause = error.__cause__ or error.__context__
    return type(error).__name__ + (f" ({type(cause).__name__})" if cause else "")


async def default_session_start(*args: Any, **kwargs: Any) -> List[Event]:
    """Rasa's default session start, with the province's name and hotline in their slots (as
    the custom one sets them), ending listening."""
    events = await ActionSessionStart().run(*args, **kwargs)
    province = current_profile()
    slots = [SlotSet("province_name", province.name), SlotSet("hotline", province.hotline)]
    return events[:-1] + slots + events[-1:]


async def run_or_apologise(self: RemoteAction, *args: Any, **kwargs: Any) -> List[Event]:
    """``RemoteAction.run``; when it fails, the busy message (or the default session start)."""
    try:
        return await _run_remote(self, *args, **kwargs)
    except ActionExecutionRejection:
        raise
    except Exception as error:  # noqa: BLE001 - the citizen gets an answer, the log one line
        problems.warning(self.name(), "Custom action %s failed: %s", self.name(), _reason(error))
        if self.name() == ACTION_SESSION_START_NAME:
            return await default_session_start(*args, **kwargs)
        requested = _requested_slot(self, *args, **kwargs)
        if requested:  # a form's validation: not taken, asked again
            return [BotUttered(busy_text()), SlotSet(requested, None)]
        return [BotUttered(busy_text()), *await _form_asked_again(*args, **kwargs)]


async def _form_asked_again(
    output_channel: Any, nlg: Any, tracker: DialogueStateTracker, domain: Domain, **_: Any
) -> List[Event]:
    """After the busy message: when the failed action came right after a form was completed,
    that form active again, asking its last question again (its answer not kept); then listen."""
    form = _just_completed_form(tracker, domain)
    slots = domain.required_slots_for_form(form) if form else []
    if not form or not slots:
        return [FollowupAction(ACTION_LISTEN_NAME)]
    slot = slots[-1]
    question = await nlg.generate(f"utter_ask_{slot}", tracker, output_channel.name())
    asked = [create_bot_utterance(question)] if question else []
    return [
        ActiveLoop(form),
        SlotSet(slot, None),
        SlotSet(REQUESTED_SLOT, slot),
        *asked,
        FollowupAction(ACTION_LISTEN_NAME),
    ]


def _just_completed_form(tracker: DialogueStateTracker, domain: Domain) -> Optional[str]:
    """The form completed since the citizen's latest message, when no action has run after it
    (a form stopped by ``action_deactivate_loop`` is no completed form)."""
    events = list(tracker.events)
    start = max((i for i, e in enumerate(events) if isinstance(e, UserUttered)), default=0)
    last_action: Optional[str] = None
    completed: Optional[str] = None
    for event in events[start:]:
        if isinstance(event, ActionExecuted):
            completed = None
            last_action = event.action_name
        elif isinstance(event, ActiveLoop) and event.name is None:
            completed = last_action if last_action in domain.form_names else None
    return completed


def _requested_slot(self: RemoteAction, *args: Any, **kwargs: Any) -> Optional[str]:
    """The slot a form is asking for, when the failed action is that form's validation."""
    tracker = kwargs.get("tracker", args[2] if len(args) > 2 else None)
    if tracker is None or not self.name().startswith("validate_"):
        return None
    requested = tracker.get_slot(REQUESTED_SLOT)
    return requested if isinstance(requested, str) and requested else None


class _DropsPerFailureLines(logging.Filter):
    """Rasa's own line for each failed action call; ours is rate-limited."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to run custom action")


class _OneLinePerFailure(logging.Filter):
    """The action server's traceback for each failed action, as one rate-limited line."""

    def __init__(self) -> None:
        super().__init__()
        self._interval = RateLimitedLog(logger)

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info or record.exc_info[1] is None:
            return True
        self._interval.warning(
            "action server", "Custom action failed: %s", _reason(record.exc_info[1])
        )
        return False


def install() -> None:
    """Answer failed custom actions; Rasa's per-failure lines and the action server's
    tracebacks become one rate-limited line each."""
    RemoteAction.run = run_or_apologise
    filters = ((RASA_ACTION_LOGGER, _DropsPerFailureLines), (SDK_LOGGER, _OneLinePerFailure))
    for name, kind in filters:
        named = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in named.filters):
            named.addFilter(kind())
