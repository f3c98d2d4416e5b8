"""What a custom action that failed leaves in the conversation, the same whether the action
server caught the error (actions/server.py) or the Rasa server could not reach it
(addons/action_failures.py): the apology once a turn, a form's question asked again, and a form
whose final action failed opened again at its confirmation, so the customer's "yes" a minute
later finishes what was started. Events are Rasa's JSON form."""

from collections.abc import Iterable
from typing import Any

FAILED_RESPONSE = "utter_action_failed"

# The action that ends a form -> (the form, its last question: the confirmation).
FINAL_ACTIONS: dict[str, tuple[str, str]] = {
    "action_place_order": ("purchase_form", "purchase_confirmed"),
    "action_submit_refund": ("refund_form", "refund_confirmed"),
    "action_book_meeting": ("booking_form", "booking_confirmed"),
}


def apologized_this_turn(newest_first: Iterable[dict[str, Any]]) -> bool:
    """Whether the apology was already said since the customer's last message."""
    for event in newest_first:
        if not isinstance(event, dict) or event.get("event") == "user":
            return False
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") == FAILED_RESPONSE:
            return True
    return False


def events_after_failure(action_name: str, requested_slot: Any) -> list[dict[str, Any]]:
    """A validation's answer dropped (it was never checked), or a final action's form reopened."""
    events: list[dict[str, Any]] = []
    if action_name.startswith("validate_") and isinstance(requested_slot, str) and requested_slot:
        events.append({"event": "slot", "name": requested_slot, "value": None})
    if action_name in FINAL_ACTIONS:
        form, confirmation = FINAL_ACTIONS[action_name]
        events += [{"event": "slot", "name": confirmation, "value": None}, {"event": "active_loop", "name": form}]
    return events
