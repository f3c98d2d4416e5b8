"""Sales in the chat: the lead form, qualifying and routing a lead, and booking, moving and
cancelling meetings with the sales team, on real SQLite.

"Now" is fixed through actions.sales.now_utc: Monday 2030-01-07 19:00 UTC is 14:00 in New York,
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
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

import actions.sales as sales
from actions.handoff import ActionEmailFollowup
from actions.sales import (
    ActionAskBookingConfirmed,
    ActionAskMeetingSlot,
    ActionBookMeeting,
    ActionCancelMeeting,
    ActionQualifyLead,
    ActionRescheduleMeeting,
    ValidateBookingForm,
    ValidateCancelBookingForm,
    ValidateLeadForm,
    ValidateRescheduleForm,
    chosen_option,
    lead_answers,
)
from shop import invites, meetings
from shop.db import session_scope
from shop.handoff import assignment
from shop.models import Agent, Booking, FollowUp, Lead, Rep
from tests.support.trackers import buttons_of, form_tracker, make_tracker, responses, said, slot_events

UTC = timezone.utc
NEW_YORK = tz.gettz("America/New_York")
NOW = datetime(2030, 1, 7, 19, 0, tzinfo=UTC)  # Monday, 2 PM in New York
SATURDAY_NIGHT = datetime(2030, 1, 12, 23, 30, tzinfo=UTC)  # every team is off until Monday
EMAIL = "ana.silva@example.com"
SECRET = "test-booking-link-secret"
BASE_URL = "https://shop.example"
MEETING_SLOTS = ["meeting_time", "meeting_options", "meeting_slot", "booking_confirmed"]


@pytest.fixture(autouse=True)
def sales_env(monkeypatch):
    monkeypatch.setattr(sales, "now_utc", lambda: NOW)
    monkeypatch.setenv("BOOKING_LINK_SECRET", SECRET)
    monkeypatch.setenv("WEB_PUBLIC_URL", BASE_URL)


def at(moment: datetime, monkeypatch) -> None:
    monkeypatch.setattr(sales, "now_utc", lambda: moment)


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


async def run_form(
    form, domain, new_slots, *, slots=None, requested_slot=None, text=None, intent="inform", metadata=None
):
    dispatcher = CollectingDispatcher()
    tracker = form_tracker(
        form.form_name(), new_slots, slots=slots, requested_slot=requested_slot, text=text, intent=intent
    )
    if metadata is not None:
        tracker.latest_message["metadata"] = metadata
    events = await form.run(dispatcher, tracker, domain)
    return dispatcher, slot_events(events)


async def run_action(action, domain, slots, sender_id="test-user"):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, make_tracker(slots=slots, sender_id=sender_id), domain)
    return dispatcher, events


# --------------------------------------------------------------------------- lead form


@pytest.fixture
def lead_form():
    return ValidateLeadForm()


async def required(form, domain, slots) -> list[str]:
    domain_slots = form.domain_slots(domain)
    return await form.required_slots(domain_slots, CollectingDispatcher(), make_tracker(slots=slots), domain)


def test_lead_form_asks_everything_in_the_domain(domain):
    assert ValidateLeadForm().domain_slots(domain) == [
        "lead_need",
        "company_size",
        "timeline",
        "budget",
        "role",
        "email",
    ]


@pytest.mark.parametrize(
    "slots, expected",
    [
        # A small company without bulk words: neither budget nor role.
        (
            {"lead_need": "polo shirts for the office", "company_size": 12},
            ["lead_need", "company_size", "timeline", "email"],
        ),
        ({"lead_need": "polo shirts", "company_size": 49}, ["lead_need", "company_size", "timeline", "email"]),
        # 50 people or more: budget; the role from 200.
        (
            {"lead_need": "polo shirts", "company_size": 50},
            ["lead_need", "company_size", "timeline", "budget", "email"],
        ),
        (
            {"lead_need": "polo shirts", "company_size": 199},
            ["lead_need", "company_size", "timeline", "budget", "email"],
        ),
        (
            {"lead_need": "polo shirts", "company_size": 200},
            ["lead_need", "company_size", "timeline", "budget", "role", "email"],
        ),
        # A bulk need asks the budget whatever the size.
        (
            {"lead_need": "Bulk order of hoodies", "company_size": 5},
            ["lead_need", "company_size", "timeline", "budget", "email"],
        ),
        (
            {"lead_need": "stock for my retail store", "company_size": "skipped"},
            ["lead_need", "company_size", "timeline", "budget", "email"],
        ),
        # Nothing known yet, or a size that was skipped: the short form.
        ({}, ["lead_need", "company_size", "timeline", "email"]),
        ({"lead_need": "shirts", "company_size": "skipped"}, ["lead_need", "company_size", "timeline", "email"]),
    ],
)
async def test_required_slots_depend_on_size_and_need(lead_form, domain, slots, expected):
    assert await required(lead_form, domain, slots) == expected


async def test_sales_inquiry_prefills_need_and_size(shop_db, lead_form, domain):
    text = "we need uniforms for about 40 staff"
    dispatcher, slots = await run_form(lead_form, domain, {}, text=text, intent="sales_inquiry")
    assert slots["lead_need"] == text
    assert slots["company_size"] == 40
    # Neither is asked again; 40 people and no bulk words: no budget or role either.
    assert slots["requested_slot"] == "timeline"
    assert dispatcher.messages == []


async def test_sales_inquiry_without_a_headcount_prefills_only_the_need(shop_db, lead_form, domain):
    text = "do you do branded hoodies for 2025?"
    _, slots = await run_form(lead_form, domain, {}, text=text, intent="sales_inquiry")
    assert slots["lead_need"] == text
    assert "company_size" not in slots  # "2025" is not a number of people
    assert slots["requested_slot"] == "company_size"


async def test_a_large_company_in_the_first_message_asks_budget_and_role(shop_db, lead_form, domain):
    _, slots = await run_form(lead_form, domain, {}, text="workwear for 350 employees", intent="sales_inquiry")
    assert slots["company_size"] == 350
    assert await required(lead_form, domain, {"lead_need": slots["lead_need"], "company_size": 350}) == [
        "lead_need",
        "company_size",
        "timeline",
        "budget",
        "role",
        "email",
    ]
    # Nothing skipped: rasa_sdk leaves choosing the next slot (timeline) to Rasa's form.
    assert "requested_slot" not in slots


@pytest.mark.parametrize("text, intent", [("/sales_inquiry", "sales_inquiry"), ("uniforms for 40 staff", "greet")])
async def test_no_prefill_from_a_button_or_another_intent(shop_db, lead_form, domain, text, intent):
    _, slots = await run_form(lead_form, domain, {}, text=text, intent=intent)
    assert "lead_need" not in slots and "company_size" not in slots
    assert slots["requested_slot"] == "lead_need"


async def test_answers_given_earlier_are_not_overwritten(shop_db, lead_form, domain):
    # The form is running (requested_slot is set): the message is an answer, not a first message.
    _, slots = await run_form(
        lead_form,
        domain,
        {"timeline": "next month"},
        slots={"lead_need": "event merch", "company_size": 30},
        requested_slot="timeline",
        text="next month",
        intent="sales_inquiry",
    )
    assert slots["timeline"] == "quarter"
    assert "lead_need" not in slots and "company_size" not in slots
    assert slots["requested_slot"] == "email"


@pytest.mark.parametrize(
    "answer, expected",
    [("about 200 people", 200), ("a team of 12", 12), ("10-50", 50), ("just me", 1), ("skipped", "skipped")],
)
async def test_validate_company_size(shop_db, lead_form, domain, answer, expected):
    dispatcher, slots = await run_form(
        lead_form, domain, {"company_size": answer}, slots={"lead_need": "uniforms"}, requested_slot="company_size"
    )
    assert slots["company_size"] == expected
    assert dispatcher.messages == []
    if expected == 200:  # nothing is skipped: rasa_sdk leaves the next question (timeline) to Rasa
        assert "requested_slot" not in slots
    else:
        assert slots["requested_slot"] == "timeline"


@pytest.mark.parametrize("answer", ["lots of folks", "-5", "2.5"])
async def test_company_size_that_is_not_a_number_is_asked_again(shop_db, lead_form, domain, answer):
    dispatcher, slots = await run_form(
        lead_form, domain, {"company_size": answer}, slots={"lead_need": "uniforms"}, requested_slot="company_size"
    )
    assert slots["company_size"] is None
    assert said(dispatcher) == "A rough number of people is enough, like 10, 50 or 500."
    assert slots["requested_slot"] == "company_size"


def test_validate_company_size_directly(lead_form):
    dispatcher = CollectingDispatcher()
    assert lead_form.validate_company_size("about 200 people", dispatcher, None, {}) == {"company_size": 200}
    assert lead_form.validate_company_size("skipped", dispatcher, None, {}) == {"company_size": "skipped"}
    assert lead_form.validate_company_size(75, dispatcher, None, {}) == {"company_size": 75}
    assert dispatcher.messages == []
    assert lead_form.validate_company_size("blue", dispatcher, None, {}) == {"company_size": None}
    assert len(dispatcher.messages) == 1


@pytest.mark.parametrize(
    "answer, expected",
    [
        ("asap", "now"),
        ("in 2 weeks", "now"),
        ("next quarter", "quarter"),
        ("next year", "later"),
        ("not sure", "unknown"),
        ("skipped", "skipped"),
    ],
)
async def test_validate_timeline(shop_db, lead_form, domain, answer, expected):
    dispatcher, slots = await run_form(
        lead_form,
        domain,
        {"timeline": answer},
        slots={"lead_need": "uniforms", "company_size": 20},
        requested_slot="timeline",
    )
    assert slots["timeline"] == expected
    assert dispatcher.messages == []
    assert slots["requested_slot"] == "email"


async def test_unreadable_timeline_is_asked_again(shop_db, lead_form, domain):
    dispatcher, slots = await run_form(
        lead_form,
        domain,
        {"timeline": "purple"},
        slots={"lead_need": "uniforms", "company_size": 20},
        requested_slot="timeline",
    )
    assert slots["timeline"] is None
    assert "within a month" in said(dispatcher)
    assert slots["requested_slot"] == "timeline"


@pytest.mark.parametrize(
    "answer, expected",
    [
        ("5k", 5000),
        ("$20,000", 20000),
        ("around 2.5k", 2500),
        ("no budget yet", "skipped"),
        ("not sure", "skipped"),
        ("skipped", "skipped"),
    ],
)
async def test_validate_budget(shop_db, lead_form, domain, answer, expected):
    dispatcher, slots = await run_form(
        lead_form,
        domain,
        {"budget": answer},
        slots={"lead_need": "uniforms", "company_size": 60, "timeline": "now"},
        requested_slot="budget",
    )
    assert slots["budget"] == expected
    assert dispatcher.messages == []
    assert slots["requested_slot"] == "email"  # 60 people: the role is not asked


async def test_unreadable_budget_is_asked_again(shop_db, lead_form, domain):
    dispatcher, slots = await run_form(
        lead_form,
        domain,
        {"budget": "a lot"},
        slots={"lead_need": "bulk tees", "company_size": 10, "timeline": "now"},
        requested_slot="budget",
    )
    assert slots["budget"] is None
    assert "5k or 20,000" in said(dispatcher)
    assert slots["requested_slot"] == "budget"


async def test_role_is_asked_for_a_large_company_and_kept(shop_db, lead_form, domain):
    known = {"lead_need": "uniforms", "company_size": 300, "timeline": "now", "budget": 20000}
    _, slots = await run_form(lead_form, domain, {"role": "  Office   manager "}, slots=known, requested_slot="role")
    assert slots["role"] == "Office manager"
    assert "requested_slot" not in slots  # nothing skipped: Rasa's form asks the email next


async def test_short_need_is_asked_again(shop_db, lead_form, domain):
    dispatcher, slots = await run_form(lead_form, domain, {"lead_need": "x"}, requested_slot="lead_need")
    assert slots["lead_need"] is None
    assert "in a few words" in said(dispatcher)


async def test_validate_email_bad_then_good(shop_db, lead_form, domain):
    known = {"lead_need": "uniforms", "company_size": 20, "timeline": "now"}
    dispatcher, slots = await run_form(
        lead_form, domain, {"email": "ana at example"}, slots=known, requested_slot="email"
    )
    assert slots["email"] is None
    assert responses(dispatcher) == ["utter_invalid_email"]
    assert slots["requested_slot"] == "email"

    dispatcher, slots = await run_form(
        lead_form, domain, {"email": "it's Ana.Silva@Example.com"}, slots=known, requested_slot="email"
    )
    assert slots["email"] == EMAIL
    assert dispatcher.messages == []
    assert slots["requested_slot"] is None  # the form is complete


def test_lead_answers_treat_skipped_as_unknown():
    answers = lead_answers(
        {
            "lead_need": "bulk tees",
            "company_size": "skipped",
            "timeline": "now",
            "budget": "skipped",
            "role": None,
            "email": EMAIL,
            "product": "Linen Shirt",
        }
    )
    assert answers == {
        "need": "bulk tees",
        "company_size": None,
        "timeline": "now",
        "budget": None,
        "role": None,
        "email": EMAIL,
    }


# --------------------------------------------------------------------------- qualifying


HOT = {
    "lead_need": "bulk order of branded tees",
    "company_size": 300,
    "timeline": "now",
    "budget": 20000,
    "role": "owner",
    "email": EMAIL,
}
WARM_SMB = {"lead_need": "uniforms for our cafe staff", "company_size": 40, "timeline": "now", "email": EMAIL}
COLD = {
    "lead_need": "a gift idea",
    "company_size": 3,
    "timeline": "next year",
    "budget": "skipped",
    "role": "skipped",
    "email": None,
}


def stored_lead(sender_id: str = "test-user") -> dict[str, Any] | None:
    with session_scope() as session:
        lead = session.scalar(select(Lead).where(Lead.sender_id == sender_id))
        return (
            None
            if lead is None
            else {
                "grade": lead.grade,
                "team": lead.team,
                "score": lead.score,
                "need": lead.need,
                "company_size": lead.company_size,
                "budget": lead.budget,
                "role": lead.role,
                "email": lead.email,
                "timeline": lead.timeline,
            }
        )


async def test_hot_lead_is_saved_routed_and_offered_a_meeting(shop_db, domain):
    dispatcher, events = await run_action(ActionQualifyLead(), domain, HOT)
    lead = stored_lead()
    assert lead == {
        "grade": "hot",
        "team": "wholesale",
        "score": 100,
        "need": HOT["lead_need"],
        "company_size": 300,
        "budget": "20000",
        "role": "owner",
        "email": EMAIL,
        "timeline": "now",
    }
    assert slot_events(events) == {"sales_team": "wholesale", "lead_grade": "hot"}
    text = said(dispatcher)
    assert "Our Wholesale and bulk orders team is the right one" in text
    assert "30-minute meeting" in text
    assert "out right now" not in text  # Grace Liu works 10-18 in Los Angeles: it is 11:00 there
    assert buttons_of(dispatcher) == [
        {"title": "Book a meeting", "payload": "/affirm"},
        {"title": "Email me instead", "payload": "/deny"},
    ]


async def test_a_large_company_goes_to_enterprise(shop_db, domain):
    slots = {**HOT, "lead_need": "uniforms for the office"}
    _, events = await run_action(ActionQualifyLead(), domain, slots)
    assert slot_events(events)["sales_team"] == "enterprise"
    assert stored_lead()["team"] == "enterprise"


async def test_qualifying_again_updates_the_same_lead(shop_db, domain):
    await run_action(ActionQualifyLead(), domain, COLD)
    await run_action(ActionQualifyLead(), domain, HOT)
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 1
    assert stored_lead()["grade"] == "hot"


async def test_cold_lead_gets_the_resource(shop_db, domain):
    dispatcher, events = await run_action(ActionQualifyLead(), domain, COLD)
    assert slot_events(events) == {"sales_team": "smb", "lead_grade": "cold"}
    lead = stored_lead()
    assert (lead["grade"], lead["team"], lead["budget"], lead["role"]) == ("cold", "smb", None, None)
    text = said(dispatcher)
    assert "Corporate ordering guide (https://shop.example/business/guide)" in text
    assert "Small business sales team keep in touch" in text
    assert buttons_of(dispatcher) == [
        {"title": "Yes, keep in touch", "payload": "/affirm"},
        {"title": "No thanks", "payload": "/deny"},
    ]


async def test_closed_team_says_when_it_is_back(shop_db, domain, monkeypatch):
    at(SATURDAY_NIGHT, monkeypatch)
    dispatcher, events = await run_action(
        ActionQualifyLead(), domain, {**WARM_SMB, "customer_timezone": "America/New_York"}
    )
    assert slot_events(events) == {"sales_team": "smb", "lead_grade": "warm"}
    # Olivia Bennett starts at 9:00 in New York on Monday (14:00 UTC), before Marcus Reid in Chicago.
    assert "The team is out right now and back Monday 14 January, 9:00 AM EST." in said(dispatcher)
    assert buttons_of(dispatcher)[0] == {"title": "Book a meeting", "payload": "/affirm"}


async def test_closed_team_is_back_in_the_customers_zone(shop_db, domain, monkeypatch):
    at(SATURDAY_NIGHT, monkeypatch)
    dispatcher, _ = await run_action(ActionQualifyLead(), domain, {**WARM_SMB, "customer_timezone": "Europe/London"})
    assert "back Monday 14 January, 2:00 PM GMT." in said(dispatcher)


async def test_open_team_does_not_say_it_is_out(shop_db, domain):
    dispatcher, _ = await run_action(ActionQualifyLead(), domain, WARM_SMB)
    assert "out right now" not in said(dispatcher)


def sales_agent_online(at):
    with session_scope() as session:
        olivia = session.scalar(select(Agent).where(Agent.email == "olivia.bennett@shop.example"))
        assignment.set_presence(session, olivia, at, online=True)


async def test_a_hot_lead_can_talk_to_sales_now_when_someone_is_online(shop_db, domain):
    sales_agent_online(NOW)
    dispatcher, _ = await run_action(ActionQualifyLead(), domain, HOT)
    assert buttons_of(dispatcher)[0] == {
        "title": "Talk to sales now",
        "payload": '/human_handoff{"handoff_team": "sales"}',
    }
    assert "Someone from sales is online now" in said(dispatcher)


async def test_a_warm_lead_gets_the_button_after_the_booking(shop_db, domain):
    sales_agent_online(NOW)
    dispatcher, _ = await run_action(ActionQualifyLead(), domain, WARM_SMB)
    assert [b["title"] for b in buttons_of(dispatcher)] == ["Book a meeting", "Talk to sales now", "Email me instead"]


async def test_nobody_from_sales_online_means_no_live_offer(shop_db, domain):
    sales_agent_online(NOW - timedelta(hours=1))  # went quiet an hour ago
    dispatcher, _ = await run_action(ActionQualifyLead(), domain, HOT)
    assert [b["title"] for b in buttons_of(dispatcher)] == ["Book a meeting", "Email me instead"]


async def test_email_followup_records_a_request(shop_db, domain):
    dispatcher, events = await run_action(ActionEmailFollowup(), domain, WARM_SMB)
    assert events == []
    with session_scope() as session:
        request = session.scalar(select(FollowUp))
        assert (request.sender_id, request.email, request.team, request.reason) == (
            "test-user",
            EMAIL,
            "sales",
            "email_follow_up",
        )
        assert json.loads(request.summary)["lead"]["need"] == "uniforms for our cafe staff"
        reference = f"F{request.id:04d}"
    assert f"our Sales team will email you at {EMAIL} (reference {reference})" in said(dispatcher)


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
    assert "I don't know that time zone" in said(dispatcher)


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
    assert "couldn't read a day or time" in said(dispatcher)


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
    assert "couldn't read a day or time" in said(dispatcher)


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
    assert "Which suits you?" in said(dispatcher)
    buttons = buttons_of(dispatcher)
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
    assert buttons_of(dispatcher)[0]["title"] == "Tuesday 8 January, 2:00 PM GMT with Olivia Bennett"


async def test_ask_booking_confirmed(shop_db, domain):
    options = offer("tomorrow morning")
    dispatcher, _ = await run_action(
        ActionAskBookingConfirmed(), domain, booking_slots(options, meeting_slot=options[1]["start"])
    )
    assert said(dispatcher) == (
        f"Shall I book Tuesday 8 January, 9:30 AM EST with Olivia Bennett? The invitation goes to {EMAIL}."
    )
    assert [b["payload"] for b in buttons_of(dispatcher)] == ["/affirm", "/deny"]


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

    text = dispatcher.messages[0]["text"]
    assert text.startswith(f"Booked: Tuesday 8 January, 9:30 AM EST with Olivia Bennett (reference {reference}).")
    url, linked = INVITE_RE.search(text).groups()
    assert linked == reference
    assert url.startswith(f"{BASE_URL}/invites/")
    token = parse_qs(urlparse(url).query)["t"][0]
    assert invites.verify(reference, token)
    assert not invites.verify("M3999", token)

    custom = dispatcher.messages[0]["custom"]
    assert (custom["type"], custom["reference"]) == ("calendar_invite", reference)
    assert custom["ics"].startswith("BEGIN:VCALENDAR\r\n")
    assert "DTSTART:20300108T143000Z" in custom["ics"]
    unfolded = custom["ics"].replace("\r\n ", "")
    assert f"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{EMAIL}" in unfolded
    assert f"UID:{reference}@" in unfolded

    slots = slot_events(events)
    assert slots == {**dict.fromkeys(MEETING_SLOTS), "booking_ref": reference}


async def test_declined_booking_writes_nothing(shop_db, domain):
    options = offer("tomorrow morning")
    dispatcher, events = await book(domain, options, confirmed=False)
    assert bookings() == []
    assert "nothing was booked" in said(dispatcher)
    assert slot_events(events) == dict.fromkeys(MEETING_SLOTS)


async def test_booking_without_a_picked_option_writes_nothing(shop_db, domain):
    options = offer("tomorrow morning")
    slots = booking_slots(options, meeting_slot="2030-01-08T18:00:00+00:00", booking_confirmed=True)  # not offered
    dispatcher, events = await run_action(ActionBookMeeting(), domain, slots)
    assert bookings() == []
    assert "nothing was booked" in said(dispatcher)
    assert "booking_ref" not in slot_events(events)


async def test_slot_taken_in_the_meantime(shop_db, domain):
    options = offer("tomorrow morning")
    start = date_parser.isoparse(options[0]["start"])
    other = book_directly("Olivia Bennett", start, email="someone.else@example.com")
    dispatcher, events = await book(domain, options, index=0)
    assert said(dispatcher) == "Sorry, someone just took that time. When else would suit you?"
    rows = bookings()
    assert [(r["reference"], r["email"], r["start"]) for r in rows] == [(other, "someone.else@example.com", start)]
    slots = slot_events(events)
    assert "booking_ref" not in slots
    assert slots["meeting_time"] is None and slots["meeting_slot"] is None  # ask for another time


async def test_booking_uses_the_actions_clock(shop_db, domain, monkeypatch):
    # The offer and the booking agree on "now": a slot offered at the fixed now can be booked.
    options = offer("tomorrow morning")
    at(datetime(2030, 1, 8, 13, 0, tzinfo=UTC), monkeypatch)  # later, still before 9:00 EST
    dispatcher, _ = await book(domain, options)
    assert len(bookings()) == 1
    at(datetime(2030, 1, 8, 14, 40, tzinfo=UTC), monkeypatch)  # 9:40 EST: 9:30 has passed
    dispatcher, _ = await book(domain, options, index=1)
    assert "someone just took that time" in said(dispatcher)
    assert len(bookings()) == 1


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
    assert f"I couldn't find a live booking {reference} for bob@example.com" in said(dispatcher)
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
    assert "couldn't find a live booking" in said(dispatcher)


async def test_malformed_booking_reference(shop_db, reschedule_form, domain):
    dispatcher, slots = await run_form(
        reschedule_form, domain, {"booking_ref": "my meeting"}, requested_slot="booking_ref"
    )
    assert slots["booking_ref"] is None
    assert "look like M3001" in said(dispatcher)


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
    text = said(dispatcher)
    assert f"Booked: Thursday 10 January, 1:00 PM EST with Rafael Ortiz (reference {new['reference']})" in text
    assert invites.verify(new["reference"], parse_qs(urlparse(INVITE_RE.search(text).group(1)).query)["t"][0])
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
    assert "with Hannah Whitfield" in said(dispatcher)


async def test_reschedule_to_a_taken_time_changes_nothing(shop_db, domain):
    reference = book_directly("Rafael Ortiz", TUESDAY_10_EST)
    options = offer("thursday at 1pm", team="enterprise")
    book_directly("Rafael Ortiz", date_parser.isoparse(options[0]["start"]), email="someone.else@example.com")
    dispatcher, events = await run_action(ActionRescheduleMeeting(), domain, reschedule_slots(reference, options, 0))
    assert "your meeting is unchanged" in said(dispatcher)
    assert next((b["reference"], b["status"]) for b in bookings()) == (reference, "booked")
    assert "booking_ref" not in slot_events(events)


async def test_reschedule_with_the_wrong_email_changes_nothing(shop_db, domain):
    reference = book_directly("Rafael Ortiz", TUESDAY_10_EST)
    options = offer("thursday at 1pm", team="enterprise")
    slots = {**reschedule_slots(reference, options, 0), "email": "bob@example.com"}
    dispatcher, _ = await run_action(ActionRescheduleMeeting(), domain, slots)
    assert "couldn't find a live booking" in said(dispatcher)
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
    assert f"I couldn't find a live booking {reference} for bob@example.com" in said(dispatcher)
    assert [b["status"] for b in bookings()] == ["booked"]
    assert slot_events(events) == {"booking_ref": None}


async def test_cancel_an_unknown_reference(shop_db, domain):
    book_directly("Olivia Bennett", TUESDAY_10_EST)
    dispatcher, _ = await run_action(ActionCancelMeeting(), domain, {"booking_ref": "M3999", "email": EMAIL})
    assert "couldn't find a live booking M3999" in said(dispatcher)
    assert [b["status"] for b in bookings()] == ["booked"]


async def test_cancel_the_meeting(shop_db, domain):
    reference = book_directly("Olivia Bennett", TUESDAY_10_EST)
    dispatcher, events = await run_action(
        ActionCancelMeeting(), domain, {"booking_ref": reference, "email": "ANA.SILVA@example.com"}
    )
    assert said(dispatcher) == f"Your meeting {reference} is cancelled. Anything else I can help with?"
    assert [b["status"] for b in bookings()] == ["cancelled"]
    assert slot_events(events) == {"booking_ref": None}
    # Cancelled once: a second time finds no live booking, and the slot can be booked again.
    dispatcher, _ = await run_action(ActionCancelMeeting(), domain, {"booking_ref": reference, "email": EMAIL})
    assert "couldn't find a live booking" in said(dispatcher)
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


async def test_a_goal_while_the_team_size_is_asked_is_kept_and_the_size_asked_again(shop_db, lead_form, domain):
    text = "we want to handle support chats on our website"
    # Taken for a request for the support team: no slot mapping, so no candidate from Rasa.
    dispatcher, slots = await run_form(
        lead_form,
        domain,
        {},
        slots={"lead_need": "do you do business plans?"},
        requested_slot="company_size",
        text=text,
        intent="human_handoff",
    )
    assert slots["lead_need"] == f"do you do business plans?; {text}"
    assert slots.get("company_size") is None
    assert slots["requested_slot"] == "company_size"
    assert responses(dispatcher) == ["utter_noted_lead_need"]
    # The next answer fills the size.
    dispatcher, slots = await run_form(
        lead_form,
        domain,
        {"company_size": "around 30 of us"},
        slots={"lead_need": text},
        requested_slot="company_size",
        text="around 30 of us",
    )
    assert slots["company_size"] == 30
    assert slots["requested_slot"] == "timeline"
    assert dispatcher.messages == []


async def test_a_team_size_while_the_timeline_is_asked(shop_db, lead_form, domain):
    text = "we are a team of 30"
    dispatcher, slots = await run_form(
        lead_form, domain, {"timeline": text}, slots={"lead_need": "uniforms"}, requested_slot="timeline", text=text
    )
    assert slots["company_size"] == 30
    assert slots["timeline"] is None  # not "unknown_timeline" with a complaint: asked again
    assert slots["requested_slot"] == "timeline"
    assert responses(dispatcher) == ["utter_noted_company_size"]
    assert dispatcher.messages[0]["company_size"] == 30


async def test_timeline_and_budget_while_the_size_is_asked(shop_db, lead_form, domain):
    text = "about 60 people, budget around $20k, and we need it next month"
    dispatcher, slots = await run_form(
        lead_form,
        domain,
        {"company_size": text},
        slots={"lead_need": "uniforms"},
        requested_slot="company_size",
        text=text,
    )
    assert (slots["company_size"], slots["timeline"], slots["budget"]) == (60, "quarter", 20000)
    assert slots["requested_slot"] == "email"
    assert responses(dispatcher) == ["utter_noted_timeline", "utter_noted_budget"]
    assert dispatcher.messages[0]["timeline_words"] == "in the next few months"
    assert dispatcher.messages[1]["budget"] == "$20,000"


async def test_a_bare_number_out_of_turn_is_not_a_team_size(shop_db, lead_form, domain):
    text = "30"
    dispatcher, slots = await run_form(
        lead_form, domain, {"timeline": text}, slots={"lead_need": "uniforms"}, requested_slot="timeline", text=text
    )
    assert "company_size" not in slots
    assert slots["timeline"] is None
    assert "within a month" in said(dispatcher)  # the timeline's own re-ask


async def test_a_request_for_a_person_is_no_answer(shop_db, lead_form, domain):
    text = "I want to talk to a human"
    dispatcher, slots = await run_form(
        lead_form,
        domain,
        {},
        slots={"lead_need": "uniforms"},
        requested_slot="company_size",
        text=text,
        intent="human_handoff",
    )
    assert {k: v for k, v in slots.items() if k != "requested_slot"} == {}
    assert dispatcher.messages == []  # Rasa's form rejects, and the handoff rule answers


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
