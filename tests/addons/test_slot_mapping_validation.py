"""The global slot-mapping validation is called for a message with a second request only."""

import pytest
from rasa.core.actions.action import ActionExtractSlots
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

import addons  # noqa: F401  (installs the check, as Rasa's import of any addon does)

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [purchase, order_status]
actions: [action_validate_slot_mappings]
slots:
  size:
    type: text
    mappings: [{type: from_entity, entity: size}]
"""
)


def tracker_after(parse_data: dict) -> DialogueStateTracker:
    message = UserUttered(parse_data["text"], parse_data["intent"], parse_data.get("entities", []), parse_data)
    return DialogueStateTracker.from_events("s", [ActionExecuted("action_listen"), message], slots=DOMAIN.slots)


@pytest.fixture
def calls(monkeypatch):
    made = []

    async def remote(self, name, output_channel, nlg, tracker, domain):
        made.append((name, tracker.latest_message.text))
        return [BotUttered("Noted: I'll come to that next.")]

    monkeypatch.setattr(ActionExtractSlots, "_run_custom_action", remote)
    return made


async def test_a_message_with_one_request_keeps_its_slots_without_calling_the_action_server(calls):
    action = ActionExtractSlots(EndpointConfig(url="http://127.0.0.1:1/webhook"))
    tracker = tracker_after({"text": "a hoodie in M", "intent": {"name": "purchase", "confidence": 0.9}})
    events = await action._execute_validation_action([SlotSet("size", "M")], None, None, tracker, DOMAIN)
    assert events == [SlotSet("size", "M")]
    assert calls == []


async def test_a_message_with_a_second_request_is_validated_by_the_action_server(calls):
    action = ActionExtractSlots(EndpointConfig(url="http://127.0.0.1:1/webhook"))
    text = "a hoodie in M, also where is my order A1003"
    parse = {
        "text": text,
        "intent": {"name": "purchase", "confidence": 0.9},
        "further_requests": [{"text": "also where is my order A1003", "intent": "order_status"}],
    }
    events = await action._execute_validation_action([SlotSet("size", "M")], None, None, tracker_after(parse), DOMAIN)
    assert calls == [("action_validate_slot_mappings", text)]
    assert BotUttered("Noted: I'll come to that next.") in events
