"""Runtime fixes for Rasa 3.6, applied by ``bot.serve`` before the server starts.

- Rasa validates every action-server response with ``jsonschema.validate``, which checks the
  (large, constant) events schema itself on every call: about 40 ms of CPU per custom action,
  most of a turn's cost. The validators are now built once, and each event is checked against
  its own type only (``bot.action_response``); invalid responses still raise the same
  ``ValidationError`` with Rasa's explanation.
- ``RulePolicy`` checked every rule against every state of the conversation; it now checks
  only the rules that follow the conversation's previous action (``bot.rule_lookup``).
- Rasa opened a new connection to the action server for every action; it now keeps one open
  (``bot.action_client``).
- Every event read from the tracker store is resolved to its class by walking all subclasses of
  ``Event``. The type-name map is now kept, and rebuilt when a name is not in it.
- Every graph run (NLU parse, policy prediction) recomputed the minimal subgraph of its targets
  and formatted its inputs (messages, trackers) into a debug string that is then dropped. The
  subgraph is now kept per target list, nothing is formatted, and the nodes run in dependency
  order without dask's scheduler (``bot.graph_run``).
- A failed custom action left the citizen without an answer (and a failed session start, the
  conversation mute for two hours): ``bot.action_failures``.
- Button payloads in domain responses (``/inform{"slot":"value"}``) were read as templates:
  one logged error per button shown. They are now left as written.
- Rasa's ``FailSafeTrackerStore`` answered a conversation it could not read with a new, empty
  one (the context lost, and the stored conversation then overwritten out of order). A
  ``ConversationStoreUnavailable`` now reaches the channel, which answers the polite "busy"
  message (``bot.tracker_store`` keeps what it could not write).
- Log records are redacted as they are created, exception text included
  (``bot.log_redaction``), whatever library writes them.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Type

from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses

from bot import (
    action_client,
    action_failures,
    action_response,
    graph_run,
    log_redaction,
    rule_lookup,
)
from bot.tracker_store import ConversationStoreUnavailable

_resolve_by_type_uncached = Event.resolve_by_type
_fill_response_with_payloads = TemplatedNaturalLanguageGenerator._fill_response
_event_types: Dict[Text, Type[Event]] = {}


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    try:
        action_response.validate(result)
        return True
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error


def _resolve_event_type(
    type_name: Text, default: Optional[Type[Event]] = None
) -> Optional[Type[Event]]:
    if type_name not in _event_types:
        for cls in all_subclasses(Event):  # first match wins, as in Rasa
            _event_types.setdefault(cls.type_name, cls)
    if type_name in _event_types:
        return _event_types[type_name]
    return _resolve_by_type_uncached(type_name, default)


async def _retrieve_or_refuse(
    self: FailSafeTrackerStore, sender_id: Text
) -> Optional[DialogueStateTracker]:
    try:
        return await self._tracker_store.retrieve(sender_id)
    except ConversationStoreUnavailable:
        raise
    except Exception as error:  # noqa: BLE001 - as Rasa: other stores' errors are logged
        self.on_tracker_store_retrieve_error(error)
        return None


def _fill_response(
    self: TemplatedNaturalLanguageGenerator,
    response: Dict[Text, Any],
    filled_slots: Optional[Dict[Text, Any]] = None,
    **kwargs: Any,
) -> Dict[Text, Any]:
    buttons = [b for b in response.get("buttons") or () if isinstance(b, dict) and "payload" in b]
    payloads = [button.pop("payload") for button in buttons]
    filled = _fill_response_with_payloads(self, response, filled_slots, **kwargs)
    for button, payload in zip(buttons, payloads, strict=True):
        button["payload"] = payload
    return filled


def _run_graph(
    self: DaskGraphRunner,
    inputs: Optional[Dict[Text, Any]] = None,
    targets: Optional[List[Text]] = None,
) -> Dict[Text, Any]:
    run_targets = targets if targets else self._graph_schema.target_names
    graphs = self.__dict__.setdefault("_graphs_by_targets", {})
    key = tuple(run_targets)
    if key not in graphs:
        minimal = self._graph_schema.minimal_graph_schema(run_targets)
        graphs[key] = self._build_dask_graph(minimal)
    run_graph = dict(graphs[key])
    if inputs:
        self._add_inputs_to_graph(inputs, run_graph)
    try:
        return dict(graph_run.compute(run_graph, run_targets))
    except RuntimeError as error:
        raise GraphRunError("Error running runner.") from error


def install() -> None:
    """Apply the fixes (idempotent)."""
    log_redaction.install()
    RemoteAction._validate_action_result = _validate_action_result
    Event.resolve_by_type = staticmethod(_resolve_event_type)
    DaskGraphRunner.run = _run_graph
    FailSafeTrackerStore.retrieve = _retrieve_or_refuse
    TemplatedNaturalLanguageGenerator._fill_response = _fill_response
    rule_lookup.install()
    action_client.install()
    action_failures.install()
