"""Calendar invites for booked meetings: the .ics file, and the signed link the customer opens
without logging in (the token proves the link came from us, so references cannot be enumerated)."""

import hashlib
import hmac
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop import settings
from shop.clock import aware, naive_now
from shop.hours import zone_of
from shop.meetings import CANCELLED, LIVE
from shop.models import Booking


def _secret() -> bytes:
    return settings.booking_link_secret().encode()


def sign(reference: str) -> str:
    return hmac.new(_secret(), reference.encode(), hashlib.sha256).hexdigest()[:32]


def verify(reference: str, token: str) -> bool:
    return hmac.compare_digest(sign(reference), token or "")


def invite_url(reference: str) -> str:
    return f"{settings.web_public_url()}/invites/{reference}.ics?t={sign(reference)}"


def invite_of(session: Session, reference: str, token: str) -> str | None:
    """The .ics of a live booking whose link was signed by us; None for anything else."""
    if not verify(reference, token):
        return None
    booking = session.scalar(select(Booking).where(Booking.reference == reference))
    if booking is None or booking.status != LIVE:
        return None
    return ics(booking, booking.rep.name, booking.rep.email)


ICS_DOMAIN = "shop.example"


def _ics_text(value: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and newlines escaped."""
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _ics_param(value: str) -> str:
    """A quoted parameter value (CN): no double quotes or control characters inside."""
    cleaned = "".join(" " if ord(c) < 32 or c == '"' else c for c in str(value))
    return f'"{cleaned}"'


def _ics_address(email: str) -> str:
    return "mailto:" + "".join(c for c in str(email).strip() if ord(c) >= 32)


def _ics_time(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def fold(line: str, limit: int = 75) -> str:
    """An RFC 5545 content line folded so no physical line exceeds `limit` octets (UTF-8),
    never splitting a character; continuation lines start with one space."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n".join(pieces)


def ics(booking: Booking, rep_name: str, organizer_email: str) -> str:
    """An RFC 5545 calendar with the meeting as one VEVENT (times in UTC), ready to send as
    text/calendar. A cancelled booking gives a METHOD:CANCEL invite for the same UID."""
    reference = booking.reference or f"booking-{booking.id}"
    start, end = booking.starts_at, booking.ends_at
    cancelled = booking.status == CANCELLED
    zone = zone_of(booking.customer_timezone) or timezone.utc
    local = aware(start).astimezone(zone)
    minutes = int((end - start).total_seconds() // 60)
    description = (
        f"{minutes}-minute call with {rep_name} from the sales team.\n"
        f"Your time: {local:%A %d %B %Y, %H:%M} ({booking.customer_timezone}).\n"
        f"Booking reference {reference}: quote it with your email to reschedule or cancel in the chat."
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//{ICS_DOMAIN}//Sales meetings//EN",
        "CALSCALE:GREGORIAN",
        f"METHOD:{'CANCEL' if cancelled else 'REQUEST'}",
        "BEGIN:VEVENT",
        f"UID:{reference}@{ICS_DOMAIN}",
        f"DTSTAMP:{_ics_time(booking.created_at or naive_now())}",
        f"DTSTART:{_ics_time(start)}",
        f"DTEND:{_ics_time(end)}",
        f"SUMMARY:{_ics_text(f'Meeting with {rep_name} ({reference})')}",
        f"DESCRIPTION:{_ics_text(description)}",
        f"ORGANIZER;CN={_ics_param(rep_name)}:{_ics_address(organizer_email)}",
        f"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:{_ics_address(booking.email)}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        f"SEQUENCE:{1 if cancelled else 0}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(fold(line) for line in lines) + "\r\n"
