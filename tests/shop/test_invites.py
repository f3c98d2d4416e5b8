"""Calendar invites (shop/invites.py), read back with the icalendar library: a booked meeting is
a REQUEST, a moved one keeps its UID with a higher SEQUENCE, a cancelled one is a CANCEL of the
same UID; the signed link gives the meeting as it is now; the rep's calendar copy has no METHOD.

The moments are those of test_meetings.py: the week of 2026-03-09, New York 4 hours behind London."""

import json
from datetime import datetime, timezone

import pytest
from dateutil import tz
from icalendar import Calendar
from sqlalchemy import select

from shop import invites, meetings
from shop.db import session_scope
from shop.models import Booking, Rep

UTC = timezone.utc
NEW_YORK = tz.gettz("America/New_York")
NOW = datetime(2026, 3, 9, 10, 5, tzinfo=NEW_YORK)
NINE_TO_FIVE = {day: ["09:00", "17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=NEW_YORK)


def add_rep(name: str, zone: str = "America/New_York") -> int:
    with session_scope() as session:
        rep = Rep(
            name=name,
            email=f"{name.split()[0].lower()}@shop.example",
            team="qa",
            timezone=zone,
            working_hours=json.dumps(NINE_TO_FIVE),
            active=True,
        )
        session.add(rep)
        session.flush()
        return rep.id


@pytest.fixture
def rep(shop_db, monkeypatch) -> int:
    monkeypatch.setenv("BOOKING_LINK_SECRET", "invite-secret")
    return add_rep("Nora York")


def book(rep_id: int, start: datetime, email: str = "Jane@Example.com") -> str:
    with session_scope() as session:
        booking = meetings.book(session, rep_id, start, email, "Europe/Berlin", now=NOW)
        booking.created_at = datetime(2026, 3, 9, 14, 6, 7)
        return booking.reference


def invite(reference: str) -> tuple[str, Calendar]:
    """The booking's invite as text, and parsed."""
    with session_scope() as session:
        booking = session.scalar(select(Booking).where(Booking.reference == reference))
        text = invites.ics(booking, booking.rep.name, booking.rep.email)
    return text, Calendar.from_ical(text)


def event_of(calendar: Calendar):
    [event] = calendar.walk("VEVENT")
    return event


def test_a_booked_meeting_is_a_request_in_utc(rep):
    reference = book(rep, ny(9, 11))
    _, calendar = invite(reference)
    assert (calendar["VERSION"], calendar["PRODID"], calendar["METHOD"]) == (
        "2.0",
        "-//shop.example//Sales meetings//EN",
        "REQUEST",
    )
    event = event_of(calendar)
    assert event["UID"] == f"{reference}@shop.example"
    assert event.start == datetime(2026, 3, 9, 15, 0, tzinfo=UTC)  # 11:00 in New York
    assert event.end == datetime(2026, 3, 9, 15, 30, tzinfo=UTC)
    assert event.decoded("DTSTAMP") == datetime(2026, 3, 9, 14, 6, 7, tzinfo=UTC)
    assert event["SUMMARY"] == f"Meeting with Nora York ({reference})"
    assert (event["ORGANIZER"], event["ORGANIZER"].params["CN"]) == ("mailto:nora@shop.example", "Nora York")
    attendee = event["ATTENDEE"]
    assert attendee == "mailto:jane@example.com"
    assert dict(attendee.params) == {"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION", "RSVP": "TRUE"}
    assert (event["STATUS"], event["SEQUENCE"]) == ("CONFIRMED", 0)
    assert "Monday 09 March 2026, 16:00 (Europe/Berlin)" in event["DESCRIPTION"]  # the customer's time
    assert reference in event["DESCRIPTION"]


def test_the_text_is_rfc5545_crlf_folded_and_escaped(shop_db, monkeypatch):
    monkeypatch.setenv("BOOKING_LINK_SECRET", "invite-secret")
    with session_scope() as session:
        session.add(
            Rep(
                name="Zoë Ångström-Łukasiewicz, Senior Account Executive; Wholesale & Bulk Orders (EMEA)",
                email="zoe@shop.example",
                team="qa",
                timezone="Europe/London",
                working_hours=json.dumps(NINE_TO_FIVE),
                active=True,
            )
        )
    with session_scope() as session:
        zoe = session.scalar(select(Rep.id).where(Rep.email == "zoe@shop.example"))
    reference = book(zoe, datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    text, calendar = invite(reference)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    physical = text.split("\r\n")[:-1]
    assert all("\n" not in line and "\r" not in line for line in physical)
    assert all(len(line.encode("utf-8")) <= 75 for line in physical)
    assert any(line.startswith(" ") for line in physical)  # something was folded
    unfolded = text.replace("\r\n ", "")
    assert "Senior Account Executive\\; Wholesale & Bulk Orders" in unfolded  # TEXT escaping
    event = event_of(calendar)
    assert event["SUMMARY"] == (
        f"Meeting with Zoë Ångström-Łukasiewicz, Senior Account Executive; Wholesale & Bulk Orders (EMEA) ({reference})"
    )
    assert event["ORGANIZER"].params["CN"].startswith("Zoë Ångström-Łukasiewicz")


def test_a_moved_meeting_keeps_its_uid_with_a_higher_sequence(rep):
    first = book(rep, ny(9, 11))
    with session_scope() as session:
        moved = meetings.move_meeting(session, first, "jane@example.com", rep, ny(10, 14), now=NOW)
        second = moved.reference
    events = [event_of(invite(second)[1])]
    with session_scope() as session:
        again = meetings.move_meeting(session, second, "jane@example.com", rep, ny(11, 9), now=NOW)
        third = again.reference
    events.append(event_of(invite(third)[1]))
    assert len({first, second, third}) == 3  # each booking its own reference...
    assert {str(e["UID"]) for e in events} == {f"{first}@shop.example"}  # ...one event
    assert [e["SEQUENCE"] for e in events] == [1, 2]
    assert events[1].start == ny(11, 9)
    assert invite(third)[1]["METHOD"] == "REQUEST"
    # The bookings moved from are superseded: their CANCEL would cancel the moved meeting.
    for superseded in (first, second):
        with pytest.raises(ValueError, match=f"was moved to {third}"):
            invite(superseded)


def test_a_meeting_moved_to_another_rep_keeps_its_uid(rep):
    other = add_rep("Omar Quinn")
    first = book(rep, ny(9, 11))
    with session_scope() as session:
        moved = meetings.move_meeting(session, first, "jane@example.com", other, ny(9, 11), now=NOW).reference
    event = event_of(invite(moved)[1])
    assert (event["UID"], event["SEQUENCE"]) == (f"{first}@shop.example", 1)
    assert event["ORGANIZER"] == "mailto:omar@shop.example"


def test_a_cancelled_meeting_is_a_cancel_of_the_same_uid(rep):
    first = book(rep, ny(9, 11))
    with session_scope() as session:
        moved = meetings.move_meeting(session, first, "jane@example.com", rep, ny(10, 14), now=NOW).reference
    with session_scope() as session:
        assert meetings.cancel_meeting(session, moved, "jane@example.com") == moved
    _, calendar = invite(moved)
    event = event_of(calendar)
    assert (calendar["METHOD"], event["STATUS"]) == ("CANCEL", "CANCELLED")
    assert (event["UID"], event["SEQUENCE"]) == (f"{first}@shop.example", 2)  # higher than the last REQUEST
    assert event.start == ny(10, 14)


def link_body(reference: str, token: str | None = None) -> Calendar | None:
    with session_scope() as session:
        text = invites.invite_of(session, reference, invites.sign(reference) if token is None else token)
    return Calendar.from_ical(text) if text is not None else None


def test_the_link_gives_the_meeting_as_it_is_now(rep):
    first = book(rep, ny(9, 11))
    assert event_of(link_body(first)).start == ny(9, 11)
    with session_scope() as session:
        moved = meetings.move_meeting(session, first, "jane@example.com", rep, ny(10, 14), now=NOW).reference
    # The first link, fetched again, has the new time under the same UID: calendars update it.
    for reference in (first, moved):
        calendar = link_body(reference)
        assert calendar["METHOD"] == "REQUEST"
        assert (event_of(calendar).start, event_of(calendar)["SEQUENCE"]) == (ny(10, 14), 1)
    with session_scope() as session:
        meetings.cancel_meeting(session, moved, "jane@example.com")
    for reference in (first, moved):
        calendar = link_body(reference)
        assert calendar["METHOD"] == "CANCEL"
        assert (event_of(calendar)["UID"], event_of(calendar)["SEQUENCE"]) == (f"{first}@shop.example", 2)


def test_an_unsigned_or_unknown_link_gives_nothing(rep):
    reference = book(rep, ny(9, 11))
    assert link_body(reference, token="0" * 32) is None
    assert link_body(reference, token="") is None
    assert link_body("M9999") is None


def test_the_reps_calendar_copy_has_no_method(rep):
    reference = book(rep, ny(9, 11))
    with session_scope() as session:
        booking = session.scalar(select(Booking).where(Booking.reference == reference))
        calendar = Calendar.from_ical(invites.calendar_resource(booking))
        meetings.cancel_booking(session, booking)
        with pytest.raises(ValueError):
            invites.calendar_resource(booking)  # a cancelled meeting has no place in a calendar
    assert "METHOD" not in calendar
    event = event_of(calendar)
    assert (event["UID"], event.start) == (f"{reference}@shop.example", ny(9, 11))
    assert event["SUMMARY"] == f"Sales call: jane@example.com ({reference})"
