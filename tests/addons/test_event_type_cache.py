"""An event's class is found by its type name as Rasa finds it, unknown names included."""

import pytest
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered

import addons  # noqa: F401  (installs the lookup, as Rasa's import of any addon does)
from addons import event_type_cache


def test_known_types_resolve_to_rasas_classes_and_are_kept():
    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("action") is ActionExecuted
    assert event_type_cache._found["slot"] is SlotSet


def test_unknown_types_keep_rasas_answers():
    assert Event.resolve_by_type("topic") is None  # Rasa's backwards compatibility
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")
    assert "no_such_event" not in event_type_cache._found


def test_events_read_back_are_the_events_written():
    events = [SlotSet("size", "M"), ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"})]
    assert [Event.from_parameters(e.as_dict()) for e in events] == events
