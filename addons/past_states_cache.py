"""A tracker's past states worked out once per prediction instead of once per policy.

To predict an action, Rasa 3.6 runs every policy and each works out the conversation's states
from all its events (DialogueStateTracker.past_states, replaying the tracker): the Memoization
policy and TED ask with the same arguments, so the same states were computed twice for every
action predicted (9% of the Rasa server's busy time went to past_states, issue 12's profile).
install() keeps the last few answers, each with the very tracker, event list, last event and
arguments it was computed from (held, so that none can be mistaken for a new object), and hands
out copies: the featurizers edit the states they get."""

from collections import deque
from typing import Any, Deque, Dict, List, Optional, Text, Tuple

from rasa.shared.core.trackers import DialogueStateTracker

_compute = DialogueStateTracker.past_states
# (tracker, its event deque, its length, its last event, domain, omit_unset_slots,
#  ignore_rule_only_turns, rule_only_data, states); policies of one prediction run back to back.
_recent: Deque[Tuple[Any, ...]] = deque(maxlen=4)


def _copy(states: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """A state is {sub-state name: {feature: str or tuple}}: two levels down, the rest is immutable."""
    return [{name: dict(sub) if isinstance(sub, dict) else sub for name, sub in state.items()} for state in states]


def past_states(
    self: DialogueStateTracker,
    domain: Any,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: Optional[Dict[Text, Any]] = None,
) -> List[Dict[Text, Any]]:
    events = self.events
    last = events[-1] if events else None
    for entry in _recent:
        if (
            entry[0] is self
            and entry[1] is events
            and entry[2] == len(events)
            and entry[3] is last
            and entry[4] is domain
            and entry[5:8] == (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        ):
            return _copy(entry[8])
    states = _compute(self, domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    _recent.append(
        (
            self,
            events,
            len(events),
            last,
            domain,
            omit_unset_slots,
            ignore_rule_only_turns,
            rule_only_data,
            _copy(states),
        )
    )
    return states


def install() -> None:
    """Idempotent: every addon imports this package."""
    DialogueStateTracker.past_states = past_states  # type: ignore[method-assign]
