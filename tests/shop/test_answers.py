"""Answers in any order, as plain functions: sorting what one message answers, and the small
readers the forms use on a whole sentence (order ids, booking references, needs, budgets)."""

from datetime import datetime, timezone

import pytest
from dateutil import tz

from shop.answers import asks_for_person, may_answer, read_all, sort_answers
from shop.leads import add_to_need, budget_said, describes_need, mentions_money, mentions_people
from shop.parsing.dates import describe_request, parse_time_request
from shop.parsing.ids import find_booking_ref, find_order_id, without_emails
from shop.refunds import reason_clause, refund_change_choice

NOW = datetime(2030, 1, 7, 19, 0, tzinfo=timezone.utc)  # Monday
NEW_YORK = tz.gettz("America/New_York")


# --------------------------------------------------------------------------- sorting answers


def test_an_answer_that_fits_the_asked_slot_is_its_own():
    answers = sort_answers({"email": "a@b.co"}, "email", filled=[])
    assert answers.taken == {"email": "a@b.co"} and answers.keeps_requested


def test_an_answer_that_fits_another_slot_only_is_not_taken_for_the_asked_one():
    answers = sort_answers({"meeting_time": "thursday morning"}, "email", filled=[])
    assert answers.taken == {"meeting_time": "thursday morning"}
    assert not answers.keeps_requested
    assert answers.out_of_turn("email") == {"meeting_time": "thursday morning"}


def test_an_answer_that_fits_nothing_is_left_to_the_asked_slots_validation():
    answers = sort_answers({}, "email", filled=[])
    assert answers.taken == {} and answers.keeps_requested


def test_both_the_asked_slot_and_another():
    answers = sort_answers({"email": "a@b.co", "customer_timezone": "Europe/London"}, "email", filled=[])
    assert answers.keeps_requested
    assert answers.out_of_turn("email") == {"customer_timezone": "Europe/London"}


def test_filled_slots_keep_their_value_unless_refillable():
    readings = {"company_size": 30, "lead_need": "we want chats"}
    assert sort_answers(readings, "timeline", filled=["company_size", "lead_need"]).taken == {}
    answers = sort_answers(readings, "timeline", filled=["company_size", "lead_need"], refillable=["lead_need"])
    assert answers.taken == {"lead_need": "we want chats"}
    assert not answers.keeps_requested


def test_a_weak_reading_counts_only_alone():
    readings = {"lead_need": "we need it next month", "timeline": "quarter"}
    assert sort_answers(readings, "company_size", filled=[], weak=["lead_need"]).taken == {"timeline": "quarter"}
    assert sort_answers({"lead_need": "x"}, "company_size", filled=[], weak=["lead_need"]).taken == {"lead_need": "x"}


def test_at_the_start_of_a_form_everything_read_is_taken():
    answers = sort_answers({"meeting_time": "friday", "email": "a@b.co"}, None, filled=[])
    assert answers.taken == {"meeting_time": "friday", "email": "a@b.co"} and answers.keeps_requested


def test_read_all_keeps_only_what_readers_found():
    readers = {"a": lambda t: "x" if "x" in t else None, "b": lambda t: None, "c": lambda t: 0}
    assert read_all("x marks", readers) == {"a": "x", "c": 0}


@pytest.mark.parametrize(
    "intent, text, expected",
    [
        ("inform", "thursday morning", True),
        ("nlu_fallback", "around 30 of us", True),
        ("human_handoff", "we want to handle support chats on our website", True),
        ("human_handoff", "let me talk to a human", False),
        ("inform", "can I speak to someone please", False),
        ("cancel", "never mind", False),
        ("out_of_scope", "what's the weather on friday", False),
        ("other_language", "el jueves por la mañana", False),
        ("faq", "do you ship on saturdays", False),
        ("inform", '/inform{"size": "M"}', False),
        ("inform", "", False),
        ("inform", None, False),
    ],
)
def test_may_answer(intent, text, expected):
    assert may_answer(intent, text) is expected


def test_asks_for_person():
    assert asks_for_person("could I chat with a real person")
    assert asks_for_person("connect me to an agent")
    assert not asks_for_person("we want to handle support chats on our website")
    assert not asks_for_person("")


# --------------------------------------------------------------------------- readers


@pytest.mark.parametrize(
    "text, expected",
    [
        ("it's order A1003", "A1003"),
        ("a-1003 please", "A1003"),
        ("the one from A 1007", "A1007"),
        ("1003", None),
        ("in 2025", None),
        ("M3001", None),
        ("james.a1003@example.com", None),
    ],
)
def test_find_order_id(text, expected):
    assert find_order_id(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("booking M3001", "M3001"),
        ("it's m-3001 and a@b.co", "M3001"),
        ("A1003", None),
        ("3001", None),
        ("mike.m3001@example.com", None),
        (None, None),
    ],
)
def test_find_booking_ref(text, expected):
    assert find_booking_ref(text) == expected


def test_without_emails():
    assert without_emails("mail bob.friday@example.com on monday").split() == ["mail", "on", "monday"]
    assert without_emails(None) == ""


@pytest.mark.parametrize(
    "text, expected",
    [
        ("thursday morning would be great", "Thursday 10 January, morning"),
        ("next tuesday at 3pm", "Tuesday 8 January at 3:00 PM"),
        ("tomorrow at 10:30", "Tuesday 8 January at 10:30 AM"),
        ("friday afternoon", "Friday 11 January, afternoon"),
        ("tomorrow", "Tuesday 8 January"),
        ("next week", "Monday 14 January to Friday 18 January"),
    ],
)
def test_describe_request(text, expected):
    assert describe_request(parse_time_request(text, NOW, NEW_YORK)) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("around 30 of us", True),
        ("a team of 12", True),
        ("40 staff", True),
        ("30", False),
        ("next month", False),
        (None, False),
    ],
)
def test_mentions_people(text, expected):
    assert mentions_people(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("$5,000", True),
        ("about 20k", True),
        ("budget of 5000", True),
        ("5000 dollars", True),
        ("30 people", False),
        ("next month", False),
    ],
)
def test_mentions_money(text, expected):
    assert mentions_money(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("about 60 people, budget around $20k, and we need it next month", 20000),
        ("we're 300 and can spend 50k", 50000),
        ("$5,000", 5000),
        ("about 60 people", None),
        ("no budget yet", None),
    ],
)
def test_budget_said(text, expected):
    assert budget_said(text).value == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("we want to handle support chats on our website", True),
        ("I'm looking for staff uniforms", True),
        ("we'd like branded hoodies for an event", True),
        ("our goal is to resell them", True),
        ("around 30 of us", False),
        ("we want", False),
        ("next month", False),
        ("thanks!", False),
    ],
)
def test_describes_need(text, expected):
    assert describes_need(text) is expected


def test_add_to_need():
    assert add_to_need("bulk discounts?", "we want  support chats") == "bulk discounts?; we want support chats"
    assert add_to_need(None, "we want chats") == "we want chats"
    assert add_to_need("skipped", "we want chats") == "we want chats"
    assert add_to_need("We want chats on the site", "we want chats") == "We want chats on the site"
    assert len(add_to_need("x" * 490, "we want a lot of things")) == 500


@pytest.mark.parametrize(
    "reason, expected",
    [
        ("It was too small.", "it was too small"),
        ("because it arrived damaged", "it arrived damaged"),
        ("Too small!", "too small"),
        ("I changed my mind", "I changed my mind"),
        ("", ""),
    ],
)
def test_reason_clause(reason, expected):
    assert reason_clause(reason) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("item", "item"),
        ("reason", "reason"),
        ("a different item", "item"),
        ("the other one", "item"),
        ("change the reason", "reason"),
        ("why I return it", "reason"),
        ("the item and the reason", None),
        ("hmm", None),
        (None, None),
    ],
)
def test_refund_change_choice(text, expected):
    assert refund_change_choice(text) == expected
