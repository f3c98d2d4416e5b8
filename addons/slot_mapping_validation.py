"""The global slot-mapping validation called only for a message it has something to do with.

Rasa 3.6 calls action_validate_slot_mappings after every customer message when the domain
declares it (ActionExtractSlots._execute_validation_action), rebuilding the whole tracker and
sending it to the action server: 1.1 round trips a message (issue 12's bench). Ours
(actions/conversation.py) only acknowledges a second request in the same message and leaves the
slots as extracted; for a message without one it returns nothing, which is what Rasa does
without the call. install() skips the call then; with one, Rasa calls it as before."""

from typing import Any, List

from rasa.core.actions.action import ActionExtractSlots
from rasa.shared.core.events import Event, SlotSet

from shop.further_requests import further_request_to_acknowledge

_validate = ActionExtractSlots._execute_validation_action


async def _execute_validation_action(
    self: ActionExtractSlots, extraction_events: List[Event], output_channel: Any, nlg: Any, tracker: Any, domain: Any
) -> List[Event]:
    latest = tracker.latest_message.parse_data if tracker.latest_message else {}
    if not further_request_to_acknowledge(latest or {}):
        return [event for event in extraction_events if isinstance(event, SlotSet)]  # as Rasa without the action
    return await _validate(self, extraction_events, output_channel, nlg, tracker, domain)


def install() -> None:
    """Idempotent: every addon imports this package."""
    ActionExtractSlots._execute_validation_action = _execute_validation_action  # type: ignore[method-assign]
