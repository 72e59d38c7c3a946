"""The runtime fixes (bot.runtime) give Rasa's own results: the same validation verdicts and
errors for action-server responses, the same matching rules, the same graph outputs."""

from __future__ import annotations

import copy
from typing import Any, Dict, List

import dask
import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.channels import UserMessage
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.shared.core.generator import TrainingDataGenerator
from rasa.shared.importers.importer import TrainingDataImporter

from bot import action_response, graph_run, rule_lookup
from tests.conftest import QUESTIONS, ROOT

TEXTS = [*QUESTIONS, "", "😀😀", "<script>alert(1)</script>"]


def _component(trained_agent: Agent, kind: type) -> Any:
    nodes = trained_agent.processor.graph_runner._instantiated_nodes
    return next(n._component for n in nodes.values() if isinstance(n._component, kind))


# --- action responses -------------------------------------------------------------------------

VALID_EVENTS = [
    {"event": "slot", "name": "procedure_code", "value": "1.001193", "timestamp": None},
    {"event": "slot", "name": "procedure_code", "value": None},
    {"event": "action", "name": "utter_greet", "policy": None, "confidence": 1.0},
    {"event": "user", "text": "chào", "parse_data": {"intent": {"name": "greet"}, "entities": []}},
    {"event": "bot", "text": "Xin chào", "metadata": {}},
    {"event": "active_loop", "name": "account_form"},
    {"event": "followup", "name": "action_handoff"},
    {"event": "pause"},
    {"event": "resume"},
    {"event": "restart"},
    {"event": "reset_slots"},
    {"event": "session_started"},
    {"event": "entities", "entities": [{"entity": "x", "value": 1}]},
]
INVALID_RESPONSES: List[Any] = [
    [],
    {"events": None},
    {"events": [{"event": "slot", "name": "x"}]},  # no value
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"name": "x", "value": 1}]},  # no event name
    {"events": [{"event": 3}]},
    {"events": ["slot"]},
    {"events": [{"event": "user", "parse_data": {"intent": "greet"}}]},
    {"events": [{"event": "slot", "name": "x", "value": 1, "timestamp": "now"}]},
    {"events": [{"event": "entities", "entities": [{"entity": "x"}]}]},
    {"events": [], "responses": [{"text": "a"}, "b"]},
    {"responses": {"text": "a"}},
]


@pytest.mark.parametrize("event", VALID_EVENTS, ids=lambda e: e["event"])
def test_valid_events_pass_like_the_whole_schema(event: Dict[str, Any]) -> None:
    response = {"events": [event], "responses": [{"text": "Xin chào"}]}
    jsonschema.validate(response, RemoteAction.action_response_format_spec())
    action_response.validate(response)


@pytest.mark.parametrize("response", INVALID_RESPONSES, ids=range(len(INVALID_RESPONSES)))
def test_invalid_responses_fail_with_rasas_error(response: Any) -> None:
    with pytest.raises(jsonschema.ValidationError) as whole:
        jsonschema.validate(response, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as ours:
        RemoteAction("action_answer", None)._validate_action_result(copy.deepcopy(response))
    assert ours.value.message.startswith(whole.value.message)
    assert "Failed to validate Action server response" in ours.value.message


# --- rules ------------------------------------------------------------------------------------


def test_grouped_rule_lookup_matches_rasas_on_every_training_state(trained_agent: Agent) -> None:
    policy = _component(trained_agent, RulePolicy)
    domain = trained_agent.domain
    importer = TrainingDataImporter.load_from_dict(
        domain_path=str(ROOT / "domain.yml"), training_data_paths=[str(ROOT / "nlu_data")]
    )
    trackers = TrainingDataGenerator(
        importer.get_stories(), domain, augmentation_factor=0
    ).generate()
    rasas_own = rule_lookup._rasa_get_possible_keys
    checked = matched = 0
    for tracker in trackers:
        for prior, _ in tracker.generate_all_prior_trackers():
            states = policy._prediction_states(
                prior, domain, rule_only_data=policy._get_rule_only_data()
            )
            for table in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH):
                lookup = policy.lookup[table]
                expected = rasas_own(policy, lookup, states)
                assert rule_lookup.get_possible_keys(policy, lookup, states) == expected
                checked += 1
                matched += bool(expected)
    assert checked > 500 and matched > 100


# --- graph runs -------------------------------------------------------------------------------


def test_graph_nodes_run_once_in_dependency_order() -> None:
    calls: List[str] = []

    def node(name: str):  # noqa: ANN202
        def run(*inputs: Any) -> str:
            calls.append(name)
            return name + "(" + ",".join(map(str, inputs)) + ")"

        return run

    graph = {
        "input": ("input", [1, 2]),
        "a": (node("a"), "input"),
        "b": (node("b"), "a"),
        "c": (node("c"), "a", "b"),
        "unused": (node("unused"), "a"),
    }
    ours = graph_run.compute(graph, ["c", "b"])
    assert calls == ["a", "b", "c"]
    assert (
        ours
        == dask.get(graph, ["c", "b"])
        == ("c(a(('input', [1, 2])),b(a(('input', [1, 2]))))", "b(a(('input', [1, 2])))")
    )


def test_nlu_graph_gives_dasks_results(trained_agent: Agent) -> None:
    runner = trained_agent.processor.graph_runner
    target = trained_agent.processor.model_metadata.nlu_target
    schema = runner._graph_schema.minimal_graph_schema([target])
    for text in TEXTS:
        results = []
        for run in (graph_run.compute, dask.get):
            graph = runner._build_dask_graph(schema)
            inputs = {PLACEHOLDER_MESSAGE: [UserMessage(text)], PLACEHOLDER_TRACKER: None}
            runner._add_inputs_to_graph(inputs, graph)
            [(_, [parsed])] = run(graph, [target])
            results.append(parsed.as_dict(only_output_properties=True))
        assert results[0] == results[1]
        assert results[0]["intent"]["name"]
