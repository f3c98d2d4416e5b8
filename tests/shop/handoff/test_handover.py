"""Handing a conversation over as one call, with the time passed in: routed, queued with its
context packet (or the open one kept), or the team away and when it is back; the email
follow-up instead. On real SQLite with the seeded agents and seed/inbox.yml."""

import copy
import json
from datetime import datetime, timezone

import pytest
import yaml
from sqlalchemy import select

from shop.db import session_scope
from shop.handoff import assignment
from shop.handoff.handover import (
    ALREADY_HANDED_OVER,
    HANDED_OVER,
    TEAM_AWAY,
    Conversation,
    hand_over,
    request_follow_up,
    situation_of,
)
from shop.handoff.routing import INBOX_CONFIG_PATH, load_config, parse_config
from shop.models import Agent, FollowUp, Handoff, Lead
from tests.support.trackers import action_event, user_event

MONDAY_NOON_NY = datetime(2030, 1, 7, 17, 0, tzinfo=timezone.utc)
SUNDAY_NIGHT_NY = datetime(2030, 1, 14, 3, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def config():
    return load_config()


def online(email):
    with session_scope() as session:
        agent = session.scalar(select(Agent).where(Agent.email == email))
        assignment.set_presence(session, agent, MONDAY_NOON_NY, online=True)


def asking(text, sender_id="web-1", intent="human_handoff", **fields):
    events = [action_event("action_listen"), user_event(text, intent)]
    return Conversation(sender_id=sender_id, events=fields.pop("events", events), text=text, **fields)


def handed_over(conversation, now=MONDAY_NOON_NY, config=None):
    with session_scope() as session:
        return hand_over(session, conversation, now, config)


def stored():
    with session_scope() as session:
        return [(h.sender_id, h.team, h.status, json.loads(h.context)) for h in session.scalars(select(Handoff))]


def test_in_hours_the_conversation_is_queued_and_assigned_to_an_online_agent(shop_db):
    online("ben@shop.example")
    handover = handed_over(asking("let me talk to a human", slots={"product": "Trail Runner"}, channel="socketio"))

    assert handover.outcome == HANDED_OVER
    assert (handover.team, handover.team_name, handover.reference) == ("support", "Customer support", "H0001")
    assert (handover.agent, handover.agent_first_name, handover.wait_minutes) == ("Ben Carter", "Ben", 3)
    assert handover.back_at is None
    [(sender, team, status, packet)] = stored()
    assert (sender, team, status) == ("web-1", "support", "assigned")
    assert (packet["reason"], packet["channel"], packet["slots"]) == (
        "customer_asked",
        "socketio",
        {"Product": "Trail Runner"},
    )


def test_nobody_online_leaves_it_in_the_queue(shop_db):
    handover = handed_over(asking("agent please"))
    assert (handover.outcome, handover.agent, handover.agent_first_name) == (HANDED_OVER, None, None)
    assert stored()[0][2] == "queued"


def test_asking_again_keeps_the_open_handoff_and_its_team(shop_db):
    handed_over(asking("human", sender_id="web-8"))
    again = handed_over(asking("talk to billing", sender_id="web-8"))
    assert again.outcome == ALREADY_HANDED_OVER
    # routing chose billing this time; the conversation stays with the support team it is with
    assert (again.team, again.team_name, again.reference) == ("billing", "Customer support", "H0001")
    assert len(stored()) == 1


def test_out_of_hours_nothing_is_queued_and_the_team_is_back_at_its_next_opening(shop_db):
    handover = handed_over(asking("talk to billing"), now=SUNDAY_NIGHT_NY)
    assert (handover.outcome, handover.team, handover.team_name) == (TEAM_AWAY, "billing", "Billing")
    assert handover.back_at == datetime(2030, 1, 14, 14, 0, tzinfo=timezone.utc)  # Monday 9:00 in New York
    assert handover.reference is None and stored() == []


def test_a_team_without_hours_in_the_next_two_weeks_is_away_with_no_time_to_give(shop_db):
    raw = copy.deepcopy(yaml.safe_load(INBOX_CONFIG_PATH.read_text(encoding="utf-8")))
    raw["teams"]["billing"]["hours"] = {}
    handover = handed_over(asking("talk to billing"), config=parse_config(raw))
    assert (handover.outcome, handover.team, handover.back_at) == (TEAM_AWAY, "billing", None)


def test_the_packet_has_the_saved_lead_and_the_name_the_channel_passed(shop_db):
    with session_scope() as session:
        session.add(Lead(sender_id="web-5", need="uniforms", company_size=40, score=80, grade="hot", team="sales"))
    message = {**user_event("talk to sales", "human_handoff"), "metadata": {"name": "Jo Park"}}
    handed_over(asking("talk to sales", sender_id="web-5", events=[action_event("action_listen"), message]))
    [(_, team, _, packet)] = stored()
    assert team == "sales"
    assert packet["lead"] == {"need": "uniforms", "company_size": 40, "score": 80, "grade": "hot", "team": "sales"}
    assert packet["contact"]["name"] == "Jo Park"


@pytest.mark.parametrize(
    "actions, text, slots, entity, reason, asked_for",
    [
        (["action_submit_refund"], "yes", {}, None, "refund_refused", None),
        (["action_handle_misunderstanding"], "yes", {}, None, "misunderstood", None),
        ([], "/human_handoff", {"lead_grade": "hot"}, "sales", "hot_lead", "sales"),
        ([], "can I talk to someone in sales", {}, None, "talk_to_sales", "sales"),
        ([], "human please", {"lead_grade": "warm"}, None, "customer_asked", None),
        ([], "human", {}, "evil", "customer_asked", None),  # a team in a payload must be ours
    ],
)
def test_why_and_which_team_the_customer_asked_for(config, actions, text, slots, entity, reason, asked_for):
    events = [action_event("action_listen"), user_event("earlier", "inform"), *map(action_event, actions)]
    conversation = Conversation("web-1", events=events, slots=slots, text=text, team_entity=entity)
    situation = situation_of(config, conversation)
    assert (situation.reason, situation.asked_for) == (reason, asked_for)


def test_an_email_follow_up_goes_to_the_routed_team_else_sales(shop_db):
    with session_scope() as session:
        routed = request_follow_up(session, Conversation("web-9", slots={"handoff_team": "billing"}), "jo@example.com")
        forged = request_follow_up(session, Conversation("web-10", slots={"handoff_team": "evil"}), None)
    assert (routed.reference, routed.team, routed.team_name) == ("F0001", "billing", "Billing")
    assert (forged.reference, forged.team, forged.team_name) == ("F0002", "sales", "Sales")
    with session_scope() as session:
        first = session.scalar(select(FollowUp).where(FollowUp.sender_id == "web-9"))
        assert (first.team, first.reason, first.email) == ("billing", "email_follow_up", "jo@example.com")
        assert json.loads(first.summary)["reason"] == "follow_up"
