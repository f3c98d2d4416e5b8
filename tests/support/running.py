"""Running an action or a form's validation as the action server does, and reading the result."""

from typing import Any

from rasa_sdk import Action, FormValidationAction
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from shop.responses import PLACEHOLDER, variation
from tests.support.trackers import DEFAULT_SENDER, form_tracker, make_tracker, said, slot_events


async def run_form(
    form: FormValidationAction,
    domain: dict[str, Any],
    new_slots: dict[str, Any],
    *,
    slots: dict[str, Any] | None = None,
    requested_slot: str | None = None,
    text: str | None = None,
    intent: str = "inform",
    metadata: dict[str, Any] | None = None,
) -> tuple[CollectingDispatcher, dict[str, Any]]:
    """The form's validation of `new_slots` (Rasa's candidates) with `slots` known from earlier
    turns: what it said, and the final value of each slot it set."""
    dispatcher = CollectingDispatcher()
    tracker = form_tracker(
        form.form_name(), new_slots, slots=slots, requested_slot=requested_slot, text=text, intent=intent
    )
    if metadata is not None:
        tracker.latest_message["metadata"] = metadata
    events = await form.run(dispatcher, tracker, domain)
    return dispatcher, slot_events(events)


async def run_action(
    action: Action, domain: dict[str, Any], slots: dict[str, Any], sender_id: str = DEFAULT_SENDER
) -> tuple[CollectingDispatcher, list[EventType]]:
    """The action run on a tracker with these slots: what it said, and its events."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, make_tracker(slots=slots, sender_id=sender_id), domain)
    return dispatcher, events


def buttons_shown(dispatcher: CollectingDispatcher, domain: dict[str, Any]) -> list[dict[str, str]]:
    """The buttons the customer sees, as Rasa sends them: a response's own (its first variation
    in the domain), then those the action passed with it."""
    shown: list[dict[str, str]] = []
    for message in dispatcher.messages:
        if message.get("response"):
            shown += variation(message["response"]).get("buttons") or []
        shown += message.get("buttons") or []
    return shown


def unfilled(dispatcher: CollectingDispatcher, slots: dict[str, Any] | None = None) -> list[str]:
    """The placeholders of the dispatched responses that neither a value passed nor a slot
    fills: the customer would read them as they are ("{back}")."""
    return [match.group(0) for match in PLACEHOLDER.finditer(said(dispatcher, slots))]
