"""Email follow-ups a customer asked for: recorded so the team sees who to write to and why."""

from sqlalchemy.orm import Session

from shop.models import FollowUp

FOLLOW_UP_REFERENCE_PREFIX = "F"


def record_follow_up(
    session: Session, sender_id: str, team: str, reason: str, summary: str, email: str | None = None
) -> str:
    request = FollowUp(sender_id=sender_id, team=team, reason=reason, summary=summary[:4000], email=email)
    session.add(request)
    session.flush()
    return f"{FOLLOW_UP_REFERENCE_PREFIX}{request.id:04d}"
