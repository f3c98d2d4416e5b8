"""The changes of the shop that leave the database, as plain functions its capabilities call in
their own transaction: each builds the event's data (and its emails) and writes the deliveries
(deliveries.enqueue). Nothing is written for a target that is not configured."""

import json
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.orm import Session

from shop.clock import aware
from shop.hours import zone_of
from shop.integrations import deliveries
from shop.integrations.config import configured
from shop.models import Booking, FollowUp, Handoff, Lead, Order, Refund

LEAD_CREATED, LEAD_UPDATED = "lead.created", "lead.updated"
MEETING_BOOKED, MEETING_MOVED, MEETING_CANCELLED = "meeting.booked", "meeting.moved", "meeting.cancelled"
HANDOFF_OPENED, HANDOFF_CLOSED = "handoff.opened", "handoff.closed"
FOLLOW_UP_REQUESTED, ORDER_PLACED, REFUND_REQUESTED = "followup.requested", "order.placed", "refund.requested"
AGENT_REPLIED = "agent.replied"  # an agent's answer to a customer who had left the chat: email only


def _iso(moment: datetime | None) -> str | None:
    return aware(moment).isoformat().replace("+00:00", "Z") if moment else None


def _local(moment: datetime, zone_name: str | None) -> str:
    local = aware(moment).astimezone(zone_of(zone_name) or timezone.utc)
    return f"{local:%A %d %B %Y} at {local:%H:%M}"


# --------------------------------------------------------------------------- leads


def lead_data(lead: Lead, visit: dict[str, Any] | None) -> dict[str, Any]:
    answers = {key: getattr(lead, key) for key in ("need", "company_size", "timeline", "budget", "role")}
    lead_json = {"id": lead.id, "sender_id": lead.sender_id, "email": lead.email, "answers": answers}
    lead_json.update(score=lead.score, grade=lead.grade, team=lead.team)
    return {"lead": lead_json, "visit": dict(visit or {})}


def lead_saved(session: Session, lead: Lead, created: bool, visit: dict[str, Any] | None = None) -> list:
    """A lead qualified in the chat (created) or qualified again (updated), with the visit it
    came from (page, UTM tags, landing page)."""
    event = LEAD_CREATED if created else LEAD_UPDATED
    return deliveries.enqueue(
        session, configured(), event, lead_data(lead, visit), subject=f"lead:{lead.id}", sender_id=lead.sender_id
    )


# --------------------------------------------------------------------------- meetings


def meeting_data(booking: Booking, previous: Booking | None = None) -> dict[str, Any]:
    rep = booking.rep
    return {
        "meeting": {
            "reference": booking.reference,
            "previous_reference": previous.reference if previous is not None else None,
            "status": booking.status,
            "starts_at": _iso(booking.starts_at),
            "ends_at": _iso(booking.ends_at),
            "customer": {"email": booking.email, "timezone": booking.customer_timezone, "sender_id": booking.sender_id},
            "rep": {"name": rep.name, "email": rep.email, "team": rep.team},
            "lead_id": booking.lead_id,
        }
    }


def _meeting_emails(
    kind: str, booking: Booking, previous: Booking | None, *, departed_rep: bool = False
) -> list[tuple[str, dict[str, Any]]]:
    """The customer's and the rep's email about the meeting, each with the invite attached."""
    from shop import invites  # here: shop.invites imports shop.meetings, which calls this module

    rep = booking.rep
    invite = invites.ics(booking, rep.name, rep.email, for_departed_rep=departed_rep)
    values = {
        "reference": booking.reference,
        "previous_reference": previous.reference if previous is not None else "",
        "rep_name": rep.name,
        "customer_email": booking.email,
        "customer_timezone": booking.customer_timezone,
        "when": _local(booking.starts_at, booking.customer_timezone),
        "rep_when": _local(booking.starts_at, rep.timezone),
        "minutes": int((booking.ends_at - booking.starts_at).total_seconds() // 60),
    }
    # Each answers the other: the customer's reply reaches the rep, the rep's the customer.
    return [
        (
            booking.email,
            {"template": f"meeting_{kind}_customer", "values": values, "invite": invite, "reply_to": rep.email},
        ),
        (rep.email, {"template": f"meeting_{kind}_rep", "values": values, "invite": invite, "reply_to": booking.email}),
    ]


def _meeting_event(
    session: Session, event: str, booking: Booking, previous: Booking | None, emails: list[tuple[str, dict[str, Any]]]
) -> list:
    return deliveries.enqueue(
        session,
        configured(),
        event,
        meeting_data(booking, previous),
        subject=f"booking:{booking.reference}",
        sender_id=booking.sender_id,
        emails=emails,
    )


def meeting_booked(session: Session, booking: Booking) -> list:
    return _meeting_event(session, MEETING_BOOKED, booking, None, _meeting_emails("booked", booking, None))


def meeting_moved(session: Session, previous: Booking, booking: Booking) -> list:
    """The meeting moved from `previous` (now cancelled) to `booking` (its new reference); moved
    to another rep, the first rep gets the cancellation of theirs."""
    emails = _meeting_emails("moved", booking, previous)
    if previous.rep_id != booking.rep_id:
        emails += [
            message
            for message in _meeting_emails("cancelled", previous, None, departed_rep=True)
            if message[0] == previous.rep.email
        ]
    return _meeting_event(session, MEETING_MOVED, booking, previous, emails)


def meeting_cancelled(session: Session, booking: Booking) -> list:
    return _meeting_event(session, MEETING_CANCELLED, booking, None, _meeting_emails("cancelled", booking, None))


# --------------------------------------------------------------------------- handoffs, follow-ups


def handoff_data(handoff: Handoff) -> dict[str, Any]:
    context = json.loads(handoff.context or "{}")
    agent = handoff.agent
    return {
        "handoff": {
            "reference": handoff.reference,
            "sender_id": handoff.sender_id,
            "channel": handoff.channel,
            "team": handoff.team,
            "reason": handoff.reason,
            "status": handoff.status,
            "contact": context.get("contact") or {},
            "lead": context.get("lead"),
            "agent": {"name": agent.name, "email": agent.email} if agent is not None else None,
            "opened_at": _iso(handoff.created_at),
            "closed_at": _iso(handoff.closed_at),
            "closed_by": handoff.closed_by,
            "closing_note": handoff.closing_note,
        }
    }


def handoff_opened(session: Session, handoff: Handoff) -> list:
    data = handoff_data(handoff)
    return deliveries.enqueue(
        session,
        configured(),
        HANDOFF_OPENED,
        data,
        subject=f"handoff:{handoff.reference}",
        sender_id=handoff.sender_id,
    )


def handoff_closed(session: Session, handoff: Handoff) -> list:
    """Closed by the agent (with their note), by the customer leaving, or by nobody answering."""
    data = handoff_data(handoff)
    return deliveries.enqueue(
        session,
        configured(),
        HANDOFF_CLOSED,
        data,
        subject=f"handoff:{handoff.reference}",
        sender_id=handoff.sender_id,
    )


def follow_up_requested(session: Session, follow_up: FollowUp, reference: str, team_name: str) -> list:
    """The customer asked the team to email them: the team hears of it, the customer gets the
    first email (answering it reaches the team)."""
    try:
        context = json.loads(follow_up.summary or "{}")
    except ValueError:
        context = {"summary": follow_up.summary}
    data = {
        "follow_up": {
            "reference": reference,
            "sender_id": follow_up.sender_id,
            "team": follow_up.team,
            "reason": follow_up.reason,
            "email": follow_up.email,
            "context": context,
        }
    }
    email = {"template": "follow_up", "values": {"reference": reference, "team_name": team_name}}
    return deliveries.enqueue(
        session,
        configured(),
        FOLLOW_UP_REQUESTED,
        data,
        subject=f"followup:{reference}",
        sender_id=follow_up.sender_id,
        emails=[(follow_up.email or "", email)],
    )


def agent_replied(session: Session, handoff: Handoff, email: str, agent_name: str, team_name: str, text: str) -> list:
    """An agent's answer to a customer who had left the chat, by email."""
    values = {"reference": handoff.reference, "agent_name": agent_name, "team_name": team_name, "text": text}
    return deliveries.enqueue(
        session,
        configured(),
        AGENT_REPLIED,
        {"handoff": {"reference": handoff.reference, "sender_id": handoff.sender_id}},
        subject=f"handoff:{handoff.reference}",
        sender_id=handoff.sender_id,
        emails=[(email, {"template": "agent_reply", "values": values})],
    )


def can_email(event: str = AGENT_REPLIED) -> bool:
    """Whether email is configured to take `event`."""
    return configured().emails(event)


# --------------------------------------------------------------------------- orders, refunds


def order_data(order: Order) -> dict[str, Any]:
    items = [
        {
            "product": item.variant.product.name,
            "size": item.variant.size,
            "color": item.variant.color,
            "quantity": item.quantity,
            "unit_price_cents": item.unit_price_cents,
        }
        for item in order.items
    ]
    order_json = {"reference": order.reference, "email": order.email, "sender_id": order.sender_id}
    order_json.update(status=order.status, total_cents=order.total_cents, items=items, placed_at=_iso(order.placed_at))
    return {"order": order_json}


def order_placed(session: Session, order: Order) -> list:
    return deliveries.enqueue(
        session,
        configured(),
        ORDER_PLACED,
        order_data(order),
        subject=f"order:{order.reference}",
        sender_id=order.sender_id,
    )


def refund_requested(session: Session, refund: Refund) -> list:
    item = refund.item
    order = item.order
    data = {
        "refund": {
            "reference": refund.reference,
            "order": order.reference,
            "email": order.email,
            "sender_id": order.sender_id,
            "product": item.variant.product.name,
            "quantity": item.quantity,
            "amount_cents": refund.amount_cents,
            "reason": refund.reason,
            "requested_at": _iso(refund.created_at),
        }
    }
    return deliveries.enqueue(
        session, configured(), REFUND_REQUESTED, data, subject=f"refund:{refund.reference}", sender_id=order.sender_id
    )
