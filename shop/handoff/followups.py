"""Email follow-ups a customer asked for: recorded so the team sees who to write to and why, and
told to the webhooks and, by email, to the customer (shop/integrations/events.py)."""

from sqlalchemy.orm import Session

from shop.integrations import events
from shop.models import FollowUp

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
