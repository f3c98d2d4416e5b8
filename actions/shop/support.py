"""Requests for a person: recorded so the support team sees who is waiting and why."""
from typing import Optional

from sqlalchemy.orm import Session

from actions.shop.models import HandoffRequest

HANDOFF_REFERENCE_PREFIX = "H"


def record_handoff(session: Session, sender_id: str, reason: str, summary: str,
                   email: Optional[str] = None) -> str:
    request = HandoffRequest(sender_id=sender_id, reason=reason, summary=summary[:4000], email=email)
    session.add(request)
    session.flush()
    return f"{HANDOFF_REFERENCE_PREFIX}{request.id:04d}"
