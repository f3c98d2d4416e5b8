"""The lead form and qualifying a lead in the chat: answers in any order, skipped questions,
the score, the team and the offer, on real SQLite.

"Now" is fixed through actions.leads.now_utc: Monday 2030-01-07 19:00 UTC is 14:00 in New York,
13:00 in Chicago and 11:00 in Los Angeles, so every sales team is at work (winter time: New York
is UTC-5, Chicago UTC-6, Los Angeles UTC-8, London UTC+0)."""

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

import actions.leads as leads_actions
from actions.handoff import ActionEmailFollowup
from actions.leads import ActionQualifyLead, ValidateLeadForm, lead_answers
from shop.db import session_scope
from shop.handoff import assignment
from shop.leads import TIMELINES
from shop.models import Agent, FollowUp, Lead
from tests.support.running import buttons_shown, run_action, run_form, unfilled
from tests.support.trackers import filled, make_tracker, responses, said, slot_events

UTC = timezone.utc
NOW = datetime(2030, 1, 7, 19, 0, tzinfo=UTC)  # Monday, 2 PM in New York
SATURDAY_NIGHT = datetime(2030, 1, 12, 23, 30, tzinfo=UTC)  # every team is off until Monday
EMAIL = "ana.silva@example.com"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(leads_actions, "now_utc", lambda: NOW)


def at(moment: datetime, monkeypatch) -> None:
    monkeypatch.setattr(leads_actions, "now_utc", lambda: moment)


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
    assert responses(dispatcher) == ["utter_invalid_company_size"]
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
    assert responses(dispatcher) == ["utter_invalid_timeline"]
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
    assert responses(dispatcher) == ["utter_invalid_budget"]
    assert slots["requested_slot"] == "budget"


async def test_role_is_asked_for_a_large_company_and_kept(shop_db, lead_form, domain):
    known = {"lead_need": "uniforms", "company_size": 300, "timeline": "now", "budget": 20000}
    _, slots = await run_form(lead_form, domain, {"role": "  Office   manager "}, slots=known, requested_slot="role")
    assert slots["role"] == "Office manager"
    assert "requested_slot" not in slots  # nothing skipped: Rasa's form asks the email next


async def test_short_need_is_asked_again(shop_db, lead_form, domain):
    dispatcher, slots = await run_form(lead_form, domain, {"lead_need": "x"}, requested_slot="lead_need")
    assert slots["lead_need"] is None
    assert responses(dispatcher) == ["utter_lead_need_too_short"]


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


@pytest.mark.parametrize("timeline", TIMELINES)
def test_each_timeline_is_read_back_in_its_own_words(lead_form, domain, timeline):
    assert lead_form.noted_response("timeline", timeline) == f"utter_noted_timeline_{timeline}"
    assert lead_form.noted_variables("timeline", timeline, None) == {}
    assert f"utter_noted_timeline_{timeline}" in domain["responses"]
    assert lead_form.noted_variables("timeline", "skipped", None) is None  # a skip is not read back


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
    # The team is at work (Grace Liu works 10-18 in Los Angeles: it is 11:00 there): no "back".
    assert responses(dispatcher) == ["utter_lead_meeting_offer"]
    assert filled(dispatcher, "utter_lead_meeting_offer") == {"team": "Wholesale and bulk orders"}
    assert unfilled(dispatcher, HOT) == []
    assert buttons_shown(dispatcher, domain) == [
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
    assert responses(dispatcher) == ["utter_lead_resource_offer"]
    assert filled(dispatcher, "utter_lead_resource_offer") == {
        "team": "Small business sales",
        "resource_title": "Corporate ordering guide",
        "resource_url": "https://shop.example/business/guide",
    }
    assert unfilled(dispatcher, COLD) == []
    assert buttons_shown(dispatcher, domain) == [
        {"title": "Yes, keep in touch", "payload": "/affirm"},
        {"title": "No thanks", "payload": "/deny"},
    ]


async def test_closed_team_says_when_it_is_back(shop_db, domain, monkeypatch):
    at(SATURDAY_NIGHT, monkeypatch)
    slots = {**WARM_SMB, "customer_timezone": "America/New_York"}
    dispatcher, events = await run_action(ActionQualifyLead(), domain, slots)
    assert slot_events(events) == {"sales_team": "smb", "lead_grade": "warm"}
    # Olivia Bennett starts at 9:00 in New York on Monday (14:00 UTC), before Marcus Reid in Chicago.
    assert responses(dispatcher) == ["utter_lead_meeting_offer_team_out"]
    assert filled(dispatcher, "utter_lead_meeting_offer_team_out") == {
        "team": "Small business sales",
        "back": "Monday 14 January, 9:00 AM EST",
    }
    assert unfilled(dispatcher, slots) == []
    assert buttons_shown(dispatcher, domain)[0] == {"title": "Book a meeting", "payload": "/affirm"}


async def test_closed_team_is_back_in_the_customers_zone(shop_db, domain, monkeypatch):
    at(SATURDAY_NIGHT, monkeypatch)
    dispatcher, _ = await run_action(ActionQualifyLead(), domain, {**WARM_SMB, "customer_timezone": "Europe/London"})
    assert filled(dispatcher, "utter_lead_meeting_offer_team_out")["back"] == "Monday 14 January, 2:00 PM GMT"


async def test_open_team_does_not_say_it_is_out(shop_db, domain):
    dispatcher, _ = await run_action(ActionQualifyLead(), domain, WARM_SMB)
    assert responses(dispatcher) == ["utter_lead_meeting_offer"]


def sales_agent_online(at):
    with session_scope() as session:
        olivia = session.scalar(select(Agent).where(Agent.email == "olivia.bennett@shop.example"))
        assignment.set_presence(session, olivia, at, online=True)


async def test_a_hot_lead_can_talk_to_sales_now_when_someone_is_online(shop_db, domain):
    sales_agent_online(NOW)
    dispatcher, _ = await run_action(ActionQualifyLead(), domain, HOT)
    assert responses(dispatcher) == ["utter_lead_live_offer_hot"]
    assert filled(dispatcher, "utter_lead_live_offer_hot") == {"team": "Wholesale and bulk orders"}
    assert buttons_shown(dispatcher, domain)[0] == {
        "title": "Talk to sales now",
        "payload": '/human_handoff{"handoff_team": "sales"}',
    }


async def test_a_warm_lead_gets_the_button_after_the_booking(shop_db, domain):
    sales_agent_online(NOW)
    dispatcher, _ = await run_action(ActionQualifyLead(), domain, WARM_SMB)
    assert responses(dispatcher) == ["utter_lead_live_offer"]
    titles = [b["title"] for b in buttons_shown(dispatcher, domain)]
    assert titles == ["Book a meeting", "Talk to sales now", "Email me instead"]


async def test_nobody_from_sales_online_means_no_live_offer(shop_db, domain):
    sales_agent_online(NOW - timedelta(hours=1))  # went quiet an hour ago
    dispatcher, _ = await run_action(ActionQualifyLead(), domain, HOT)
    assert responses(dispatcher) == ["utter_lead_meeting_offer"]
    assert [b["title"] for b in buttons_shown(dispatcher, domain)] == ["Book a meeting", "Email me instead"]


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


# --------------------------------------------------------------------------- answers in any order


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
    assert responses(dispatcher) == ["utter_noted_timeline_quarter", "utter_noted_budget"]
    assert filled(dispatcher, "utter_noted_budget") == {"budget": "$20,000"}
    assert unfilled(dispatcher) == []


async def test_a_bare_number_out_of_turn_is_not_a_team_size(shop_db, lead_form, domain):
    text = "30"
    dispatcher, slots = await run_form(
        lead_form, domain, {"timeline": text}, slots={"lead_need": "uniforms"}, requested_slot="timeline", text=text
    )
    assert "company_size" not in slots
    assert slots["timeline"] is None
    assert responses(dispatcher) == ["utter_invalid_timeline"]  # the timeline's own re-ask


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


async def test_a_qualified_lead_reaches_a_signed_webhook_with_its_visit(shop_db, domain, monkeypatch):
    """From the chat: the customer came from a campaign; action_qualify_lead stores the lead,
    and the worker's pass delivers it, signed, to the shop's receiver with answers and UTM tags."""
    from shop.db import session_factory
    from shop.integrations.worker import run_once
    from tests.support.receivers import WebhookReceiver
    from tests.support.trackers import action_event, make_tracker, user_event

    with WebhookReceiver("whsec-chat") as receiver:
        monkeypatch.setenv("WEBHOOK_URL", receiver.url)
        monkeypatch.setenv("WEBHOOK_SECRET", "whsec-chat")
        came_from = {"path": "/tees", "utm_source": "google", "utm_medium": "cpc", "utm_campaign": "bulk-tees"}
        first = {**user_event("hi there", "greet"), "metadata": came_from}
        history = [action_event("action_listen"), first, action_event("action_listen"), user_event("yes")]
        tracker = make_tracker(slots=HOT, events=history)
        await ActionQualifyLead().run(CollectingDispatcher(), tracker, domain)
        assert list(run_once(session_factory(shop_db)).values()) == ["sent"]
        [call] = receiver.calls
    assert call["verified"]
    body = call["json"]
    assert body["event"] == "lead.created"
    assert body["data"]["lead"]["grade"] == "hot" and body["data"]["lead"]["team"] == "wholesale"
    assert body["data"]["lead"]["answers"]["need"] == HOT["lead_need"]
    visit = body["data"]["visit"]
    assert (visit["utm_source"], visit["utm_medium"], visit["utm_campaign"]) == ("google", "cpc", "bulk-tees")
    assert visit["path"] == "/tees" and visit["landing"] == "/tees"
