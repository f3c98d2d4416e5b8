"""The context packet an agent gets with a handed-over chat, so the customer repeats nothing:
why, who, where from (page, UTM), what was asked (intents), what is known (slots, lead), and
the transcript. Built from
tracker events in the format both rasa_sdk and Rasa's HTTP API use."""

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.models import Lead
from shop.visit import visit_from_events

REASON_TEXT = {
    "customer_asked": "The customer asked for a person.",
    "talk_to_sales": "The customer asked to talk to sales.",
    "misunderstood": "The assistant misunderstood the customer twice in a row.",
    "refund_refused": "The refund policy refused the customer's refund.",
    "hot_lead": "A hot sales lead wants to talk now.",
}
# Slots an agent needs, in the order the inbox shows them, with their labels.
CONTEXT_SLOTS = {
    "product": "Product",
    "size": "Size",
    "color": "Color",
    "quantity": "Quantity",
    "order_id": "Order",
    "refund_item": "Refund item",
    "refund_reason": "Refund reason",
    "refund_block_reason": "Refund refused because",
    "booking_ref": "Meeting",
    "customer_timezone": "Time zone",
}
LEAD_FIELDS = ("need", "company_size", "timeline", "budget", "role", "score", "grade", "team")
# Lead answers still in the slots (qualification not finished, so no saved lead yet).
LEAD_SLOTS = {
    "lead_need": "need",
    "company_size": "company_size",
    "timeline": "timeline",
    "budget": "budget",
    "role": "role",
    "lead_grade": "grade",
    "sales_team": "team",
}
TRANSCRIPT_LIMIT = 60


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(float(timestamp), tz=timezone.utc).isoformat(timespec="seconds")


def agent_of(event: dict[str, Any]) -> dict[str, Any] | None:
    """The agent who sent a bot event through the inbox (None for the assistant's own)."""
    agent = (event.get("metadata") or {}).get("agent")
    return agent if isinstance(agent, dict) else None


def transcript(events: Iterable[dict[str, Any]], limit: int | None = TRANSCRIPT_LIMIT) -> list[dict[str, Any]]:
    """Customer, assistant and agent lines in order: {who, text, at[, agent][, buttons]}."""
    lines = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            lines.append({"who": "customer", "text": event.get("text") or "", "at": _iso(event.get("timestamp"))})
        elif kind == "bot":
            data = event.get("data") or {}
            text = event.get("text") or ""
            if not text and not data.get("buttons") and not data.get("custom"):
                continue
            agent = agent_of(event)
            line = {"who": "agent" if agent else "bot", "text": text, "at": _iso(event.get("timestamp"))}
            if agent:
                line["agent"] = agent.get("name")
            if data.get("buttons"):
                line["buttons"] = [b.get("title") for b in data["buttons"]]
            if not text and data.get("custom"):
                line["text"] = card_text(data["custom"])
            lines.append(line)
    return lines[-limit:] if limit else lines


def card_text(custom: dict[str, Any]) -> str:
    """A product card (actions/catalog.py) or other custom payload as one line of text."""
    if custom.get("type") == "product":
        stock = "in stock" if custom.get("in_stock") else "out of stock"
        return f"[product card] {custom.get('name')} · {custom.get('price')} · {stock}"
    return "[card]"


def intents(events: Iterable[dict[str, Any]]) -> list[str]:
    """The customer's intents in order, repeats next to each other counted once."""
    names: list[str] = []
    for event in events:
        if event.get("event") != "user":
            continue
        name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if name and (not names or names[-1] != name):
            names.append(name)
    return names


def known_slots(slots: dict[str, Any]) -> dict[str, Any]:
    """The agent-relevant slots that have a value, labelled."""
    return {label: slots[key] for key, label in CONTEXT_SLOTS.items() if slots.get(key) not in (None, "", [])}


def saved_lead(session: Session, sender_id: str) -> dict[str, Any] | None:
    """The contact's qualified lead (shop.leads saves it), its fields as the packet shows them."""
    lead = session.scalar(select(Lead).where(Lead.sender_id == sender_id))
    if lead is None:
        return None
    return {field: getattr(lead, field) for field in LEAD_FIELDS}


def customer_name(events: Iterable[dict[str, Any]]) -> str | None:
    """A name the channel passed along with the latest message (the shop's signed-in customer)."""
    for event in reversed(list(events)):
        if event.get("event") == "user":
            metadata = event.get("metadata") or {}
            name = metadata.get("name") or metadata.get("customer_name")
            return str(name)[:120] if name else None
    return None


def lead_from_slots(slots: dict[str, Any]) -> dict[str, Any] | None:
    answers = {field: slots[slot] for slot, field in LEAD_SLOTS.items() if slots.get(slot) not in (None, "", "skipped")}
    return answers or None


def build_packet(
    *,
    events: list[dict[str, Any]],
    slots: dict[str, Any],
    reason: str,
    team: str,
    channel: str,
    sender_id: str,
    name: str | None = None,
    lead: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole packet, JSON-ready; the saved lead when there is one, else the lead answers so far."""
    lead = lead or lead_from_slots(slots)
    return {
        "reason": reason,
        "reason_text": REASON_TEXT.get(reason, reason),
        "team": team,
        "channel": channel,
        "contact": {"sender_id": sender_id, "name": name, "email": slots.get("email")},
        "visit": {key: value for key, value in visit_from_events(events).items() if value},
        "intents": intents(events),
        "slots": known_slots(slots),
        "lead": {k: lead.get(k) for k in LEAD_FIELDS if lead.get(k) is not None} if lead else None,
        "transcript": transcript(events),
    }
