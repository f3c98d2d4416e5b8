"""action_human_handoff and the email follow-up, on real SQLite with the seeded agents."""

import json
from datetime import datetime, timezone

import pytest
import yaml
from rasa_sdk.events import ActiveLoop, ConversationPaused, SlotSet
from sqlalchemy import select

import actions.handoff as handoff_module
from actions.handoff import ActionEmailFollowup, ActionHumanHandoff
from shop.db import session_scope
from shop.handoff import assignment
from shop.handoff.routing import INBOX_CONFIG_PATH
from shop.models import Agent, FollowUp, Handoff
from tests.support.trackers import action_event, buttons_of, entity, filled, make_tracker, responses, said, user_event

MONDAY_NOON_NY = datetime(2030, 1, 7, 17, 0, tzinfo=timezone.utc)
SUNDAY_NIGHT_NY = datetime(2030, 1, 14, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def at(monkeypatch):
    def set_now(moment):
        monkeypatch.setattr(handoff_module, "now_utc", lambda: moment)

    set_now(MONDAY_NOON_NY)
    return set_now


def online(email):
    with session_scope() as session:
        agent = session.scalar(select(Agent).where(Agent.email == email))
        assignment.set_presence(session, agent, MONDAY_NOON_NY, online=True)


def handoffs():
    with session_scope() as session:
        return [
            (h.sender_id, h.team, h.reason, h.status, h.agent.name if h.agent else None, json.loads(h.context))
            for h in session.scalars(select(Handoff).order_by(Handoff.id))
        ]


def history(*pairs):
    events = []
    for text, intent, actions in pairs:
        events += [action_event("action_listen"), user_event(text, intent)] + [action_event(a) for a in actions]
    return events


async def run(tracker, dispatcher, domain):
    return await ActionHumanHandoff().run(dispatcher, tracker, domain)


async def test_in_hours_the_chat_is_queued_with_its_context_and_the_bot_pauses(shop_db, dispatcher, domain, at):
    online("ben@shop.example")
    events = history(
        ("do you have the trail runner in 10?", "check_stock", ["action_check_stock"]),
        ("let me talk to a human", "human_handoff", []),
    )
    tracker = make_tracker(
        sender_id="web-7",
        intent="human_handoff",
        text="let me talk to a human",
        events=events,
        slots={"product": "Trail Runner", "size": "10", "email": "jo@example.com"},
    )
    result = await run(tracker, dispatcher, domain)

    assert result == [SlotSet("handoff_team", "support"), ConversationPaused()]
    [(sender, team, reason, status, agent, context)] = handoffs()
    assert (sender, team, reason, status, agent) == ("web-7", "support", "customer_asked", "assigned", "Ben Carter")
    assert context["slots"] == {"Product": "Trail Runner", "Size": "10"}
    assert context["contact"]["email"] == "jo@example.com"
    assert context["intents"] == ["check_stock", "human_handoff"]
    assert [line["text"] for line in context["transcript"]] == [
        "do you have the trail runner in 10?",
        "let me talk to a human",
    ]
    assert responses(dispatcher) == ["utter_handed_over_to_agent"]
    assert filled(dispatcher, "utter_handed_over_to_agent") == {
        "agent_name": "Ben",
        "team": "Customer support",
        "reference": "H0001",
        "wait": "3 minutes",
    }
    assert "{" not in said(dispatcher)  # every placeholder filled
    assert dispatcher.messages[0]["custom"] == {"handoff": {"status": "waiting", "team": "Customer support"}}


async def test_nobody_online_still_queues(shop_db, dispatcher, domain, at):
    await run(make_tracker(intent="human_handoff", text="agent please"), dispatcher, domain)
    assert handoffs()[0][3:5] == ("queued", None)
    assert responses(dispatcher) == ["utter_handed_over_to_team"]
    assert filled(dispatcher, "utter_handed_over_to_team") == {
        "team": "Customer support",
        "reference": "H0001",
        "wait": "3 minutes",
    }
    assert "{" not in said(dispatcher)


async def test_a_one_minute_wait_reads_in_the_singular(shop_db, dispatcher, domain, at, tmp_path, monkeypatch):
    config = yaml.safe_load(INBOX_CONFIG_PATH.read_text(encoding="utf-8"))
    config["teams"]["support"]["typical_wait_minutes"] = 1
    (tmp_path / "inbox.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    monkeypatch.setenv("INBOX_CONFIG", str(tmp_path / "inbox.yml"))
    await run(make_tracker(intent="human_handoff", text="agent please"), dispatcher, domain)
    assert filled(dispatcher, "utter_handed_over_to_team")["wait"] == "1 minute"


async def test_asking_again_keeps_the_one_open_conversation(shop_db, dispatcher, domain, at):
    await run(make_tracker(sender_id="web-8", intent="human_handoff", text="human"), dispatcher, domain)
    dispatcher.messages.clear()
    result = await run(
        make_tracker(sender_id="web-8", intent="human_handoff", text="talk to billing"), dispatcher, domain
    )
    assert len(handoffs()) == 1 and ConversationPaused() in result
    assert responses(dispatcher) == ["utter_already_handed_over"]
    assert filled(dispatcher, "utter_already_handed_over") == {"team": "Customer support", "reference": "H0001"}
    assert dispatcher.messages[0]["custom"] == {"handoff": {"status": "waiting", "team": "Customer support"}}


@pytest.mark.parametrize(
    "events, intent, text, slots, team, reason",
    [
        (history(("it broke", "refund", ["action_submit_refund"])), "affirm", "yes", {}, "billing", "refund_refused"),
        (
            history(("blorp", "nlu_fallback", ["action_handle_misunderstanding"])),
            "affirm",
            "yes",
            {},
            "support",
            "misunderstood",
        ),
        (
            history(("x", "sales_inquiry", ["action_qualify_lead"])),
            "human_handoff",
            "/human_handoff",
            {"lead_grade": "hot"},
            "sales",
            "hot_lead",
        ),
        (
            history(("hi", "greet", ["utter_greet"])),
            "human_handoff",
            "can I talk to someone in sales",
            {},
            "sales",
            "talk_to_sales",
        ),
        (
            history(("where is my order", "order_status", ["action_order_status"])),
            "human_handoff",
            "human please",
            {"lead_grade": "warm"},
            "sales",
            "customer_asked",
        ),
        # an offer of a person long ago is not why the customer asks now
        (
            history(
                ("blorp", "nlu_fallback", ["action_handle_misunderstanding"]),
                ("a", "product_info", ["action_product_info"]),
                ("b", "check_stock", ["action_check_stock"]),
                ("c", "delivery_estimate", ["action_delivery_estimate"]),
            ),
            "human_handoff",
            "human",
            {},
            "support",
            "customer_asked",
        ),
    ],
)
async def test_reason_and_team(shop_db, dispatcher, domain, at, events, intent, text, slots, team, reason):
    entities = [entity("handoff_team", "sales")] if text == "/human_handoff" else []
    tracker = make_tracker(
        intent=intent,
        text=text,
        entities=entities,
        slots=slots,
        events=events + [action_event("action_listen"), user_event(text, intent, entities)],
    )
    await run(tracker, dispatcher, domain)
    assert handoffs()[0][1:3] == (team, reason)


async def test_a_team_from_a_payload_must_be_one_of_ours(shop_db, dispatcher, domain, at):
    tracker = make_tracker(
        intent="human_handoff", text='/human_handoff{"handoff_team": "evil"}', entities=[entity("handoff_team", "evil")]
    )
    await run(tracker, dispatcher, domain)
    assert handoffs()[0][1] == "support"


async def test_a_form_in_progress_is_stopped(shop_db, dispatcher, domain, at):
    tracker = make_tracker(intent="human_handoff", text="human", active_loop="refund_form", slots={"order_id": "A1004"})
    result = await run(tracker, dispatcher, domain)
    assert result[:2] == [ActiveLoop(None), SlotSet("requested_slot", None)]
    assert handoffs()[0][5]["slots"] == {"Order": "A1004"}


async def test_out_of_hours_says_when_the_team_is_back_and_offers_instead(shop_db, dispatcher, domain, at):
    at(SUNDAY_NIGHT_NY)
    result = await run(make_tracker(intent="human_handoff", text="talk to billing"), dispatcher, domain)
    assert result == [SlotSet("handoff_team", "billing")] and handoffs() == []  # not queued, not paused
    assert responses(dispatcher) == ["utter_team_offline_back_at"]
    assert filled(dispatcher, "utter_team_offline_back_at") == {
        "team": "Billing",
        "back_at": "Monday 14 January, 9:00 AM EST",
    }
    assert [b["payload"] for b in buttons_of(dispatcher)] == ["/request_followup"]


async def test_out_of_hours_sales_also_offers_a_call_in_the_customers_zone(shop_db, dispatcher, domain, at):
    at(SUNDAY_NIGHT_NY)
    tracker = make_tracker(intent="human_handoff", text="talk to sales", slots={"customer_timezone": "Europe/London"})
    await run(tracker, dispatcher, domain)
    assert responses(dispatcher) == ["utter_sales_offline_back_at"]
    assert filled(dispatcher, "utter_sales_offline_back_at") == {
        "team": "Sales",
        "back_at": "Monday 14 January, 1:00 PM GMT",
    }
    assert [b["payload"] for b in buttons_of(dispatcher)] == ["/book_meeting", "/request_followup"]


@pytest.mark.parametrize("team, response", [("billing", "utter_team_offline"), ("sales", "utter_sales_offline")])
async def test_a_team_with_no_hours_ahead_is_away_for_now(
    shop_db, dispatcher, domain, at, tmp_path, monkeypatch, team, response
):
    config = yaml.safe_load(INBOX_CONFIG_PATH.read_text(encoding="utf-8"))
    config["teams"][team]["hours"] = {}
    (tmp_path / "inbox.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    monkeypatch.setenv("INBOX_CONFIG", str(tmp_path / "inbox.yml"))
    result = await run(make_tracker(intent="human_handoff", text=f"talk to {team}"), dispatcher, domain)
    assert result == [SlotSet("handoff_team", team)] and handoffs() == []
    assert responses(dispatcher) == [response]
    assert filled(dispatcher, response) == {"team": config["teams"][team]["name"]}
    assert "{" not in said(dispatcher)


async def test_email_follow_up_goes_to_the_routed_team(shop_db, dispatcher, domain):
    tracker = make_tracker(
        sender_id="web-9",
        intent="inform",
        text="jo@example.com",
        slots={"email": "jo@example.com", "handoff_team": "billing", "order_id": "A1004"},
    )
    assert await ActionEmailFollowup().run(dispatcher, tracker, domain) == []
    with session_scope() as session:
        follow_up = session.scalar(select(FollowUp))
        assert (follow_up.sender_id, follow_up.team, follow_up.email) == ("web-9", "billing", "jo@example.com")
        assert json.loads(follow_up.summary)["slots"] == {"Order": "A1004"}
    assert responses(dispatcher) == ["utter_follow_up_requested"]
    assert filled(dispatcher, "utter_follow_up_requested") == {
        "team": "Billing",
        "email": "jo@example.com",
        "reference": "F0001",
    }


async def test_a_forged_team_slot_falls_back_to_sales(shop_db, dispatcher, domain):
    tracker = make_tracker(slots={"email": "jo@example.com", "handoff_team": "evil"})
    await ActionEmailFollowup().run(dispatcher, tracker, domain)
    with session_scope() as session:
        assert session.scalar(select(FollowUp)).team == "sales"
