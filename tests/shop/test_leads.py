"""Lead qualification: the parsers, every scoring rule, the grade boundaries, routing order,
the rule files, and keeping a lead."""

import copy
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from shop.db import session_scope
from shop.handoff import assignment
from shop.leads import (
    TEAMS,
    LeadScore,
    Qualified,
    Route,
    grade_for,
    load_routing,
    load_scoring,
    parse_budget,
    parse_company_size,
    parse_timeline,
    qualify_lead,
    route_lead,
    save_lead,
    score_lead,
)
from shop.models import Agent, Lead

# Fixed rules, so these tests say what each rule does whatever seed/lead_scoring.yml is tuned to.
RULES = {
    "company_size": [
        {"min": 500, "points": 30},
        {"min": 50, "points": 20},
        {"min": 10, "points": 10},
        {"min": 1, "points": 0},
    ],
    "timeline": {"now": 30, "quarter": 15, "later": 0, "unknown": 5},
    "budget": [{"min": 20000, "points": 25}, {"min": 5000, "points": 15}, {"min": 1, "points": 5}],
    "need_keywords": {"points": 10, "words": ["uniform", "uniforms", "wholesale", "staff", "event"]},
    "role_keywords": {"points": 10, "words": ["owner", "head", "manager", "buyer"]},
    "email_given": 5,
    "grades": {"hot": 60, "warm": 30, "cold": 0},
}
NOTHING = {"need": None, "company_size": None, "timeline": None, "budget": None, "role": None, "email": None}
ROUTING = {
    "rules": [
        {"team": "wholesale", "need_mentions": ["wholesale", "resell", "retail", "bulk"]},
        {"team": "enterprise", "company_size_at_least": 200},
    ],
    "default_team": "smb",
    "offer_by_grade": {"hot": "meeting", "warm": "meeting", "cold": "resource"},
    "resources": {
        "smb": {"title": "Corporate ordering guide", "url": "https://shop.example/business/guide"},
        "enterprise": {"title": "Enterprise programs", "url": "https://shop.example/business/ent"},
        "wholesale": {"title": "Wholesale terms", "url": "https://shop.example/business/wholesale"},
    },
}
TODAY = date(2024, 4, 10)  # in Q2; summer starts in June, two months on


def rules_with(**changes):
    rules = copy.deepcopy(RULES)
    rules.update(changes)
    return rules


# --------------------------------------------------------------------------- parsers


@pytest.mark.parametrize(
    "raw, value, error",
    [
        ("50", 50, None),
        ("about 200 people", 200, None),
        ("a team of 12", 12, None),
        ("12 employees", 12, None),
        ("we're 3 stores with 120 staff", 120, None),  # the number of people, not of stores
        ("50 polos for our team of about 20", 20, None),
        ("just me", 1, None),
        ("Only me", 1, None),
        ("10-50", 50, None),  # a range counts by its upper end
        ("between 10 and 50 employees", 50, None),
        ("a few hundred", 300, None),
        ("a couple hundred", 200, None),
        ("thousands", 1000, None),
        ("twelve", 12, None),
        ("a dozen", 12, None),
        ("1,200", 1200, None),
        ("2.5k people", 2500, None),
        ("50+", 50, None),
        (40, 40, None),
        ("1000000", 1_000_000, None),
        ("1000001", None, "too_many"),
        ("9" * 400, None, "too_many"),
        ("0", None, "not_positive"),
        ("-5", None, "not_positive"),
        ("2.5", None, "not_a_number"),
        ("a big company", None, "not_a_number"),
        (True, None, "not_a_number"),
        (float("nan"), None, "not_a_number"),
        ("", None, "missing"),
        (None, None, "missing"),
    ],
)
def test_parse_company_size(raw, value, error):
    parsed = parse_company_size(raw)
    assert (parsed.value, parsed.error) == (value, error)


@pytest.mark.parametrize(
    "raw, value, error",
    [
        # now: within a month
        ("asap", "now", None),
        ("This week", "now", None),
        ("this month", "now", None),
        ("right away", "now", None),
        ("immediately", "now", None),
        ("next week", "now", None),
        ("in 2 weeks", "now", None),
        ("within a month", "now", None),
        ("no later than next week", "now", None),
        # quarter: one to three months
        ("next month", "quarter", None),
        ("in 2 months", "quarter", None),
        ("in 3 months", "quarter", None),
        ("this quarter", "quarter", None),
        ("next quarter", "quarter", None),
        ("Q3?", "quarter", None),  # TODAY is in Q2
        ("before summer", "quarter", None),
        ("by July", "quarter", None),
        ("by August", "later", None),
        # later
        ("next year", "later", None),
        ("6 months", "later", None),
        ("Q1", "later", None),  # three quarters away
        ("in September", "later", None),
        ("not sure yet but not soon", "later", None),
        ("just browsing", "later", None),
        ("just looking", "later", None),
        ("no rush", "later", None),
        ("one day maybe", "later", None),
        # unknown
        ("don't know", "unknown", None),
        ("not sure", "unknown", None),
        ("no idea", "unknown", None),
        # errors
        ("we may order hoodies", None, "unknown_timeline"),  # "may" is not the month here
        ("hello there", None, "unknown_timeline"),
        ("", None, "missing"),
        (None, None, "missing"),
    ],
)
def test_parse_timeline(raw, value, error):
    parsed = parse_timeline(raw, today=TODAY)
    assert (parsed.value, parsed.error) == (value, error)


@pytest.mark.parametrize(
    "text, today, value",
    [
        ("Q3", date(2024, 5, 15), "quarter"),  # next quarter
        ("Q3", date(2024, 8, 15), "quarter"),  # this quarter
        ("Q3", date(2024, 11, 15), "later"),  # next year's
        ("for summer", date(2024, 7, 1), "now"),  # in the season already
        ("before summer", date(2024, 5, 20), "now"),
        ("in December", date(2024, 12, 1), "now"),
        ("in December", date(2024, 10, 1), "quarter"),
        ("end of the year", date(2024, 3, 1), "later"),
        ("end of the year", date(2024, 11, 1), "quarter"),
    ],
)
def test_parse_timeline_counts_dates_from_today(text, today, value):
    assert parse_timeline(text, today=today).value == value


@pytest.mark.parametrize(
    "raw, value, error",
    [
        ("$5,000", 5000, None),
        ("5k", 5000, None),
        ("about 20k", 20000, None),
        ("10 000 dollars", 10000, None),
        ("around 2.5k", 2500, None),
        ("under 1000", 1000, None),
        ("5-10k", 10000, None),  # a range counts by its upper end
        ("$5k-$10k", 10000, None),
        ("five thousand dollars", 5000, None),
        ("5 grand", 5000, None),
        ("1.5m", 1_500_000, None),
        ("$2,499.99", 2500, None),
        ("not sure, maybe 5k", 5000, None),  # a number wins over the hedge
        (8000, 8000, None),
        # skippable: no value, no error
        ("no budget yet", None, None),
        ("not sure", None, None),
        ("don't know", None, None),
        # errors
        ("lots of money", None, "not_a_number"),
        ("$0", None, "not_positive"),
        ("-500", None, "not_positive"),
        ("$2,000,000,000", None, "too_many"),
        (True, None, "not_a_number"),
        ("", None, "missing"),
        (None, None, "missing"),
    ],
)
def test_parse_budget(raw, value, error):
    parsed = parse_budget(raw)
    assert (parsed.value, parsed.error) == (value, error)


# --------------------------------------------------------------------------- scoring


def test_nothing_answered_scores_nothing():
    assert score_lead(NOTHING, RULES) == LeadScore(score=0, grade="cold", reasons=[])


@pytest.mark.parametrize(
    "answer, points",
    [
        # company size: the highest tier reached
        ({"company_size": 5000}, 30),
        ({"company_size": 500}, 30),
        ({"company_size": 499}, 20),
        ({"company_size": 50}, 20),
        ({"company_size": 49}, 10),
        ({"company_size": 10}, 10),
        ({"company_size": 9}, 0),
        # timeline
        ({"timeline": "now"}, 30),
        ({"timeline": "quarter"}, 15),
        ({"timeline": "later"}, 0),
        ({"timeline": "unknown"}, 5),
        # budget: the highest tier reached
        ({"budget": 20000}, 25),
        ({"budget": 19999}, 15),
        ({"budget": 5000}, 15),
        ({"budget": 4999}, 5),
        ({"budget": 1}, 5),
        # need keywords: whole words, any case, points once however many match
        ({"need": "Uniforms for our staff at the event"}, 10),
        ({"need": "a uniform"}, 10),
        ({"need": "a birthday present"}, 0),
        ({"need": "uniformity of colour"}, 0),
        # role keywords
        ({"role": "Head of HR"}, 10),
        ({"role": "store manager and buyer"}, 10),
        ({"role": "intern"}, 0),
        # email
        ({"email": "buyer@example.com"}, 5),
        ({"email": ""}, 0),
    ],
)
def test_each_rule_alone_adds_its_points(answer, points):
    result = score_lead({**NOTHING, **answer}, RULES)
    assert result.score == points
    assert len(result.reasons) == (1 if points else 0)


def test_points_come_from_the_rules_given():
    answers = {**NOTHING, "timeline": "now", "email": "a@example.com"}
    changed = rules_with(timeline={"now": 7, "quarter": 0, "later": 0, "unknown": 0}, email_given=2)
    assert score_lead(answers, changed).score == 9


def test_rules_add_up_with_a_reason_each():
    answers = {
        "need": "uniforms for our staff",
        "company_size": 120,
        "timeline": "quarter",
        "budget": 8000,
        "role": "office manager",
        "email": "a@example.com",
    }
    result = score_lead(answers, RULES)
    assert result.score == 20 + 15 + 15 + 10 + 10 + 5
    assert result.grade == "hot"
    assert result.reasons == [
        "company size 120 (at least 50): +20",
        "timeline quarter: +15",
        "budget $8,000 (at least $5,000): +15",
        "need mentions 'uniforms': +10",
        "role mentions 'manager': +10",
        "email given: +5",
    ]


@pytest.mark.parametrize(
    "score, grade",
    [(0, "cold"), (29, "cold"), (30, "warm"), (59, "warm"), (60, "hot"), (150, "hot")],
)
def test_grade_thresholds(score, grade):
    assert grade_for(score, RULES["grades"]) == grade
    # The same boundary through score_lead: a single rule worth exactly `score` points.
    assert score_lead({**NOTHING, "email": "a@example.com"}, rules_with(email_given=score)).grade == grade


def test_below_every_threshold_is_cold():
    assert grade_for(10, {"hot": 60, "warm": 30}) == "cold"
    assert grade_for(30, {"hot": 60, "warm": 30}) == "warm"


# --------------------------------------------------------------------------- routing


@pytest.mark.parametrize(
    "answers, team",
    [
        ({"need": "wholesale for my 3 boutiques", "company_size": 5}, "wholesale"),
        # first match wins: a big retailer is wholesale, not enterprise
        ({"need": "we resell jackets", "company_size": 800}, "wholesale"),
        ({"need": "Bulk order of tees", "company_size": 250}, "wholesale"),
        ({"need": "uniforms", "company_size": 200}, "enterprise"),
        ({"need": "uniforms", "company_size": 199}, "smb"),
        ({"need": "event merch", "company_size": None}, "smb"),
        ({"need": None, "company_size": None}, "smb"),
        ({"need": "retailers love it", "company_size": 1}, "smb"),  # whole words only
    ],
)
def test_routing_rules_in_order(answers, team):
    assert route_lead(answers, "hot", ROUTING).team == team


def test_rule_order_decides():
    swapped = {**ROUTING, "rules": list(reversed(ROUTING["rules"]))}
    answers = {"need": "we resell jackets", "company_size": 800}
    assert route_lead(answers, "hot", ROUTING).team == "wholesale"
    assert route_lead(answers, "hot", swapped).team == "enterprise"


def test_every_condition_of_a_rule_must_hold():
    routing = {**ROUTING, "rules": [{"team": "enterprise", "company_size_at_least": 100, "budget_at_least": 10000}]}
    assert route_lead({"company_size": 150, "budget": 5000}, "hot", routing).team == "smb"
    assert route_lead({"company_size": 50, "budget": 50000}, "hot", routing).team == "smb"
    assert route_lead({"company_size": 150, "budget": 10000}, "hot", routing).team == "enterprise"


def test_unknown_routing_condition_is_an_error():
    routing = {**ROUTING, "rules": [{"team": "enterprise", "companysize_at_least": 100}]}
    with pytest.raises(ValueError, match="companysize_at_least"):
        route_lead({"company_size": 150}, "hot", routing)


@pytest.mark.parametrize(
    "grade, offer, resource",
    [
        ("hot", "meeting", None),
        ("warm", "meeting", None),
        ("cold", "resource", ROUTING["resources"]["enterprise"]),
    ],
)
def test_offer_by_grade(grade, offer, resource):
    assert route_lead({"company_size": 300}, grade, ROUTING) == Route("enterprise", offer, resource)


def test_cold_lead_gets_its_own_teams_resource():
    for answers, team in (({"need": "wholesale"}, "wholesale"), ({"company_size": 3}, "smb")):
        assert route_lead(answers, "cold", ROUTING).resource == ROUTING["resources"][team]


# --------------------------------------------------------------------------- the rule files


def test_scoring_file_loads_and_grades_sensibly():
    rules = load_scoring()
    assert set(rules["timeline"]) == {"now", "quarter", "later", "unknown"}
    dream = {
        "need": "uniforms for all our staff",
        "company_size": 600,
        "timeline": "now",
        "budget": 30000,
        "role": "Head of procurement",
        "email": "buyer@example.com",
    }
    browsing = {**NOTHING, "need": "just a look", "company_size": 1, "timeline": "later"}
    assert score_lead(dream).grade == "hot"
    assert score_lead(browsing).grade == "cold"
    assert score_lead(dream) == score_lead(dream, rules)


def test_routing_file_loads_with_every_team():
    routing = load_routing()
    assert set(routing["resources"]) == set(TEAMS) == {"smb", "enterprise", "wholesale"}
    for resource in routing["resources"].values():
        assert resource["title"] and resource["url"].startswith("https://")
    teams = {rule["team"] for rule in routing["rules"]} | {routing["default_team"]}
    assert teams == set(TEAMS)  # every team can be reached
    # every grade scoring can give has an offer
    assert set(routing["offer_by_grade"]) >= set(load_scoring()["grades"]) | {"cold"}
    assert route_lead({"need": "wholesale"}, "cold").team == "wholesale"


@pytest.mark.parametrize(
    "text, message",
    [
        ("rules: [{team: sales, company_size_at_least: 1}]\ndefault_team: smb\nresources: {}", "unknown team 'sales'"),
        ("rules: []\ndefault_team: smb\nresources: {smb: {title: a, url: b}}", "no resource for"),
        (
            "rules: [{team: smb}]\ndefault_team: smb\noffer_by_grade: {}\nresources: "
            "{smb: {title: a, url: b}, enterprise: {title: a, url: b}, wholesale: {title: a, url: b}}",
            "needs conditions",
        ),
    ],
)
def test_bad_routing_file_is_refused(tmp_path, text, message):
    path = tmp_path / "routing.yml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_routing(path)


def test_bad_scoring_file_is_refused(tmp_path):
    path = tmp_path / "lead_scoring.yml"
    path.write_text("company_size: []\ntimeline: {soon: 3}\n")
    with pytest.raises(ValueError, match="missing"):
        load_scoring(path)


# --------------------------------------------------------------------------- storage


def _count_leads(sender_id):
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(Lead).where(Lead.sender_id == sender_id))


def test_save_lead_inserts_then_updates_one_row(shop_db):
    first = {
        "need": "uniforms",
        "company_size": 40,
        "timeline": "quarter",
        "budget": 6000,
        "role": "owner",
        "email": "owner@example.com",
    }
    with session_scope() as session:
        lead = save_lead(session, "sender-1", first, LeadScore(45, "warm", []), Route("smb", "meeting", None))
        first_id = lead.id
        assert first_id is not None
    second = {**first, "company_size": 300, "timeline": "now", "budget": None, "email": None}
    with session_scope() as session:
        lead = save_lead(session, "sender-1", second, LeadScore(70, "hot", []), Route("enterprise", "meeting", None))
        assert lead.id == first_id
    assert _count_leads("sender-1") == 1
    with session_scope() as session:
        row = session.scalar(select(Lead).where(Lead.sender_id == "sender-1"))
        assert (row.company_size, row.timeline, row.budget, row.email, row.need, row.role) == (
            300,
            "now",
            None,
            None,
            "uniforms",
            "owner",
        )
        assert (row.score, row.grade, row.team) == (70, "hot", "enterprise")


def test_save_lead_keeps_senders_apart(shop_db):
    answers = {
        "need": "merch",
        "company_size": 12,
        "timeline": "later",
        "budget": 1500,
        "role": "x" * 300,
        "email": None,
    }
    with session_scope() as session:
        save_lead(session, "a", answers, LeadScore(10, "cold", []), Route("smb", "resource", {}))
        save_lead(session, "b", answers, LeadScore(10, "cold", []), Route("smb", "resource", {}))
    assert _count_leads("a") == _count_leads("b") == 1
    with session_scope() as session:
        row = session.scalar(select(Lead).where(Lead.sender_id == "a"))
        assert row.budget == "1500"  # the column is text
        assert len(row.role) == 120  # cut to the column's size


# --------------------------------------------------------------------------- qualifying (the seeded rules and teams)

MONDAY_2PM_NY = datetime(2030, 1, 7, 19, 0, tzinfo=timezone.utc)  # every sales team is at work
SATURDAY_NIGHT = datetime(2030, 1, 12, 23, 30, tzinfo=timezone.utc)  # every team is off until Monday
HOT_ANSWERS = {
    "need": "bulk order of branded tees",
    "company_size": 300,
    "timeline": "now",
    "budget": 20000,
    "role": "owner",
    "email": "ana.silva@example.com",
}
WARM_ANSWERS = {
    "need": "uniforms for our cafe staff",
    "company_size": 40,
    "timeline": "now",
    "budget": None,
    "role": None,
    "email": "ana.silva@example.com",
}
COLD_ANSWERS = {**WARM_ANSWERS, "need": "a gift idea", "company_size": 3, "timeline": "later", "email": None}


def _sales_agent_online(at: datetime) -> None:
    with session_scope() as session:
        olivia = session.scalar(select(Agent).where(Agent.email == "olivia.bennett@shop.example"))
        assignment.set_presence(session, olivia, at, online=True)


def _qualify(answers, now=MONDAY_2PM_NY, sender_id="sender-1") -> Qualified:
    with session_scope() as session:
        return qualify_lead(session, sender_id, answers, now)


def test_qualify_lead_keeps_the_lead_and_offers_a_meeting_with_its_team(shop_db):
    assert _qualify(HOT_ANSWERS) == Qualified(
        grade="hot",
        team="wholesale",
        team_name="Wholesale and bulk orders",
        resource=None,
        back=None,
        sales_online=False,
    )
    with session_scope() as session:
        row = session.scalar(select(Lead).where(Lead.sender_id == "sender-1"))
        assert (row.grade, row.team, row.score, row.company_size) == ("hot", "wholesale", 100, 300)


def test_qualify_lead_offers_a_cold_lead_its_teams_resource(shop_db):
    qualified = _qualify(COLD_ANSWERS)
    assert (qualified.grade, qualified.team, qualified.team_name) == ("cold", "smb", "Small business sales")
    assert qualified.resource == {"title": "Corporate ordering guide", "url": "https://shop.example/business/guide"}


def test_qualify_lead_says_when_a_team_that_is_out_is_back(shop_db):
    # Olivia Bennett starts at 9:00 in New York on Monday (14:00 UTC), before Marcus Reid in Chicago.
    assert _qualify(WARM_ANSWERS, now=SATURDAY_NIGHT).back == datetime(2030, 1, 14, 14, 0, tzinfo=timezone.utc)
    assert _qualify(WARM_ANSWERS).back is None


def test_qualify_lead_sees_sales_online_for_a_lead_that_is_not_cold(shop_db):
    _sales_agent_online(MONDAY_2PM_NY)
    assert _qualify(HOT_ANSWERS).sales_online
    assert _qualify(WARM_ANSWERS).sales_online
    assert not _qualify(COLD_ANSWERS).sales_online  # a cold lead gets the resource, not a person


def test_qualify_lead_does_not_count_an_agent_who_went_quiet(shop_db):
    _sales_agent_online(MONDAY_2PM_NY - timedelta(hours=1))
    assert not _qualify(HOT_ANSWERS).sales_online
