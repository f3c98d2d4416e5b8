"""Calendar invites for booked meetings: the .ics file (built with the icalendar library), the
copy of the event kept in the rep's own calendar (shop/calendars), and the signed link the
customer opens without logging in (the token proves the link came from us, so references
cannot be enumerated).

A meeting keeps one UID across its life (Booking.calendar_uid, carried over when it is moved)
and raises its SEQUENCE at each change, so a calendar that has the event updates it: booked or
moved is METHOD:REQUEST, cancelled METHOD:CANCEL (RFC 5546)."""

import hashlib
import hmac
from datetime import timezone

from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from shop import settings
from shop.clock import as_utc, aware, naive_now
from shop.hours import zone_of
from shop.meetings import CALENDAR_DOMAIN, CANCELLED, LIVE, calendar_uid, current_version
from shop.models import Booking

PRODID = f"-//{CALENDAR_DOMAIN}//Sales meetings//EN"


def _secret() -> bytes:
    return settings.booking_link_secret().encode()


def sign(reference: str) -> str:
    return hmac.new(_secret(), reference.encode(), hashlib.sha256).hexdigest()[:32]


def verify(reference: str, token: str) -> bool:
    return hmac.compare_digest(sign(reference), token or "")


def invite_url(reference: str) -> str:
    return f"{settings.web_public_url()}/invites/{reference}.ics?t={sign(reference)}"


def invite_of(session: Session, reference: str, token: str) -> str | None:
    """The .ics of the meeting a link signed by us was sent for, as it is now: the booking, or
    the one it was moved to (a REQUEST with the new time), or a CANCEL once it is cancelled, so
    a calendar that fetches the link again learns of the change. None for anything else."""
    if not verify(reference, token):
        return None
    booking = session.scalar(select(Booking).where(Booking.reference == reference))
    if booking is None:
        return None
    booking = current_version(session, booking)
    return ics(booking, booking.rep.name, booking.rep.email)


def _clean(value: str) -> str:
    """Text without control characters (a CN or address cannot carry them)."""
    return "".join(" " if ord(c) < 32 else c for c in str(value)).strip()


def _address(email: str, name: str | None = None, **params: str) -> vCalAddress:
    address = vCalAddress("mailto:" + _clean(email).replace(" ", ""))
    if name:
        address.params["CN"] = vText(_clean(name).replace('"', "'"))
    for key, value in params.items():
        address.params[key] = value
    return address


def _event(booking: Booking, summary: str, description: str, organizer: vCalAddress) -> Event:
    """The meeting as one VEVENT (times in UTC), for the customer's invite or the rep's calendar."""
    cancelled = booking.status == CANCELLED
    event = Event()
    event.add("uid", calendar_uid(booking))
    event.add("dtstamp", as_utc(aware(booking.created_at or naive_now())))
    event.add("dtstart", as_utc(aware(booking.starts_at)))
    event.add("dtend", as_utc(aware(booking.ends_at)))
    event.add("summary", summary)
    event.add("description", description)
    event.add("organizer", organizer)
    event.add(
        "attendee",
        _address(booking.email, ROLE="REQ-PARTICIPANT", PARTSTAT="NEEDS-ACTION", RSVP="TRUE"),
    )
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("sequence", booking.sequence or 0)
    return event


def _calendar(event: Event, method: str | None) -> Calendar:
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    calendar.add_component(event)
    return calendar


def ics(booking: Booking, rep_name: str, organizer_email: str, *, for_departed_rep: bool = False) -> str:
    """The customer's invite: an RFC 5545 calendar with the meeting as one VEVENT (times in UTC),
    ready to send as text/calendar; METHOD:REQUEST while it is live, METHOD:CANCEL (same UID,
    its SEQUENCE raised) once it is cancelled.

    A moved meeting's invite is that of the booking it moved to (what move_meeting returns): the
    booking it moved from is superseded, and its CANCEL would cancel the moved meeting in the
    customer's calendar, so asking for it is a ValueError; only the rep it moved away from
    (`for_departed_rep`) gets that CANCEL, which takes it out of their calendar."""
    session = object_session(booking)
    latest = current_version(session, booking) if session is not None else booking
    if latest is not booking and not for_departed_rep:
        raise ValueError(f"booking {booking.reference} was moved to {latest.reference}: send that one's invite")
    reference = booking.reference or f"booking-{booking.id}"
    zone = zone_of(booking.customer_timezone) or timezone.utc
    local = aware(booking.starts_at).astimezone(zone)
    minutes = int((booking.ends_at - booking.starts_at).total_seconds() // 60)
    description = (
        f"{minutes}-minute call with {rep_name} from the sales team.\n"
        f"Your time: {local:%A %d %B %Y, %H:%M} ({booking.customer_timezone}).\n"
        f"Booking reference {reference}: quote it with your email to reschedule or cancel in the chat."
    )
    event = _event(booking, f"Meeting with {rep_name} ({reference})", description, _address(organizer_email, rep_name))
    method = "CANCEL" if booking.status == CANCELLED else "REQUEST"
    return _calendar(event, method).to_ical().decode("utf-8")


def calendar_resource(booking: Booking) -> str:
    """The meeting as the rep's own calendar keeps it (a CalDAV resource: no METHOD, RFC 4791)."""
    if booking.status != LIVE:
        raise ValueError(f"booking {booking.reference} is {booking.status}: it has no place in a calendar")
    rep = booking.rep
    description = (
        f"Sales call booked in the chat by {booking.email} (time zone {booking.customer_timezone}).\n"
        f"Booking reference {booking.reference}."
    )
    event = _event(
        booking, f"Sales call: {booking.email} ({booking.reference})", description, _address(rep.email, rep.name)
    )
    return _calendar(event, None).to_ical().decode("utf-8")
