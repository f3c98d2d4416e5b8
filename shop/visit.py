"""Where a web visitor is and how they came: the page context the chat widget sends with every
message (metadata `customData`: page type, path, product, UTM tags, landing page), read back from
the tracker events Rasa keeps with the conversation. Messenger sends the same keys for its m.me
referrals (page = the ref). Values are the customer's browser's word: strings only, cut short."""

from collections.abc import Iterable
from typing import Any

PAGE_KEYS = ("page", "path", "product")
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign")
VISIT_KEYS = PAGE_KEYS + UTM_KEYS + ("landing",)
MAX_VALUE_CHARS = 200


def clean_value(value: Any) -> str | None:
    """A non-empty string, stripped and cut to MAX_VALUE_CHARS; anything else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:MAX_VALUE_CHARS] or None


def message_metadata(event: dict[str, Any]) -> dict[str, str]:
    """The visit keys of one user event's metadata, cleaned."""
    metadata = event.get("metadata") if isinstance(event, dict) else None
    if not isinstance(metadata, dict):
        return {}
    cleaned = {key: clean_value(metadata.get(key)) for key in VISIT_KEYS}
    return {key: value for key, value in cleaned.items() if value}


def _user_metadata(events: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    return [message_metadata(e) for e in events if isinstance(e, dict) and e.get("event") == "user"]


def latest_metadata(events: Iterable[dict[str, Any]]) -> dict[str, str]:
    """The visit keys of the latest user message (empty when it carried none)."""
    messages = _user_metadata(events)
    return messages[-1] if messages else {}


def visit_from_events(events: Iterable[dict[str, Any]]) -> dict[str, str | None]:
    """{page, path, product, utm_source, utm_medium, utm_campaign, landing} of the conversation:
    the page of the latest message that named one (its product only if that message named one),
    the UTM tags of the latest message that had any (kept together, as they came), and the
    landing page the widget reported, else the first path seen. Missing keys are None."""
    messages = [m for m in _user_metadata(events) if m]
    visit: dict[str, str | None] = dict.fromkeys(VISIT_KEYS)
    on_page = [m for m in messages if m.get("page") or m.get("path")]
    if on_page:
        visit.update({key: on_page[-1].get(key) for key in PAGE_KEYS})
    tagged = [m for m in messages if any(m.get(key) for key in UTM_KEYS)]
    if tagged:
        visit.update({key: tagged[-1].get(key) for key in UTM_KEYS})
    landing = [m["landing"] for m in messages if m.get("landing")]
    paths = [m["path"] for m in messages if m.get("path")]
    visit["landing"] = landing[-1] if landing else (paths[0] if paths else None)
    return visit
