"""Delivery status of what Twilio sent for the shop, from its status callbacks: one row per
message, at its latest status. Callbacks may arrive out of order ("sent" after "delivered"), so
a status never moves back to an earlier stage."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.clock import naive_now
from shop.models import TwilioMessage

# Twilio's MessageStatus values in the order a message goes through them; the last ones are final.
STAGES = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "receiving": 3,
    "received": 4,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "read": 5,
}


@dataclass(frozen=True)
class StatusCallback:
    message_sid: str
    status: str
    to: str | None = None
    from_: str | None = None
    error_code: str | None = None


def status_problem(form: dict[str, str]) -> str | None:
    """Why a status callback's parameters are refused (400), or None."""
    sid, status = form.get("MessageSid") or form.get("SmsSid"), form.get("MessageStatus")
    if not sid or len(sid) > 64:
        return "MessageSid is missing"
    if status not in STAGES:
        return f"MessageStatus must be one of {', '.join(sorted(STAGES))}"
    if len(form.get("ErrorCode") or "") > 16:
        return "ErrorCode is too long"
    return None


def callback_from(form: dict[str, str]) -> StatusCallback:
    """The callback in Twilio's form parameters (check status_problem first)."""
    return StatusCallback(
        message_sid=form.get("MessageSid") or form["SmsSid"],
        status=form["MessageStatus"],
        to=(form.get("To") or None) and form["To"][:64],
        from_=(form.get("From") or None) and form["From"][:64],
        error_code=form.get("ErrorCode") or None,
    )


def moves_forward(current: str | None, new: str) -> bool:
    """Whether `new` is news after `current` (a late "sent" does not undo "delivered")."""
    return current is None or STAGES.get(new, 0) >= STAGES.get(current, 0)


def record_status(session: Session, callback: StatusCallback) -> TwilioMessage:
    """Keeps the callback's status for its message, unless the message is already further on."""
    message = session.scalar(select(TwilioMessage).where(TwilioMessage.message_sid == callback.message_sid))
    if message is None:
        message = TwilioMessage(message_sid=callback.message_sid, status=callback.status)
        session.add(message)
    elif not moves_forward(message.status, callback.status):
        return message
    message.status = callback.status
    message.to = callback.to or message.to
    message.from_ = callback.from_ or message.from_
    message.error_code = callback.error_code
    message.updated_at = naive_now()
    session.flush()
    return message


def status_of(session: Session, message_sid: str) -> TwilioMessage | None:
    return session.scalar(select(TwilioMessage).where(TwilioMessage.message_sid == message_sid))
