"""Rule matching for ``RulePolicy`` that starts from the rules that can match at all.

Rasa checks every memorised rule against every state of the conversation, twice per
prediction. A rule can only match when the previous action of its last state is the previous
action of the conversation's last state, so the rules are grouped by that action once, and only
the group of the current action (plus rules keyed on bot text) is checked, with Rasa's own
``_is_rule_applicable``. The matches are exactly Rasa's.
"""

from __future__ import annotations

from typing import Dict, List, Set, Text, Tuple

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.trackers import State
from rasa.shared.nlu.constants import ACTION_NAME

_NO_PREVIOUS_ACTION = object()
_rasa_get_possible_keys = RulePolicy._get_possible_keys


class RuleGroups:
    """Rule keys of one lookup table, grouped by the previous action of their last state."""

    def __init__(self, rule_keys: Tuple[Text, ...]) -> None:
        self.by_previous_action: Dict[object, List[Text]] = {}
        self.without_action_name: List[Text] = []
        self.longest = 0
        for key in rule_keys:
            rule_states = RulePolicy._rule_key_to_state(key)
            self.longest = max(self.longest, len(rule_states))
            previous = rule_states[-1].get(PREVIOUS_ACTION)
            if not previous:
                self.by_previous_action.setdefault(_NO_PREVIOUS_ACTION, []).append(key)
            elif previous.get(ACTION_NAME):
                self.by_previous_action.setdefault(previous[ACTION_NAME], []).append(key)
            else:  # keyed on the text of a bot message
                self.without_action_name.append(key)

    def candidates(self, last_state: State) -> Set[Text]:
        """Rules that may match a conversation whose last state is ``last_state``."""
        previous = last_state.get(PREVIOUS_ACTION)
        if not previous:
            return set(self.by_previous_action.get(_NO_PREVIOUS_ACTION, ()))
        named = self.by_previous_action.get(previous.get(ACTION_NAME), ())
        return set(named).union(self.without_action_name)


_groups: Dict[Tuple[Text, ...], RuleGroups] = {}


def _groups_for(lookup: Dict[Text, Text]) -> RuleGroups:
    rule_keys = tuple(lookup)
    groups = _groups.get(rule_keys)
    if groups is None:
        groups = _groups[rule_keys] = RuleGroups(rule_keys)
    return groups


def get_possible_keys(self: RulePolicy, lookup: Dict[Text, Text], states: List[State]) -> Set[Text]:
    """Replacement for ``RulePolicy._get_possible_keys`` with the same result."""
    if not states:
        return set(lookup)
    groups = _groups_for(lookup)
    possible_keys = groups.candidates(states[-1])
    for turn_index, state in enumerate(reversed(states)):
        if not possible_keys or turn_index >= groups.longest:
            break  # every remaining rule is shorter than the history checked so far
        possible_keys = {
            key for key in possible_keys if self._is_rule_applicable(key, turn_index, state)
        }
    return possible_keys


def install() -> None:
    """Make ``RulePolicy`` use the grouped lookup."""
    RulePolicy._get_possible_keys = get_possible_keys
