"""Buttons on channels without buttons (SMS, WhatsApp through Twilio): the choices are listed
with numbers, and a reply with a number (or a choice's title) is that button's payload. The
choices answered are the last ones the bot offered, read from the conversation's tracker, so any
server of a cluster understands "2"."""

import re
from typing import Any, Dict, Iterable, List, Optional, Text

_NUMBER = re.compile(r"^\s*(?:#|no\.?\s*|number\s+|option\s+)?(\d{1,2})\s*[.)!]?\s*$", re.IGNORECASE)


def choosable(buttons: Iterable[Any]) -> List[Dict[Text, Any]]:
    """The buttons a reply can pick: those with a payload or a title; links are only shown."""
    return [
        b for b in buttons if isinstance(b, dict) and b.get("title") and not (b.get("url") and not b.get("payload"))
    ]


def links(buttons: Iterable[Any]) -> List[Dict[Text, Any]]:
    return [b for b in buttons if isinstance(b, dict) and b.get("url") and not b.get("payload")]


def numbered(text: Optional[Text], buttons: Iterable[Any]) -> Text:
    """The text with its choices below it, "1. Small", "2. Medium", and its links as "title: url"."""
    buttons = list(buttons)
    lines = [f"{n}. {b['title']}" for n, b in enumerate(choosable(buttons), start=1)]
    lines += [f"{b.get('title') or ''}: {b['url']}".lstrip(": ") for b in links(buttons)]
    return "\n\n".join(part for part in ((text or "").strip(), "\n".join(lines)) if part)


def chosen_payload(reply: Text, choices: List[Dict[Text, Any]]) -> Optional[Text]:
    """What the customer picked by replying `reply` to `choices`: its payload, None if none."""
    match = _NUMBER.match(reply or "")
    if match:
        index = int(match.group(1)) - 1
        return _payload(choices[index]) if 0 <= index < len(choices) else None
    typed = " ".join((reply or "").split()).casefold()
    same = [c for c in choices if " ".join(str(c["title"]).split()).casefold() == typed]
    return _payload(same[0]) if len(same) == 1 else None


def _payload(choice: Dict[Text, Any]) -> Text:
    return str(choice.get("payload") or choice["title"])


def last_choices(events: Iterable[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """The choices of the bot's last message with buttons since the customer last wrote (events
    as the tracker holds them, oldest first); [] when the bot offered none."""
    for event in reversed(list(events)):
        if event.get("event") == "user":
            return []
        if event.get("event") == "bot":
            data = event.get("data") or {}
            offered = choosable(data.get("buttons") or data.get("quick_replies") or [])
            if offered:
                return offered
    return []
