"""What the funnel keeps of one event Rasa's event broker published: a Fact, or None for an
event no figure reads. A customer's words are kept only for a message not understood (for
the trainers' list), with emails taken out; a slot only when a figure reads it."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from shop.log_redaction import redact
from shop.visit import clean_value, message_metadata

NOT_UNDERSTOOD_INTENTS = ("nlu_fallback", "out_of_scope")
KEPT_SLOTS = ("requested_slot", "lead_grade")
SKIPPED_ACTIONS = ("action_listen", "action_extract_slots")
MAX_TEXT = 200


@dataclass(frozen=True)
class Fact:
    key: str
    sender_id: str
    at: datetime
    kind: str  # session, message, bot, action, form, slot
    name: str | None = None
    value: str | None = None
    channel: str | None = None
    page: str | None = None
    campaign: str | None = None


def event_key(event: dict[str, Any]) -> str:
    """The event's fingerprint: the same event delivered twice has the same one."""
    return hashlib.sha256(json.dumps(event, sort_keys=True, default=str).encode()).hexdigest()


def _when(event: dict[str, Any]) -> datetime | None:
    stamp = event.get("timestamp")
    if not isinstance(stamp, (int, float)) or isinstance(stamp, bool):
        return None
    return datetime.fromtimestamp(stamp, tz=timezone.utc).replace(tzinfo=None)


def _short(value: Any) -> str | None:
    return None if value is None else str(value)[:MAX_TEXT]


def fact_from_event(event: Any) -> Fact | None:
    """The Fact of one published event, or None (not an event, or nothing reads it)."""
    if not isinstance(event, dict):
        return None
    sender_id, at, kind = event.get("sender_id"), _when(event), event.get("event")
    if not isinstance(sender_id, str) or not sender_id or at is None:
        return None
    base: dict[str, Any] = {"key": event_key(event), "sender_id": sender_id[:255], "at": at}
    if kind == "session_started":
        return Fact(**base, kind="session")
    if kind == "user":
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        visit = message_metadata(event)
        text = event.get("text") if intent in NOT_UNDERSTOOD_INTENTS else None
        return Fact(
            **base,
            kind="message",
            name=_short(intent),
            value=_short(redact(text)) if isinstance(text, str) else None,
            channel=clean_value(event.get("input_channel")),
            page=visit.get("page") or visit.get("path"),
            campaign=visit.get("utm_campaign"),
        )
    if kind == "bot":
        return Fact(**base, kind="bot", name=_short((event.get("metadata") or {}).get("utter_action")))
    if kind == "action" and event.get("name") not in SKIPPED_ACTIONS:
        return Fact(**base, kind="action", name=_short(event.get("name")))
    if kind == "active_loop":
        return Fact(**base, kind="form", name=_short(event.get("name")))
    if kind == "slot" and event.get("name") in KEPT_SLOTS:
        return Fact(**base, kind="slot", name=event["name"], value=_short(event.get("value")))
    return None
