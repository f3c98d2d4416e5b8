"""The booking actions against the reps' real calendars (Radicale): a booking made in the chat
appears in the rep's calendar; a rep who fills the offered time in their calendar before the
customer's choice is booked makes the chat offer other times; a calendar out of reach is said
(at the offer, at the booking, at a cancellation) and nothing changes.

"Now" is that of test_meetings.py: Monday 2030-01-07 19:00 UTC, 14:00 in New York."""

from datetime import timedelta

import pytest
from dateutil import parser as date_parser
from icalendar import Calendar
from rasa_sdk.executor import CollectingDispatcher

from actions.meetings import ActionBookMeeting, ActionCancelMeeting, ValidateBookingForm
from scripts.processes import free_port
from tests.actions.test_meetings import (
    EMAIL,
    assert_offered_again,
    book_directly,
    booking_slots,
    bookings,
    meetings_env,  # noqa: F401 (the fixed clock and invite settings, autouse)
    offer,
    starts,
)
from tests.support.caldav import busy_event, calendars_file, connect_reps
from tests.support.running import run_action
from tests.support.trackers import filled, make_tracker, responses

OLIVIA, MARCUS = "olivia.bennett@shop.example", "marcus.reid@shop.example"


@pytest.fixture
def calendars(shop_db, radicale, monkeypatch, tmp_path):
    return connect_reps(radicale, monkeypatch, tmp_path, {OLIVIA: "olivia", MARCUS: "marcus"})


@pytest.fixture
def calendars_down(shop_db, monkeypatch, tmp_path):
    """Both reps' calendars on ports where nothing listens."""
    reps = {}
    for email, user in ((OLIVIA, "olivia"), (MARCUS, "marcus")):
        monkeypatch.setenv(f"CALDAV_PASSWORD_{user.upper()}", "whatever")
        reps[email] = (f"http://127.0.0.1:{free_port()}/{user}/work/", user, f"CALDAV_PASSWORD_{user.upper()}")
    monkeypatch.setenv("REP_CALENDARS", str(calendars_file(tmp_path / "calendars.yml", reps)))


def calendar_events(radicale, url: str, user: str) -> list:
    return [next(iter(Calendar.from_ical(text).walk("VEVENT"))) for text in radicale.events(url, user).values()]


async def test_a_booking_made_in_the_chat_appears_in_the_reps_calendar(calendars, radicale, domain):
    options = offer("tomorrow morning")
    slots = booking_slots(options, meeting_slot=options[0]["start"], booking_confirmed=True)
    dispatcher, _ = await run_action(ActionBookMeeting(), domain, slots)
    assert responses(dispatcher)[0] == "utter_meeting_booked"
    [row] = bookings()
    [event] = calendar_events(radicale, calendars[OLIVIA], "olivia")
    assert (event.start, event["ATTENDEE"]) == (row["start"], f"mailto:{EMAIL}")
    assert row["reference"] in event["SUMMARY"]


async def test_a_time_the_rep_filled_in_before_the_choice_makes_the_chat_offer_others(calendars, radicale, domain):
    options = offer("tomorrow morning")
    taken = starts(options)[0]
    assert options[0]["rep"] == "Olivia Bennett"
    # Between the offer and the customer's "yes", Olivia puts a call in her calendar then.
    radicale.add_event(calendars[OLIVIA], "olivia", "call", busy_event("call", taken, taken + timedelta(minutes=30)))
    slots = booking_slots(options, meeting_slot=options[0]["start"], booking_confirmed=True)
    dispatcher, events = await run_action(ActionBookMeeting(), domain, slots)
    assert responses(dispatcher) == ["utter_meeting_slot_taken_other_times"]
    assert bookings() == []
    assert_offered_again(events, "booking_form", taken=options[0])
    assert [str(e["UID"]) for e in calendar_events(radicale, calendars[OLIVIA], "olivia")] == ["call"]


async def test_a_calendar_out_of_reach_at_the_offer_is_said(calendars_down):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        slots={"customer_timezone": "America/New_York", "email": EMAIL, "sales_team": None}, active_loop="booking_form"
    )
    result = ValidateBookingForm().validate_meeting_time("tomorrow morning", dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_calendar_unavailable"]
    assert result == {"meeting_time": None}


async def test_a_calendar_out_of_reach_at_the_booking_books_nothing(shop_db, domain, monkeypatch, tmp_path):
    options = offer("tomorrow morning")  # offered while the calendars answered (none listed yet)
    monkeypatch.setenv("CALDAV_PASSWORD_OLIVIA", "whatever")
    url = f"http://127.0.0.1:{free_port()}/olivia/work/"
    calendars_file(tmp_path / "calendars.yml", {OLIVIA: (url, "olivia", "CALDAV_PASSWORD_OLIVIA")})
    monkeypatch.setenv("REP_CALENDARS", str(tmp_path / "calendars.yml"))
    slots = booking_slots(options, meeting_slot=options[0]["start"], booking_confirmed=True)
    dispatcher, _ = await run_action(ActionBookMeeting(), domain, slots)
    assert filled(dispatcher, "utter_calendar_unavailable_nothing_booked") == {"rep": "Olivia Bennett"}
    assert bookings() == []


async def test_a_calendar_out_of_reach_at_a_cancellation_leaves_the_meeting(shop_db, domain, monkeypatch, tmp_path):
    reference = book_directly("Olivia Bennett", date_parser.isoparse(offer("tomorrow morning")[0]["start"]))
    monkeypatch.setenv("CALDAV_PASSWORD_OLIVIA", "whatever")
    url = f"http://127.0.0.1:{free_port()}/olivia/work/"
    calendars_file(tmp_path / "calendars.yml", {OLIVIA: (url, "olivia", "CALDAV_PASSWORD_OLIVIA")})
    monkeypatch.setenv("REP_CALENDARS", str(tmp_path / "calendars.yml"))
    dispatcher, _ = await run_action(ActionCancelMeeting(), domain, {"booking_ref": reference, "email": EMAIL})
    assert filled(dispatcher, "utter_calendar_unavailable_meeting_unchanged") == {"booking_ref": reference}
    assert [(b["reference"], b["status"]) for b in bookings()] == [(reference, "booked")]
