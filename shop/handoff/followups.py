"""Email follow-ups a customer asked for: recorded so the team sees who to write to and why, and
told to the webhooks and, by email, to the customer (shop/integrations/events.py); and an
agent's answer emailed to a customer who had left the chat."""

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.handoff.assignment import HandoffError
from shop.integrations import events
from shop.models import Agent, Contact, FollowUp, Handoff, Lead

FOLLOW_UP_REFERENCE_PREFIX = "F"


def record_follow_up(
    session: Session,
    sender_id: str,
    team: str,
    reason: str,
    summary: str,
    email: str | None = None,
    team_name: str | None = None,
) -> str:
    request = FollowUp(sender_id=sender_id, team=team, reason=reason, summary=summary[:4000], email=email)
    session.add(request)
    session.flush()
    reference = f"{FOLLOW_UP_REFERENCE_PREFIX}{request.id:04d}"
    events.follow_up_requested(session, request, reference, team_name or team)
    return reference


def customer_email(session: Session, handoff: Handoff) -> str | None:
    """The customer's email: given in the chat (the context packet), else their lead's or contact's."""
    context = json.loads(handoff.context or "{}")
    given = (context.get("contact") or {}).get("email")
    if given:
        return str(given)
    for model in (Lead, Contact):
        found = session.scalar(
            select(model.email).where(model.sender_id == handoff.sender_id, model.email.is_not(None))
        )
        if found:
            return str(found)
    return None


def email_reply(session: Session, handoff: Handoff, agent: Agent, text: str, team_name: str) -> str:
    """An agent's answer to a customer who had left the chat (their handoff closed as they
    left), written to the outbox as an email: the address it goes to. HandoffError, saying
    why, when the customer is still there, has no email, or email is not set up."""
    if handoff.status != "closed" or handoff.closed_by != "customer":
        raise HandoffError("The customer has not left the chat: reply to them there.")
    email = customer_email(session, handoff)
    if not email:
        raise HandoffError("The customer left the chat without giving an email, so they cannot be reached.")
    if not events.can_email():
        raise HandoffError("The customer left the chat and email is not set up (SMTP_HOST), so they cannot be reached.")
    events.agent_replied(session, handoff, email, agent.name, team_name, text.strip())
    return email
