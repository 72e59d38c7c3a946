"""Validation of action-server responses against Rasa's schema, checking one event type each.

Rasa's events schema is a ``oneOf`` over 23 event types, so every event is checked against all
of them. Each type fixes the ``event`` name, so exactly one type can match: checking only that
one accepts and rejects the same responses. A rejected response is checked again with the whole
schema so that the error is Rasa's own.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, NamedTuple, Text

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.utils.schemas.events import EVENT_SCHEMA


class _Validators(NamedTuple):
    whole: Any
    envelope: Any
    by_event_name: Dict[Text, Any]


def _event_type_schema(branch: Dict[Text, Any]) -> Dict[Text, Any]:
    """The common event schema and one ``oneOf`` branch, as one schema."""
    common = {key: value for key, value in EVENT_SCHEMA.items() if key != "oneOf"}
    properties = {**common["properties"], **branch["properties"]}
    properties["event"] = {**common["properties"]["event"], **branch["properties"]["event"]}
    required = common["required"] + [name for name in branch.get("required", ()) if name != "event"]
    return {**common, **branch, "properties": properties, "required": required}


@lru_cache(maxsize=1)
def _validators() -> _Validators:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    envelope = dict(schema, properties=dict(schema["properties"], events={"type": "array"}))
    by_event_name = {
        branch["properties"]["event"]["const"]: validator_class(_event_type_schema(branch))
        for branch in EVENT_SCHEMA["oneOf"]
    }
    return _Validators(validator_class(schema), validator_class(envelope), by_event_name)


def _is_valid(result: Any, validators: _Validators) -> bool:
    if not validators.envelope.is_valid(result):
        return False
    for event in result.get("events") or ():
        name = event.get("event") if isinstance(event, dict) else None
        event_type = validators.by_event_name.get(name) if isinstance(name, str) else None
        if event_type is None or not event_type.is_valid(event):
            return False
    return True


def validate(result: Any) -> None:
    """Raise ``jsonschema.ValidationError`` if ``result`` is not a valid action response."""
    validators = _validators()
    if not _is_valid(result, validators):
        error = best_match(validators.whole.iter_errors(result))  # as jsonschema.validate
        if error is not None:
            raise error
