"""Meetings against the reps' real calendars, on a real CalDAV server (Radicale): a busy event
there removes the slot, a booking is written there and follows the meeting when it is moved or
cancelled, and a calendar that cannot be reached is said (CalendarUnavailable), never silence
and never a time offered blind. A rep without a calendar listed keeps the database's answer.

The seeded small-business team: Olivia Bennett (New York) and Marcus Reid (Chicago), 9-17 on
weekdays. Monday 2030-01-07 19:00 UTC is 14:00 in New York."""

from datetime import datetime, timedelta, timezone

import pytest
from icalendar import Calendar
from sqlalchemy import select

from scripts.processes import free_port
from shop import meetings
from shop.calendars import CalendarUnavailable
from shop.db import session_scope
from shop.models import Booking, Rep
from tests.support.caldav import busy_event, calendars_file, connect_reps

UTC = timezone.utc
NOW = datetime(2030, 1, 7, 19, 0, tzinfo=UTC)
OLIVIA, MARCUS = "olivia.bennett@shop.example", "marcus.reid@shop.example"
TUESDAY_9_NY = datetime(2030, 1, 8, 14, 0, tzinfo=UTC)


@pytest.fixture
def calendars(shop_db, radicale, monkeypatch, tmp_path):
    """Olivia and Marcus each with a calendar of their own: {rep email: calendar url}."""
    return connect_reps(radicale, monkeypatch, tmp_path, {OLIVIA: "olivia", MARCUS: "marcus"})


def rep_id(email: str) -> int:
    with session_scope() as session:
        return session.scalar(select(Rep.id).where(Rep.email == email))


def smb_slots(start: datetime, hours: float = 1, limit: int = 10) -> list[tuple[str, datetime]]:
    with session_scope() as session:
        found = meetings.free_slots(session, "smb", start, start + timedelta(hours=hours), NOW, limit=limit)
    return [(s.rep_name, s.start) for s in found if start <= s.start < start + timedelta(hours=hours)]


def events_in(radicale, url: str, user: str) -> list:
    """The VEVENTs now in the rep's calendar, read back as any CalDAV client would."""
    return [next(iter(Calendar.from_ical(text).walk("VEVENT"))) for text in radicale.events(url, user).values()]


def test_a_busy_event_in_the_reps_calendar_removes_the_slot(calendars, radicale):
    # Tuesday 9:00-10:00 New York: Olivia (9-17 NY) has both half hours; Marcus (9-17 Chicago) none.
    assert smb_slots(TUESDAY_9_NY) == [
        ("Olivia Bennett", TUESDAY_9_NY),
        ("Olivia Bennett", TUESDAY_9_NY + timedelta(minutes=30)),
    ]
    radicale.add_event(
        calendars[OLIVIA],
        "olivia",
        "dentist",
        busy_event("dentist", TUESDAY_9_NY, TUESDAY_9_NY + timedelta(minutes=30)),
    )
    assert smb_slots(TUESDAY_9_NY) == [("Olivia Bennett", TUESDAY_9_NY + timedelta(minutes=30))]
    # An event marked free does not block.
    radicale.add_event(
        calendars[OLIVIA],
        "olivia",
        "focus",
        busy_event("focus", TUESDAY_9_NY, TUESDAY_9_NY + timedelta(hours=1), extra="TRANSP:TRANSPARENT\r\n"),
    )
    assert smb_slots(TUESDAY_9_NY) == [("Olivia Bennett", TUESDAY_9_NY + timedelta(minutes=30))]


def test_a_busy_rep_leaves_the_slot_to_the_other_rep(calendars, radicale):
    # Tuesday 11:00 New York = 10:00 Chicago: both work; Olivia's calendar is full that hour.
    eleven = TUESDAY_9_NY + timedelta(hours=2)
    assert [rep for rep, _ in smb_slots(eleven, hours=0.5)] == ["Olivia Bennett"]  # the lower id first
    radicale.add_event(calendars[OLIVIA], "olivia", "lunch", busy_event("lunch", eleven, eleven + timedelta(hours=1)))
    assert smb_slots(eleven, hours=0.5) == [("Marcus Reid", eleven)]


def test_a_booking_is_written_to_the_reps_calendar_and_follows_the_meeting(calendars, radicale):
    with session_scope() as session:
        booking = meetings.book(session, rep_id(OLIVIA), TUESDAY_9_NY, "ada@example.com", "Europe/Berlin", now=NOW)
        reference, uid = booking.reference, booking.calendar_uid
    [event] = events_in(radicale, calendars[OLIVIA], "olivia")
    assert (event["UID"], event.start, event["SEQUENCE"]) == (uid, TUESDAY_9_NY, 0)
    assert event["SUMMARY"] == f"Sales call: ada@example.com ({reference})"
    assert event["ATTENDEE"] == "mailto:ada@example.com"
    assert smb_slots(TUESDAY_9_NY, hours=0.5) == []  # the booked time is not offered again

    later = TUESDAY_9_NY + timedelta(hours=3)
    with session_scope() as session:
        moved = meetings.move_meeting(session, reference, "ada@example.com", rep_id(OLIVIA), later, now=NOW)
        moved_reference = moved.reference
    [event] = events_in(radicale, calendars[OLIVIA], "olivia")  # the same event, moved
    assert (event["UID"], event.start, event["SEQUENCE"]) == (uid, later, 1)

    with session_scope() as session:  # to Marcus: out of Olivia's calendar, into his
        moved = meetings.move_meeting(session, moved_reference, "ada@example.com", rep_id(MARCUS), later, now=NOW)
        moved_reference = moved.reference
    assert events_in(radicale, calendars[OLIVIA], "olivia") == []
    [event] = events_in(radicale, calendars[MARCUS], "marcus")
    assert (event["UID"], event.start, event["SEQUENCE"]) == (uid, later, 2)

    with session_scope() as session:
        assert meetings.cancel_meeting(session, moved_reference, "ada@example.com") == moved_reference
    assert events_in(radicale, calendars[MARCUS], "marcus") == []


def test_a_time_the_rep_filled_in_since_the_offer_cannot_be_booked(calendars, radicale):
    [(_, start), *_] = smb_slots(TUESDAY_9_NY)
    radicale.add_event(calendars[OLIVIA], "olivia", "call", busy_event("call", start, start + timedelta(minutes=30)))
    with pytest.raises(meetings.SlotTaken), session_scope() as session:
        meetings.book(session, rep_id(OLIVIA), start, "ada@example.com", "Europe/Berlin", now=NOW)
    with session_scope() as session:
        assert session.scalar(select(Booking.id)) is None
    assert [str(e["UID"]) for e in events_in(radicale, calendars[OLIVIA], "olivia")] == ["call"]


# --------------------------------------------------------------------------- a calendar out of reach


@pytest.fixture
def olivia_unreachable(shop_db, monkeypatch, tmp_path):
    """Olivia's calendar on a port where nothing listens; Marcus has none listed."""
    monkeypatch.setenv("CALDAV_PASSWORD_OLIVIA", "whatever")
    url = f"http://127.0.0.1:{free_port()}/olivia/work/"
    calendars_file(tmp_path / "calendars.yml", {OLIVIA: (url, "olivia", "CALDAV_PASSWORD_OLIVIA")})
    monkeypatch.setenv("REP_CALENDARS", str(tmp_path / "calendars.yml"))


def test_a_rep_whose_calendar_is_down_is_not_offered_the_other_is(olivia_unreachable):
    eleven = TUESDAY_9_NY + timedelta(hours=2)
    assert smb_slots(eleven, hours=1) == [("Marcus Reid", eleven), ("Marcus Reid", eleven + timedelta(minutes=30))]


def test_nothing_to_offer_because_a_calendar_is_down_is_said(olivia_unreachable):
    # Tuesday 9:00 New York is 8:00 in Chicago: only Olivia could take it, and only that hour asked.
    with pytest.raises(CalendarUnavailable), session_scope() as session:
        meetings.free_slots(session, "smb", TUESDAY_9_NY, TUESDAY_9_NY + timedelta(hours=1), NOW, search_days=0)


def test_nothing_is_booked_when_the_reps_calendar_cannot_be_written(olivia_unreachable):
    with pytest.raises(CalendarUnavailable), session_scope() as session:
        meetings.book(session, rep_id(OLIVIA), TUESDAY_9_NY, "ada@example.com", "Europe/Berlin", now=NOW)
    with session_scope() as session:
        assert session.scalar(select(Booking.id)) is None
    with session_scope() as session:  # Marcus has no calendar: the database alone decides
        meetings.book(session, rep_id(MARCUS), TUESDAY_9_NY + timedelta(hours=2), "ada@example.com", "UTC", now=NOW)


def test_a_wrong_password_or_a_missing_one_is_a_calendar_unavailable(calendars, monkeypatch):
    with session_scope() as session:
        olivia = session.scalar(select(Rep).where(Rep.email == OLIVIA))
        from shop import calendars as rep_calendars

        monkeypatch.setenv("CALDAV_PASSWORD_OLIVIA", "wrong")
        with pytest.raises(CalendarUnavailable, match="HTTP 401"):
            rep_calendars.rep_busy(olivia, UTC, NOW, NOW + timedelta(days=1))
        monkeypatch.delenv("CALDAV_PASSWORD_OLIVIA")
        with pytest.raises(CalendarUnavailable, match="CALDAV_PASSWORD_OLIVIA is not set"):
            rep_calendars.rep_busy(olivia, UTC, NOW, NOW + timedelta(days=1))


def test_a_server_that_never_answers_times_out(shop_db, monkeypatch, tmp_path):
    import socket

    from shop.calendars.caldav import CalDAVCalendar

    with socket.socket() as listener:  # accepts the connection, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/olivia/work/"
        with pytest.raises(CalendarUnavailable, match="Timeout"):
            CalDAVCalendar(url, "olivia", "pw", timeout=0.5).events_between(NOW, NOW + timedelta(days=1))


def test_a_server_that_is_not_caldav_is_a_calendar_unavailable(radicale):
    from shop.calendars.caldav import CalDAVCalendar

    # Radicale's root answers a REPORT on a collection that does not exist with an error.
    with pytest.raises(CalendarUnavailable):
        CalDAVCalendar(radicale.url + "/olivia/nothing-here/", "olivia", radicale.users["olivia"], 5).events_between(
            NOW, NOW + timedelta(days=1)
        )


# --------------------------------------------------------------------------- erasure


def test_erasing_a_contact_takes_their_meeting_out_of_the_reps_calendar(calendars, radicale):
    from shop import erasure

    with session_scope() as session:
        meetings.book(session, rep_id(OLIVIA), TUESDAY_9_NY, "ada@example.com", "Europe/Berlin", now=NOW)
    radicale.add_event(calendars[OLIVIA], "olivia", "own", busy_event("own", NOW, NOW + timedelta(hours=1)))
    assert len(events_in(radicale, calendars[OLIVIA], "olivia")) == 2
    with session_scope() as session:
        assert erasure.erase(session, None, email="ada@example.com")["bookings"] == 1
    assert [str(e["UID"]) for e in events_in(radicale, calendars[OLIVIA], "olivia")] == ["own"]


def test_a_calendar_out_of_reach_stops_the_erasure_before_anything_goes(shop_db, monkeypatch, tmp_path):
    from shop import erasure

    with session_scope() as session:  # booked while Olivia had no calendar listed
        meetings.book(session, rep_id(OLIVIA), TUESDAY_9_NY, "ada@example.com", "Europe/Berlin", now=NOW)
    monkeypatch.setenv("CALDAV_PASSWORD_OLIVIA", "whatever")
    url = f"http://127.0.0.1:{free_port()}/olivia/work/"
    calendars_file(tmp_path / "calendars.yml", {OLIVIA: (url, "olivia", "CALDAV_PASSWORD_OLIVIA")})
    monkeypatch.setenv("REP_CALENDARS", str(tmp_path / "calendars.yml"))
    assert erasure.main(["erase", "--email", "ada@example.com"]) == 1
    with session_scope() as session:
        assert session.scalar(select(Booking.email)) == "ada@example.com"


def test_a_broken_calendars_file_is_said_as_calendars_unavailable(shop_db, monkeypatch, tmp_path, caplog):
    (tmp_path / "calendars.yml").write_text("reps:\n  olivia.bennett@shop.example: [not, a, mapping\n")
    monkeypatch.setenv("REP_CALENDARS", str(tmp_path / "calendars.yml"))
    with pytest.raises(CalendarUnavailable, match="no calendar of team smb"), session_scope() as session:
        meetings.free_slots(session, "smb", TUESDAY_9_NY, TUESDAY_9_NY + timedelta(hours=1), NOW)
    assert f"{tmp_path / 'calendars.yml'}:" in caplog.text  # the log says which file is broken
