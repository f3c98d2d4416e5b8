"""The action server's answers are checked as strictly as Rasa checks them, by one validator."""

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import addons  # noqa: F401  (installs the check, as Rasa's import of any addon does)
from addons import action_response_schema

ACTION = RemoteAction("action_check_stock", EndpointConfig(url="http://127.0.0.1:1/webhook"))
GOOD = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "size", "value": "M"}], "responses": [{"response": "utter_greet"}]},
    {"events": [{"event": "active_loop", "name": "purchase_form"}, {"event": "action", "name": "action_listen"}]},
    {},
]
BAD = [
    {"events": [{"event": "not_an_event"}]},
    {"events": [{"event": "slot"}]},  # a slot event without its name
    {"events": "nope"},
    {"events": [{"name": "size"}]},  # no event type
]


@pytest.mark.parametrize("answer", GOOD)
def test_answers_rasa_accepts_are_accepted(answer):
    validate(answer, RemoteAction.action_response_format_spec())  # Rasa's own check agrees
    assert ACTION._validate_action_result(answer) is True


@pytest.mark.parametrize("answer", BAD)
def test_answers_rasa_refuses_are_refused_with_rasas_words(answer):
    with pytest.raises(ValidationError):
        validate(answer, RemoteAction.action_response_format_spec())
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        ACTION._validate_action_result(answer)


def test_the_validator_is_built_once():
    assert action_response_schema.validator() is action_response_schema.validator()
    assert RemoteAction._validate_action_result is action_response_schema.validate_action_result
