"""Trackers as the action server gets them, and reading what an action said and did."""

from collections.abc import Iterable
from typing import Any

from rasa.core.nlg.interpolator import interpolate_text
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from shop.responses import variation

DEFAULT_SENDER = "test-user"


def entity(name: str, value: Any, start: int | None = None, end: int | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"entity": name, "value": value}
    if start is not None:
        found.update(start=start, end=end)
    return found


def user_event(
    text: str | None = None,
    intent: str | None = "inform",
    entities: Iterable[dict[str, Any]] = (),
    channel: str | None = None,
) -> dict[str, Any]:
    return {
        "event": "user",
        "timestamp": None,
        "text": text,
        "input_channel": channel,
        "parse_data": {
            "intent": {"name": intent, "confidence": 1.0} if intent else {},
            "entities": list(entities),
            "text": text,
        },
    }


def action_event(name: str) -> dict[str, Any]:
    return {"event": "action", "timestamp": None, "name": name}


def make_tracker(
    *,
    sender_id: str = DEFAULT_SENDER,
    slots: dict[str, Any] | None = None,
    intent: str | None = "inform",
    entities: Iterable[dict[str, Any]] = (),
    text: str | None = None,
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    channel: str | None = None,
) -> Tracker:
    """A tracker as the action server gets it. Without `events`, the history is just the
    latest user message (from `channel`, Rasa's input channel name)."""
    entities = list(entities)
    latest_message = {
        "intent": {"name": intent, "confidence": 1.0} if intent else {},
        "entities": entities,
        "text": text,
    }
    if events is None:
        events = [action_event("action_listen"), user_event(text, intent, entities, channel)]
    return Tracker(
        sender_id,
        dict(slots or {}),
        latest_message,
        list(events),
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


def form_tracker(
    form: str,
    new_slots: dict[str, Any],
    *,
    slots: dict[str, Any] | None = None,
    requested_slot: str | None = None,
    sender_id: str = DEFAULT_SENDER,
    text: str | None = None,
    intent: str = "inform",
    entities: Iterable[dict[str, Any]] = (),
) -> Tracker:
    """A tracker for a form's validation action: `new_slots` are the candidates Rasa just
    extracted (SlotSet events at the end of the history, already applied to the slots);
    `slots` are values known from earlier turns."""
    entities = list(entities)
    all_slots = {**(slots or {}), **new_slots, "requested_slot": requested_slot}
    events = [
        action_event("action_listen"),
        user_event(text, intent, entities),
        *[SlotSet(name, value) for name, value in new_slots.items()],
    ]
    return make_tracker(
        sender_id=sender_id,
        slots=all_slots,
        intent=intent,
        entities=entities,
        text=text,
        events=events,
        active_loop=form,
    )


# --------------------------------------------------------------------------- reading results


# What utter_message adds to every message; anything else a message holds fills the response.
_MESSAGE_KEYS = {"text", "buttons", "elements", "custom", "template", "response", "image", "attachment"}


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    """The names of the domain responses the action dispatched, in order."""
    return [m["response"] for m in dispatcher.messages if m.get("response")]


def filled(dispatcher: CollectingDispatcher, response: str) -> dict[str, Any]:
    """The values the action passed to fill `response`'s placeholders (the last time it sent it)."""
    sent = [m for m in dispatcher.messages if m.get("response") == response]
    assert sent, f"{response} was not sent; sent: {responses(dispatcher)}"
    return {k: v for k, v in sent[-1].items() if k not in _MESSAGE_KEYS}


def render(message: dict[str, Any], slots: dict[str, Any] | None = None) -> str:
    """The text the customer reads: a response's first plain variation filled as Rasa fills it
    (the values the action passed, then the slots), or the message's own text."""
    name = message.get("response")
    if not name:
        return message.get("text") or ""
    plain = variation(name)
    values = {**(slots or {}), **{k: v for k, v in message.items() if k not in _MESSAGE_KEYS}}
    return interpolate_text(plain.get("text") or "", values)


def said(dispatcher: CollectingDispatcher, slots: dict[str, Any] | None = None) -> str:
    """Everything the bot said, as the customer reads it, one message per line."""
    return "\n".join(render(m, slots) for m in dispatcher.messages)


def buttons_of(dispatcher: CollectingDispatcher) -> list[dict[str, str]]:
    return [b for m in dispatcher.messages for b in m.get("buttons") or []]


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The final value of each slot the events set (later events win, as in Rasa)."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
