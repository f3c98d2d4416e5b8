"""Meetings with the sales team in the chat: the booking form, the free slots offered and the
one picked, booking with a signed calendar invite, and moving and cancelling a booking, on real
SQLite.

"Now" is fixed through actions.meetings.now_utc: Monday 2030-01-07 19:00 UTC is 14:00 in New York,
13:00 in Chicago and 11:00 in Los Angeles, so every sales team is at work (winter time: New York
is UTC-5, Chicago UTC-6, Los Angeles UTC-8, London UTC+0)."""

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from dateutil import parser as date_parser
from dateutil import tz
from icalendar import Calendar
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

import actions.meetings as meetings_actions
from actions.meetings import (
    ActionAskBookingConfirmed,
    ActionAskMeetingSlot,
    ActionBookMeeting,
    ActionCancelMeeting,
    ActionRescheduleMeeting,
    ValidateBookingForm,
    ValidateCancelBookingForm,
    ValidateRescheduleForm,
    chosen_option,
)
from shop import invites, meetings
from shop.db import session_scope
from shop.models import Booking, Rep
from tests.support.running import buttons_shown, run_action, run_form, unfilled
from tests.support.trackers import filled, make_tracker, responses, slot_events

UTC = timezone.utc
NEW_YORK = tz.gettz("America/New_York")
NOW = datetime(2030, 1, 7, 19, 0, tzinfo=UTC)  # Monday, 2 PM in New York
EMAIL = "ana.silva@example.com"
SECRET = "test-booking-link-secret"
BASE_URL = "https://shop.example"
MEETING_SLOTS = ["meeting_time", "meeting_options", "meeting_slot", "booking_confirmed"]


@pytest.fixture(autouse=True)
def meetings_env(monkeypatch):
    monkeypatch.setattr(meetings_actions, "now_utc", lambda: NOW)
    monkeypatch.setenv("BOOKING_LINK_SECRET", SECRET)
    monkeypatch.setenv("WEB_PUBLIC_URL", BASE_URL)


def at(moment: datetime, monkeypatch) -> None:
    monkeypatch.setattr(meetings_actions, "now_utc", lambda: moment)


# --------------------------------------------------------------------------- helpers


def rep_id(name: str) -> int:
    with session_scope() as session:
        return session.scalar(select(Rep.id).where(Rep.name == name))


def bookings() -> list[dict[str, Any]]:
    with session_scope() as session:
        return [
            {
                "reference": b.reference,
                "rep": b.rep.name,
                "start": b.starts_at.replace(tzinfo=UTC),
                "email": b.email,
                "timezone": b.customer_timezone,
                "status": b.status,
                "sender": b.sender_id,
            }
            for b in session.scalars(select(Booking).order_by(Booking.id))
        ]


def book_directly(rep: str, start: datetime, email: str = EMAIL, zone: str = "America/New_York") -> str:
    with session_scope() as session:
        return meetings.book(session, rep_id(rep), start, email, zone, sender_id="someone", now=NOW).reference


def in_working_hours(option: dict[str, Any], team: str) -> bool:
    """The option's rep is in `team` and works through the whole 30 minutes (weekdays 9-17 local)."""
    start = date_parser.isoparse(option["start"])
    with session_scope() as session:
        rep = session.get(Rep, option["rep_id"])
        if rep is None or rep.team != team or rep.name != option["rep"]:
            return False
        local = start.astimezone(tz.gettz(rep.timezone))
        hours = json.loads(rep.working_hours)
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[local.weekday()]
    if day not in hours:
        return False
    first, last = (datetime.strptime(v, "%H:%M").time() for v in hours[day])
    return first <= local.time() and (local + timedelta(minutes=30)).time() <= last


def offer(text: str, zone: str = "America/New_York", team: str | None = None) -> list[dict[str, Any]]:
    """The meeting options the booking form offers for `text`."""
    slots = {"customer_timezone": zone, "email": EMAIL, "sales_team": team}
    result = ValidateBookingForm().validate_meeting_time(
        text, CollectingDispatcher(), make_tracker(slots=slots, active_loop="booking_form"), {}
    )
    assert result.get("meeting_options"), f"nothing offered for {text!r}"
    return result["meeting_options"]


def starts(options: list[dict[str, Any]]) -> list[datetime]:
    return [date_parser.isoparse(o["start"]) for o in options]


# --------------------------------------------------------------------------- booking: zone and time


@pytest.fixture
def booking_form():
    return ValidateBookingForm()


@pytest.mark.parametrize(
    "answer, zone",
    [
        ("eastern", "America/New_York"),
        ("I'm on Pacific time", "America/Los_Angeles"),
        ("London", "Europe/London"),
        ("europe/berlin", "Europe/Berlin"),
    ],
)
async def test_validate_customer_timezone(shop_db, booking_form, domain, answer, zone):
    dispatcher, slots = await run_form(
        booking_form, domain, {"customer_timezone": answer}, slots={"email": EMAIL}, requested_slot="customer_timezone"
    )
    assert slots["customer_timezone"] == zone
    assert dispatcher.messages == []


async def test_unknown_timezone_is_asked_again(shop_db, booking_form, domain):
    dispatcher, slots = await run_form(
        booking_form,
        domain,
        {"customer_timezone": "narnia"},
        slots={"email": EMAIL},
        requested_slot="customer_timezone",
    )
    assert slots["customer_timezone"] is None
    assert responses(dispatcher) == ["utter_unknown_timezone"]


async def test_channel_metadata_prefills_the_timezone(shop_db, booking_form, domain):
    _, slots = await run_form(
        booking_form, domain, {"email": EMAIL}, requested_slot="email", metadata={"timezone": "Europe/London"}
    )
    assert slots["email"] == EMAIL
    assert slots["customer_timezone"] == "Europe/London"


@pytest.mark.parametrize("metadata", [{}, {"timezone": "Mars/Olympus"}])
async def test_no_or_unknown_metadata_zone_is_not_used(shop_db, booking_form, domain, metadata):
    _, slots = await run_form(booking_form, domain, {"email": EMAIL}, requested_slot="email", metadata=metadata)
    assert "customer_timezone" not in slots


async def test_metadata_does_not_override_the_customers_answer(shop_db, booking_form, domain):
    _, slots = await run_form(
        booking_form,
        domain,
        {"email": EMAIL},
        requested_slot="email",
        slots={"customer_timezone": "America/Chicago"},
        metadata={"timezone": "Europe/London"},
    )
    assert "customer_timezone" not in slots


async def test_tomorrow_morning_offers_free_slots(shop_db, booking_form, domain):
    dispatcher, slots = await run_form(
        booking_form,
        domain,
        {"meeting_time": "tomorrow morning"},
        slots={"email": EMAIL, "customer_timezone": "America/New_York"},
        requested_slot="meeting_time",
    )
    assert dispatcher.messages == []
    assert slots["meeting_time"] == "tomorrow morning"
    assert slots["meeting_slot"] is None
    options = slots["meeting_options"]
    assert 1 <= len(options) <= 3
    assert all(start > NOW + timedelta(minutes=30) for start in starts(options))
    assert all(in_working_hours(option, "smb") for option in options)
    # Tuesday morning in New York, the first free half hours: 9:00, 9:30, 10:00 EST.
    assert [s.astimezone(NEW_YORK).strftime("%a %H:%M") for s in starts(options)] == [
        "Tue 09:00",
        "Tue 09:30",
        "Tue 10:00",
    ]
    assert {o["rep"] for o in options} == {"Olivia Bennett"}
    assert all(o["start"].endswith("+00:00") for o in options)  # stored in UTC


async def test_slots_come_from_the_leads_team(shop_db, booking_form, domain):
    options = offer("tomorrow morning", team="wholesale")
    assert all(in_working_hours(option, "wholesale") for option in options)
    # Tom Gallagher starts at 9:00 in Chicago (10:00 in New York); Grace Liu at 10:00 in Los Angeles.
    assert starts(options)[0].astimezone(NEW_YORK).strftime("%a %H:%M") == "Tue 10:00"


async def test_a_booked_slot_is_not_offered(shop_db):
    taken = datetime(2030, 1, 8, 14, 0, tzinfo=UTC)  # Tuesday 9:00 in New York
    book_directly("Olivia Bennett", taken)
    options = offer("tomorrow morning")
    assert taken not in starts(options)
    assert len(options) == 3


async def test_unreadable_time_is_asked_again(shop_db, booking_form, domain):
    dispatcher, slots = await run_form(
        booking_form,
        domain,
        {"meeting_time": "blah"},
        slots={"email": EMAIL, "customer_timezone": "America/New_York"},
        requested_slot="meeting_time",
    )
    assert slots["meeting_time"] is None
    assert "meeting_options" not in slots
    assert responses(dispatcher) == ["utter_meeting_time_not_read"]


# --------------------------------------------------------------------------- booking: picking a slot


def booking_slots(options, **more) -> dict[str, Any]:
    return {
        "email": EMAIL,
        "customer_timezone": "America/New_York",
        "meeting_time": "tomorrow morning",
        "meeting_options": options,
        **more,
    }


async def pick(booking_form, domain, answer, options, **more):
    return await run_form(
        booking_form,
        domain,
        {"meeting_slot": answer},
        slots=booking_slots(options, **more),
        requested_slot="meeting_slot",
    )


async def test_pick_by_button_payload(shop_db, booking_form, domain):
    options = offer("tomorrow morning")
    dispatcher, slots = await pick(booking_form, domain, options[2]["start"], options)
    assert slots["meeting_slot"] == options[2]["start"]
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    "answer, index", [("the second one", 1), ("second", 1), ("the first one", 0), ("3", 2), ("last", 2)]
)
async def test_pick_by_position(shop_db, booking_form, domain, answer, index):
    options = offer("tomorrow morning")
    _, slots = await pick(booking_form, domain, answer, options)
    assert slots["meeting_slot"] == options[index]["start"]


@pytest.mark.parametrize("answer, index", [("9:30am", 1), ("10am please", 2), ("10:00", 2)])
async def test_pick_by_clock_time(shop_db, booking_form, domain, answer, index):
    options = offer("tomorrow morning")
    _, slots = await pick(booking_form, domain, answer, options)
    assert slots["meeting_slot"] == options[index]["start"]


async def test_pick_10_30am_when_offered(shop_db, booking_form, domain):
    options = offer("tomorrow at 10:30am")
    assert starts(options)[0] == datetime(2030, 1, 8, 15, 30, tzinfo=UTC)  # 10:30 EST
    _, slots = await pick(booking_form, domain, "10:30am", options[::-1])
    assert slots["meeting_slot"] == options[0]["start"]


async def test_clock_time_is_read_in_the_customers_zone(shop_db, booking_form, domain):
    # Nobody of smb works 9-12 in London (14:00 UTC at the earliest): the nearest times after it.
    options = offer("tomorrow morning", zone="Europe/London")
    assert starts(options)[0].astimezone(tz.gettz("Europe/London")).strftime("%H:%M") == "14:00"
    _, slots = await pick(booking_form, domain, "2pm", options, customer_timezone="Europe/London")
    assert slots["meeting_slot"] == options[0]["start"]


async def test_a_new_wish_offers_new_slots(shop_db, booking_form, domain):
    options = offer("tomorrow morning")
    dispatcher, slots = await pick(booking_form, domain, "what about thursday afternoon", options)
    assert dispatcher.messages == []
    assert slots["meeting_slot"] is None
    assert slots["meeting_time"] == "what about thursday afternoon"
    new = slots["meeting_options"]
    assert new != options and 1 <= len(new) <= 3
    for start in starts(new):
        local = start.astimezone(NEW_YORK)
        assert (local.date().isoformat(), local.hour >= 12) == ("2030-01-10", True)


async def test_a_new_day_with_a_clock_time_is_not_taken_for_an_offered_time(shop_db, booking_form, domain):
    options = offer("tomorrow morning")  # Tuesday 9:00, 9:30, 10:00
    _, slots = await pick(booking_form, domain, "what about thursday at 9:30am", options)
    assert slots["meeting_slot"] is None
    assert starts(slots["meeting_options"])[0] == datetime(2030, 1, 10, 14, 30, tzinfo=UTC)


async def test_nonsense_pick_is_asked_again(shop_db, booking_form, domain):
    options = offer("tomorrow morning")
    dispatcher, slots = await pick(booking_form, domain, "blah", options)
    assert slots["meeting_slot"] is None
    assert "meeting_options" not in slots  # the offer stands
    assert responses(dispatcher) == ["utter_meeting_time_not_read"]


def test_chosen_option_without_options_or_value():
    options = [{"start": "2030-01-08T14:00:00+00:00", "rep_id": 1, "rep": "Olivia Bennett"}]
    assert chosen_option("first", [], NEW_YORK) is None
    assert chosen_option(None, options, NEW_YORK) is None
    assert chosen_option("the third one", options, NEW_YORK) is None  # only one was offered
    assert chosen_option("9am", options, NEW_YORK) is options[0]
    assert chosen_option("9am", options, tz.gettz("Europe/London")) is None  # 9:00 EST is 2 PM in London


def test_chosen_option_ignores_a_clock_free_wish_at_local_midnight():
    # 10:00 in New York is midnight in Tokyo: "friday afternoon" names no time and picks nothing.
    options = [{"start": "2030-01-08T15:00:00+00:00", "rep_id": 1, "rep": "Olivia Bennett"}]
    tokyo = tz.gettz("Asia/Tokyo")
    assert chosen_option("12am", options, tokyo) is options[0]
    assert chosen_option("friday afternoon", options, tokyo) is None


def test_chosen_option_a_stale_button_is_not_read_as_a_clock_time():
    # An older offer's button (Tuesday 15:00 UTC) is not "3 PM" of the current offer.
    options = [{"start": "2030-01-10T20:00:00+00:00", "rep_id": 1, "rep": "Olivia Bennett"}]  # Thu 3 PM EST
    assert chosen_option("2030-01-08T15:00:00+00:00", options, NEW_YORK) is None
    assert chosen_option("2030-01-10T20:00:00+00:00", options, NEW_YORK) is options[0]


async def test_ask_meeting_slot_shows_one_button_per_option(shop_db, domain):
    options = offer("tomorrow morning")
    dispatcher, events = await run_action(ActionAskMeetingSlot(), domain, booking_slots(options))
    assert events == []
    assert responses(dispatcher) == ["utter_meeting_times_offered"]
    buttons = buttons_shown(dispatcher, domain)
    assert [b["title"] for b in buttons] == [
        "Tuesday 8 January, 9:00 AM EST with Olivia Bennett",
        "Tuesday 8 January, 9:30 AM EST with Olivia Bennett",
        "Tuesday 8 January, 10:00 AM EST with Olivia Bennett",
    ]
    for button, option in zip(buttons, options, strict=False):
        assert button["payload"] == f'/inform{{"meeting_slot": "{option["start"]}"}}'
        assert json.loads(button["payload"][len("/inform") :]) == {"meeting_slot": option["start"]}


async def test_ask_meeting_slot_in_the_customers_zone(shop_db, domain):
    options = offer("tomorrow morning")
    dispatcher, _ = await run_action(
        ActionAskMeetingSlot(), domain, booking_slots(options, customer_timezone="Europe/London")
    )
    assert buttons_shown(dispatcher, domain)[0]["title"] == "Tuesday 8 January, 2:00 PM GMT with Olivia Bennett"


async def test_ask_booking_confirmed(shop_db, domain):
    options = offer("tomorrow morning")
    dispatcher, _ = await run_action(
        ActionAskBookingConfirmed(), domain, booking_slots(options, meeting_slot=options[1]["start"])
    )
    assert filled(dispatcher, "utter_confirm_booking") == {
        "when": "Tuesday 8 January, 9:30 AM EST",
        "rep": "Olivia Bennett",
        "email": EMAIL,
    }
    assert [b["payload"] for b in buttons_shown(dispatcher, domain)] == ["/affirm", "/deny"]


@pytest.mark.parametrize("intent_value, expected", [(True, True), (False, False)])
async def test_validate_booking_confirmed(shop_db, booking_form, domain, intent_value, expected):
    options = offer("tomorrow morning")
    _, slots = await run_form(
        booking_form,
        domain,
        {"booking_confirmed": intent_value},
        slots=booking_slots(options, meeting_slot=options[0]["start"]),
        requested_slot="booking_confirmed",
    )
    assert slots["booking_confirmed"] is expected


# --------------------------------------------------------------------------- booking: the booking


INVITE_RE = re.compile(r"(https?://\S+/invites/(M\d+)\.ics\?t=\w+)")


async def book(domain, options, index=0, confirmed=True, sender_id="test-user"):
    slots = booking_slots(options, meeting_slot=options[index]["start"], booking_confirmed=confirmed)
    return await run_action(ActionBookMeeting(), domain, slots, sender_id=sender_id)


async def test_confirmed_booking_is_written_with_a_signed_invite(shop_db, domain):
    options = offer("tomorrow morning")
    dispatcher, events = await book(domain, options, index=1)
    rows = bookings()
    assert len(rows) == 1
    row = rows[0]
    assert row == {
        "reference": row["reference"],
        "rep": "Olivia Bennett",
        "start": datetime(2030, 1, 8, 14, 30, tzinfo=UTC),
        "email": EMAIL,
        "timezone": "America/New_York",
        "status": "booked",
        "sender": "test-user",
    }
    reference = row["reference"]
    assert re.fullmatch(r"M3\d{3}", reference)

    values = filled(dispatcher, "utter_meeting_booked")
    assert values == {
        "when": "Tuesday 8 January, 9:30 AM EST",
        "rep": "Olivia Bennett",
        "reference": reference,
        "invite_url": values["invite_url"],
    }
    assert unfilled(dispatcher, booking_slots(options)) == []
    url, linked = INVITE_RE.fullmatch(values["invite_url"]).groups()
    assert linked == reference
    assert url.startswith(f"{BASE_URL}/invites/")
    token = parse_qs(urlparse(url).query)["t"][0]
    assert invites.verify(reference, token)
    assert not invites.verify("M3999", token)

    custom = dispatcher.messages[0]["custom"]
    assert (custom["type"], custom["reference"]) == ("calendar_invite", reference)
    assert custom["ics"].startswith("BEGIN:VCALENDAR\r\n")
    calendar = Calendar.from_ical(custom["ics"])
    [event] = calendar.walk("VEVENT")
    assert (calendar["METHOD"], event["UID"], event["SEQUENCE"]) == ("REQUEST", f"{reference}@shop.example", 0)
    assert event.start == datetime(2030, 1, 8, 14, 30, tzinfo=UTC)
    assert (event["ATTENDEE"], event["ATTENDEE"].params["RSVP"]) == (f"mailto:{EMAIL}", "TRUE")

    slots = slot_events(events)
    assert slots == {**dict.fromkeys(MEETING_SLOTS), "booking_ref": reference, "csat_outcome": "booking"}
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "csat_form"}  # how did I do?


async def test_a_meeting_booked_in_the_chat_is_emailed_with_its_invite(shop_db, domain, monkeypatch):
    """From the chat to the inbox: the booking action's meeting reaches a real SMTP server
    (aiosmtpd) as the customer's confirmation with the same invite the chat showed."""
    from shop.db import session_factory
    from shop.integrations.worker import run_once
    from tests.support.receivers import SmtpServer

    with SmtpServer() as smtp:
        for name, value in smtp.env().items():
            monkeypatch.setenv(name, value)
        dispatcher, _ = await book(domain, offer("tomorrow morning"), index=1)
        assert sorted(run_once(session_factory(shop_db)).values()) == ["sent", "sent"]
    shown = dispatcher.messages[0]["custom"]
    [customer] = [m for m in smtp.messages if m["To"] == EMAIL]
    assert shown["reference"] in customer.get_body(("plain",)).get_content()
    [invite] = list(customer.iter_attachments())
    assert invite.get_content_type() == "text/calendar" and invite.get_param("method") == "REQUEST"
    assert invite.get_content() == shown["ics"]
    assert {m["To"] for m in smtp.messages} == {EMAIL, "olivia.bennett@shop.example"}


async def test_declined_booking_writes_nothing(shop_db, domain):
    options = offer("tomorrow morning")
    dispatcher, events = await book(domain, options, confirmed=False)
    assert bookings() == []
    assert responses(dispatcher) == ["utter_nothing_booked"]
    assert slot_events(events) == dict.fromkeys(MEETING_SLOTS)


async def test_booking_without_a_picked_option_writes_nothing(shop_db, domain):
    options = offer("tomorrow morning")
    slots = booking_slots(options, meeting_slot="2030-01-08T18:00:00+00:00", booking_confirmed=True)  # not offered
    dispatcher, events = await run_action(ActionBookMeeting(), domain, slots)
    assert bookings() == []
    assert responses(dispatcher) == ["utter_nothing_booked"]
    assert "booking_ref" not in slot_events(events)


async def test_slot_taken_in_the_meantime(shop_db, domain):
    options = offer("tomorrow morning")
    start = date_parser.isoparse(options[0]["start"])
    other = book_directly("Olivia Bennett", start, email="someone.else@example.com")
    dispatcher, events = await book(domain, options, index=0)
    assert responses(dispatcher) == ["utter_meeting_slot_taken_other_times"]
    rows = bookings()
    assert [(r["reference"], r["email"], r["start"]) for r in rows] == [(other, "someone.else@example.com", start)]
    assert_offered_again(events, "booking_form", taken=options[0])


def assert_offered_again(events, form: str, taken: dict[str, Any]) -> None:
    """The form reopened at the choice, with other free times than the one taken (that time
    may come again with another rep)."""
    slots = slot_events(events)
    assert "booking_ref" not in slots
    assert slots["meeting_slot"] is None and slots["booking_confirmed"] is None
    offered = [(o["start"], o["rep_id"]) for o in slots["meeting_options"]]
    assert offered and (taken["start"], taken["rep_id"]) not in offered
    assert {"event": "active_loop", "timestamp": None, "name": form} in events
    assert events[-1] == {"event": "followup", "timestamp": None, "name": form}


async def test_slot_taken_and_nothing_else_free_asks_for_another_time(shop_db, domain):
    options = offer("tomorrow morning")
    start = date_parser.isoparse(options[0]["start"])
    book_directly("Olivia Bennett", start, email="someone.else@example.com")
    slots = {**booking_slots(options, meeting_slot=options[0]["start"], booking_confirmed=True), "meeting_time": None}
    dispatcher, events = await run_action(ActionBookMeeting(), domain, slots)
    assert responses(dispatcher) == ["utter_meeting_slot_taken"]
    assert slot_events(events)["meeting_time"] is None and "booking_ref" not in slot_events(events)


async def test_booking_uses_the_actions_clock(shop_db, domain, monkeypatch):
    # The offer and the booking agree on "now": a slot offered at the fixed now can be booked.
    options = offer("tomorrow morning")
    at(datetime(2030, 1, 8, 13, 0, tzinfo=UTC), monkeypatch)  # later, still before 9:00 EST
    dispatcher, _ = await book(domain, options)
    assert len(bookings()) == 1
    at(datetime(2030, 1, 8, 14, 40, tzinfo=UTC), monkeypatch)  # 9:40 EST: 9:30 has passed
    dispatcher, events = await book(domain, options, index=1)
    assert responses(dispatcher) == ["utter_meeting_slot_taken_other_times"]
    assert len(bookings()) == 1
    assert_offered_again(events, "booking_form", taken=options[1])


# --------------------------------------------------------------------------- reschedule


@pytest.fixture
def reschedule_form():
    return ValidateRescheduleForm()


TUESDAY_10_EST = datetime(2030, 1, 8, 15, 0, tzinfo=UTC)


async def test_reschedule_with_the_wrong_email(shop_db, reschedule_form, domain):
    reference = book_directly("Rafael Ortiz", TUESDAY_10_EST)
    dispatcher, slots = await run_form(
        reschedule_form, domain, {"email": "bob@example.com"}, slots={"booking_ref": reference}, requested_slot="email"
    )
    assert slots["email"] is None
    assert filled(dispatcher, "utter_booking_not_found") == {"booking_ref": reference, "email": "bob@example.com"}
    assert "sales_team" not in slots


async def test_reschedule_with_the_right_email_searches_the_reps_team(shop_db, reschedule_form, domain):
    reference = book_directly("Rafael Ortiz", TUESDAY_10_EST)
    dispatcher, slots = await run_form(
        reschedule_form,
        domain,
        {"email": "Ana.Silva@example.com"},
        slots={"booking_ref": reference},
        requested_slot="email",
    )
    assert dispatcher.messages == []
    assert slots["email"] == EMAIL
    assert slots["sales_team"] == "enterprise"


async def test_reschedule_reference_and_email_in_one_message(shop_db, reschedule_form, domain):
    reference = book_directly("Rafael Ortiz", TUESDAY_10_EST)
    _, slots = await run_form(
        reschedule_form,
        domain,
        {"booking_ref": reference.replace("M", "m-"), "email": EMAIL},
        requested_slot="booking_ref",
    )
    assert (slots["booking_ref"], slots["sales_team"]) == (reference, "enterprise")


async def test_reschedule_a_cancelled_booking_is_refused(shop_db, reschedule_form, domain):
    reference = book_directly("Rafael Ortiz", TUESDAY_10_EST)
    with session_scope() as session:
        meetings.cancel_booking(session, meetings.find_booking(session, reference, EMAIL))
    dispatcher, slots = await run_form(
        reschedule_form, domain, {"email": EMAIL}, slots={"booking_ref": reference}, requested_slot="email"
    )
    assert slots["email"] is None
    assert responses(dispatcher) == ["utter_booking_not_found"]


async def test_malformed_booking_reference(shop_db, reschedule_form, domain):
    dispatcher, slots = await run_form(
        reschedule_form, domain, {"booking_ref": "my meeting"}, requested_slot="booking_ref"
    )
    assert slots["booking_ref"] is None
    assert responses(dispatcher) == ["utter_invalid_booking_ref"]


def reschedule_slots(reference, options, index, zone="America/New_York"):
    return {
        "booking_ref": reference,
        "email": EMAIL,
        "customer_timezone": zone,
        "sales_team": "enterprise",
        "meeting_time": "thursday morning",
        "meeting_options": options,
        "meeting_slot": options[index]["start"],
    }


async def test_reschedule_moves_the_meeting(shop_db, domain):
    reference = book_directly("Rafael Ortiz", TUESDAY_10_EST)
    options = offer("thursday at 1pm", team="enterprise")
    assert options[0]["rep"] == "Rafael Ortiz"  # Hannah Whitfield (London) has finished by then
    dispatcher, events = await run_action(ActionRescheduleMeeting(), domain, reschedule_slots(reference, options, 0))
    old, new = bookings()
    assert (old["reference"], old["status"]) == (reference, "cancelled")
    assert (new["status"], new["rep"], new["start"], new["email"]) == (
        "booked",
        "Rafael Ortiz",
        datetime(2030, 1, 10, 18, 0, tzinfo=UTC),
        EMAIL,
    )
    assert new["reference"] != reference
    values = filled(dispatcher, "utter_meeting_booked")
    assert {k: v for k, v in values.items() if k != "invite_url"} == {
        "when": "Thursday 10 January, 1:00 PM EST",
        "rep": "Rafael Ortiz",
        "reference": new["reference"],
    }
    assert invites.verify(new["reference"], parse_qs(urlparse(values["invite_url"]).query)["t"][0])
    assert dispatcher.messages[0]["custom"]["reference"] == new["reference"]  # the new invite goes with it
    assert slot_events(events) == {**dict.fromkeys(MEETING_SLOTS), "booking_ref": new["reference"]}


async def test_reschedule_to_a_time_offered_with_another_rep_of_the_team(shop_db, domain):
    # Booked with Rafael Ortiz (New York); 9:00 in London only Hannah Whitfield is working.
    reference = book_directly("Rafael Ortiz", TUESDAY_10_EST)
    options = offer("thursday at 9am", zone="Europe/London", team="enterprise")
    assert options[0]["rep"] == "Hannah Whitfield"
    dispatcher, _ = await run_action(
        ActionRescheduleMeeting(), domain, reschedule_slots(reference, options, 0, zone="Europe/London")
    )
    old, new = bookings()
    assert (old["status"], new["status"], new["rep"]) == ("cancelled", "booked", "Hannah Whitfield")
    assert new["start"] == datetime(2030, 1, 10, 9, 0, tzinfo=UTC)
    assert filled(dispatcher, "utter_meeting_booked")["rep"] == "Hannah Whitfield"


async def test_reschedule_to_a_taken_time_changes_nothing(shop_db, domain):
    reference = book_directly("Rafael Ortiz", TUESDAY_10_EST)
    options = offer("thursday at 1pm", team="enterprise")
    book_directly("Rafael Ortiz", date_parser.isoparse(options[0]["start"]), email="someone.else@example.com")
    dispatcher, events = await run_action(ActionRescheduleMeeting(), domain, reschedule_slots(reference, options, 0))
    assert responses(dispatcher) == ["utter_meeting_slot_taken_other_times"]
    assert next((b["reference"], b["status"]) for b in bookings()) == (reference, "booked")
    assert_offered_again(events, "reschedule_form", taken=options[0])


async def test_reschedule_with_the_wrong_email_changes_nothing(shop_db, domain):
    reference = book_directly("Rafael Ortiz", TUESDAY_10_EST)
    options = offer("thursday at 1pm", team="enterprise")
    slots = {**reschedule_slots(reference, options, 0), "email": "bob@example.com"}
    dispatcher, _ = await run_action(ActionRescheduleMeeting(), domain, slots)
    assert filled(dispatcher, "utter_booking_not_found") == {"booking_ref": reference, "email": "bob@example.com"}
    assert [(b["reference"], b["status"]) for b in bookings()] == [(reference, "booked")]


# --------------------------------------------------------------------------- cancel


async def test_cancel_form_checks_reference_and_email_format(shop_db, domain):
    form = ValidateCancelBookingForm()
    dispatcher, slots = await run_form(
        form, domain, {"booking_ref": "m3001", "email": "nope"}, requested_slot="booking_ref"
    )
    assert slots["booking_ref"] == "M3001"
    assert slots["email"] is None
    assert responses(dispatcher) == ["utter_invalid_email"]


async def test_cancel_needs_the_matching_email(shop_db, domain):
    reference = book_directly("Olivia Bennett", TUESDAY_10_EST)
    dispatcher, events = await run_action(
        ActionCancelMeeting(), domain, {"booking_ref": reference, "email": "bob@example.com"}
    )
    assert filled(dispatcher, "utter_booking_not_found") == {"booking_ref": reference, "email": "bob@example.com"}
    assert [b["status"] for b in bookings()] == ["booked"]
    assert slot_events(events) == {"booking_ref": None}


async def test_cancel_an_unknown_reference(shop_db, domain):
    book_directly("Olivia Bennett", TUESDAY_10_EST)
    dispatcher, _ = await run_action(ActionCancelMeeting(), domain, {"booking_ref": "M3999", "email": EMAIL})
    assert filled(dispatcher, "utter_booking_not_found") == {"booking_ref": "M3999", "email": EMAIL}
    assert [b["status"] for b in bookings()] == ["booked"]


async def test_cancel_the_meeting(shop_db, domain):
    reference = book_directly("Olivia Bennett", TUESDAY_10_EST)
    dispatcher, events = await run_action(
        ActionCancelMeeting(), domain, {"booking_ref": reference, "email": "ANA.SILVA@example.com"}
    )
    assert responses(dispatcher) == ["utter_meeting_cancelled"]
    assert filled(dispatcher, "utter_meeting_cancelled") == {"reference": reference}
    assert [b["status"] for b in bookings()] == ["cancelled"]
    assert slot_events(events) == {"booking_ref": None}
    # Cancelled once: a second time finds no live booking, and the slot can be booked again.
    dispatcher, _ = await run_action(ActionCancelMeeting(), domain, {"booking_ref": reference, "email": EMAIL})
    assert responses(dispatcher) == ["utter_booking_not_found"]
    assert TUESDAY_10_EST in starts(offer("tomorrow at 10am"))


# --------------------------------------------------------------------------- answers in any order


async def test_a_time_while_the_email_is_asked_is_kept_and_the_email_asked_again(shop_db, booking_form, domain):
    text = "thursday morning would be great"
    dispatcher, slots = await run_form(booking_form, domain, {"email": text}, requested_slot="email", text=text)
    assert slots["email"] is None  # not taken for the email, and no "doesn't look like an email"
    assert slots["meeting_time"] == text
    # The zone is not known yet: free times are looked up once it is.
    assert slots["meeting_options"] is None
    assert responses(dispatcher) == ["utter_noted_meeting_time"]
    assert dispatcher.messages[0]["when"] == "Thursday 10 January, morning"
    assert "utter_invalid_email" not in responses(dispatcher)


async def test_a_time_said_with_an_intent_rasa_does_not_map_is_kept_too(shop_db, booking_form, domain):
    # "book_meeting" is not mapped to the email by from_text: no candidate, yet the time is read.
    text = "can we meet next tuesday at 3pm"
    dispatcher, slots = await run_form(
        booking_form, domain, {}, requested_slot="email", text=text, intent="book_meeting"
    )
    assert slots["meeting_time"] == text
    assert "email" not in slots or slots["email"] is None
    assert dispatcher.messages[0]["when"] == "Tuesday 8 January at 3:00 PM"


async def test_the_wished_time_is_offered_once_the_zone_is_known(shop_db, booking_form, domain):
    dispatcher, slots = await run_form(
        booking_form,
        domain,
        {"customer_timezone": "eastern"},
        requested_slot="customer_timezone",
        slots={"email": EMAIL, "meeting_time": "tomorrow morning", "meeting_options": None},
        text="eastern",
    )
    assert slots["customer_timezone"] == "America/New_York"
    assert [s.astimezone(NEW_YORK).strftime("%a %H:%M") for s in starts(slots["meeting_options"])] == [
        "Tue 09:00",
        "Tue 09:30",
        "Tue 10:00",
    ]
    assert slots["meeting_slot"] is None
    assert dispatcher.messages == []


async def test_email_and_zone_in_one_answer(shop_db, booking_form, domain):
    text = f"{EMAIL}, and I'm on pacific time"
    dispatcher, slots = await run_form(booking_form, domain, {"email": text}, requested_slot="email", text=text)
    assert slots["email"] == EMAIL
    assert slots["customer_timezone"] == "America/Los_Angeles"
    assert responses(dispatcher) == ["utter_noted_customer_timezone"]


async def test_an_email_address_is_not_read_as_a_day(shop_db, booking_form, domain):
    text = "bob.friday@example.com"
    _, slots = await run_form(booking_form, domain, {"email": text}, requested_slot="email", text=text)
    assert slots["email"] == text
    assert "meeting_time" not in slots


async def test_an_answer_that_fits_nothing_is_still_the_asked_ones_to_refuse(shop_db, booking_form, domain):
    text = "hmm not sure"
    dispatcher, slots = await run_form(booking_form, domain, {"email": text}, requested_slot="email", text=text)
    assert slots["email"] is None
    assert responses(dispatcher) == ["utter_invalid_email"]


async def test_first_message_answers_are_kept_without_being_read_back(shop_db, booking_form, domain):
    text = "book a meeting friday afternoon"
    dispatcher, slots = await run_form(booking_form, domain, {}, text=text, intent="book_meeting")
    assert slots["meeting_time"] == text
    assert dispatcher.messages == []


async def test_cancel_form_takes_reference_and_email_in_one_message(shop_db, domain):
    reference = book_directly("Olivia Bennett", datetime(2030, 1, 8, 14, 0, tzinfo=UTC))
    text = f"it's {reference.lower()} and {EMAIL}"
    dispatcher, slots = await run_form(
        ValidateCancelBookingForm(), domain, {"booking_ref": text}, requested_slot="booking_ref", text=text
    )
    assert slots["booking_ref"] == reference
    assert slots["email"] == EMAIL
    assert responses(dispatcher) == ["utter_noted_email"]


async def test_reschedule_time_before_the_booking_is_checked_waits_for_it(shop_db, domain):
    reference = book_directly("Olivia Bennett", datetime(2030, 1, 8, 14, 0, tzinfo=UTC))
    form = ValidateRescheduleForm()
    text = "wednesday morning"
    dispatcher, slots = await run_form(form, domain, {"booking_ref": text}, requested_slot="booking_ref", text=text)
    assert slots["booking_ref"] is None and slots["meeting_time"] == text
    assert slots["meeting_options"] is None
    assert responses(dispatcher) == ["utter_noted_meeting_time"]
    # Reference, email and zone known: the wish is looked up in the rep's team.
    dispatcher, slots = await run_form(
        form,
        domain,
        {"customer_timezone": "eastern"},
        requested_slot="customer_timezone",
        text="eastern",
        slots={"booking_ref": reference, "email": EMAIL, "meeting_time": text, "meeting_options": None},
    )
    assert slots["sales_team"] == "smb"
    assert [s.astimezone(NEW_YORK).strftime("%a") for s in starts(slots["meeting_options"])] == ["Wed"] * 3
