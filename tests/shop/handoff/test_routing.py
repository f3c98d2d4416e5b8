"""Which team gets a handed-over chat, team hours, and the wait the customer is told."""

import copy
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from shop.db import session_scope
from shop.handoff.routing import (
    INBOX_CONFIG_PATH,
    Situation,
    choose_team,
    load_config,
    parse_config,
    team_back_at,
    team_named,
    team_open,
    topic_of,
    typical_wait_minutes,
)
from shop.models import Handoff

UTC = timezone.utc
MONDAY_NOON_NY = datetime(2030, 1, 7, 17, 0, tzinfo=UTC)  # 12:00 in New York
SATURDAY_NOON_NY = datetime(2030, 1, 12, 17, 0, tzinfo=UTC)
SUNDAY_NIGHT_NY = datetime(2030, 1, 14, 3, 0, tzinfo=UTC)  # Sunday 22:00 in New York


@pytest.fixture(scope="module")
def config():
    return load_config()


@pytest.fixture
def raw():
    with open(INBOX_CONFIG_PATH, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.mark.parametrize(
    "situation, team",
    [
        (Situation("refund_refused"), "billing"),
        (Situation("refund_refused", asked_for="sales"), "billing"),  # the first rule wins
        (Situation("hot_lead", asked_for="sales", lead_grade="hot"), "sales"),
        (Situation("talk_to_sales", asked_for="sales"), "sales"),
        (Situation("customer_asked", asked_for="billing"), "billing"),
        (Situation("customer_asked", asked_for="support", lead_grade="hot"), "support"),
        (Situation("customer_asked", lead_grade="warm"), "sales"),  # lead data routes to sales
        (Situation("customer_asked", lead_grade="cold"), "support"),
        (Situation("customer_asked", topic="refund"), "billing"),
        (Situation("misunderstood", topic="sales"), "sales"),
        (Situation("customer_asked", topic="orders"), "support"),
        (Situation("misunderstood"), "support"),  # default team
    ],
)
def test_the_first_rule_that_holds_picks_the_team(config, situation, team):
    assert choose_team(config, situation) == team


@pytest.mark.parametrize(
    "text, team",
    [
        ("can I talk to someone in sales", "sales"),
        ("I'd like a quote from a sales rep", "sales"),
        ("I was charged twice, get me billing", "billing"),
        ("I want my money back, let me talk to a human", "billing"),
        ("put me through to customer service", "support"),
        ("sales", "sales"),  # a button payload's entity
        ("let me talk to a human", None),
        ("wholesaler", None),  # whole words only
        (None, None),
    ],
)
def test_the_team_a_customer_names(config, text, team):
    assert team_named(config, text) == team


def test_topic_is_the_latest_intent_that_has_one(config):
    assert topic_of(config, ["greet", "refund", "product_info", "affirm"]) == "products"
    assert topic_of(config, ["sales_inquiry", "inform", "human_handoff"]) == "sales"
    assert topic_of(config, ["greet", "human_handoff"]) is None


def test_team_hours(config):
    assert team_open(config, "billing", MONDAY_NOON_NY)
    assert team_open(config, "support", SATURDAY_NOON_NY) and not team_open(config, "billing", SATURDAY_NOON_NY)
    assert not team_open(config, "support", SUNDAY_NIGHT_NY)
    # Sunday 22:00 in New York: support and billing are back on Monday morning, in New York time
    assert team_back_at(config, "support", SUNDAY_NIGHT_NY) == datetime(2030, 1, 14, 13, 0, tzinfo=UTC)
    assert team_back_at(config, "billing", SUNDAY_NIGHT_NY) == datetime(2030, 1, 14, 14, 0, tzinfo=UTC)
    assert team_back_at(config, "billing", MONDAY_NOON_NY) == MONDAY_NOON_NY


def test_config_mistakes_are_named(raw):
    bad = copy.deepcopy(raw)
    bad["routing"].append({"team": "marketing"})
    with pytest.raises(ValueError, match="unknown team"):
        parse_config(bad)
    bad = copy.deepcopy(raw)
    bad["teams"]["sales"]["assignment"] = "random"
    with pytest.raises(ValueError, match="assignment must be one of"):
        parse_config(bad)
    bad = copy.deepcopy(raw)
    bad["teams"]["billing"]["timezone"] = "Mars/Olympus"
    with pytest.raises(ValueError, match="unknown time zone"):
        parse_config(bad)
    bad = copy.deepcopy(raw)
    bad["routing"][0]["reasons"] = ["angry"]
    with pytest.raises(ValueError, match="unknown reasons"):
        parse_config(bad)
    bad = copy.deepcopy(raw)
    bad["agents"][0]["teams"] = ["legal"]
    with pytest.raises(ValueError, match="unknown team"):
        parse_config(bad)


def test_typical_wait_is_configured_until_measured(shop_db, config):
    start = datetime(2030, 1, 7, 17, 0)
    with session_scope() as session:
        assert typical_wait_minutes(session, config, "billing") == 5
        for number, minutes in enumerate([1, 2, 3, 9, 12]):
            session.add(
                Handoff(
                    sender_id=f"c{number}",
                    team="billing",
                    reason="customer_asked",
                    status="closed",
                    created_at=start,
                    first_reply_at=start + timedelta(minutes=minutes),
                )
            )
        session.add(
            Handoff(
                sender_id="other",
                team="sales",
                reason="customer_asked",
                status="closed",
                created_at=start,
                first_reply_at=start + timedelta(minutes=30),
            )
        )
        session.flush()
        assert typical_wait_minutes(session, config, "billing") == 3  # the median of five
        assert typical_wait_minutes(session, config, "sales") == 2  # not measured yet
