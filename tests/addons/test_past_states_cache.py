"""A tracker's states are worked out once per prediction, and each policy gets its own copy."""

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

import addons  # noqa: F401  (installs the cache, as Rasa's import of any addon does)
from addons import past_states_cache

DOMAIN = Domain.from_yaml(
    'version: "3.1"\nintents: [greet, purchase]\nactions: [action_greet]\n'
    "slots:\n  size:\n    type: text\n    influence_conversation: true\n"
    "    mappings: [{type: from_entity, entity: size}]\n"
)


def tracker() -> DialogueStateTracker:
    events = [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"}), ActionExecuted("action_greet")]
    return DialogueStateTracker.from_events("c", events, slots=DOMAIN.slots)


def test_the_same_question_is_answered_once_with_copies_a_policy_may_edit(monkeypatch):
    computed = []
    original = past_states_cache._compute
    monkeypatch.setattr(past_states_cache, "_compute", lambda *a: computed.append(a[2:]) or original(*a))
    conversation = tracker()
    first = conversation.past_states(DOMAIN, ignore_rule_only_turns=True)
    del first[-2]["user"]["intent"]  # as a featurizer does to the last user turn
    second = conversation.past_states(DOMAIN, ignore_rule_only_turns=True)
    assert second == original(conversation, DOMAIN, False, True, None)
    assert second[-2]["user"]["intent"] == "greet"
    assert computed == [(False, True, None)]
    conversation.past_states(DOMAIN)  # other arguments: worked out
    assert computed == [(False, True, None), (False, False, None)]


def test_a_new_event_or_another_tracker_is_worked_out_again():
    conversation = tracker()
    before = conversation.past_states(DOMAIN)
    conversation.update(SlotSet("size", "M"))
    conversation.update(ActionExecuted("action_listen"))
    after = conversation.past_states(DOMAIN)
    assert after == past_states_cache._compute(conversation, DOMAIN) and after != before
    other = tracker()
    assert other.past_states(DOMAIN) == before
