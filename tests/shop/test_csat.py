"""CSAT's rules: the ratings read, who may be asked, the answer kept."""

from datetime import datetime, timedelta

import pytest

from shop import csat
from shop.contacts import set_opted_out
from shop.db import session_scope

NOW = datetime(2026, 11, 30, 12, 0)


@pytest.mark.parametrize(
    "text, rating",
    [
        ("4", 4),
        (" 5 ", 5),
        ("4/5", 4),
        ("3 out of 5", 3),
        ("four", 4),
        ("Four stars", 4),
        ("great", 5),
        ("Terrible!", 1),
        ("meh", 3),
        ("\u2b50\u2b50\u2b50", 3),
        ("***", 3),
        (2, 2),
        ("0", None),
        ("6", None),
        ("10", None),
        ("3.5", None),
        ("4 or 5", None),
        ("where is my order A1003", None),
        ("", None),
        (None, None),
        (True, None),
        ("\u2b50" * 6, None),
    ],
)
def test_parse_rating(text, rating):
    assert csat.parse_rating(text) == rating


def test_asked_once_a_day_and_never_after_an_opt_out(shop_db):
    with session_scope() as session:
        assert csat.may_ask(session, "c1", NOW)
        csat.record_asked(session, "c1", "order", NOW)
        assert not csat.may_ask(session, "c1", NOW + timedelta(hours=23))
        assert csat.may_ask(session, "c1", NOW + timedelta(hours=24))
        set_opted_out(session, "c2", True)
        assert not csat.may_ask(session, "c2", NOW)


def test_the_answer_goes_to_the_latest_question(shop_db):
    with session_scope() as session:
        assert csat.record_answer(session, "nobody", 4, "x", NOW) is None
        csat.record_asked(session, "c1", "refund", NOW - timedelta(days=2))
        csat.record_asked(session, "c1", "order", NOW)
        answered = csat.record_answer(session, "c1", 2, "  too slow  " + "x" * 600, NOW)
        assert (answered.outcome, answered.rating, answered.answered_at) == ("order", 2, NOW)
        assert answered.comment.startswith("too slow") and len(answered.comment) == csat.MAX_COMMENT
        # Outside the scale: not kept, nor its comment.
        csat.record_asked(session, "c3", "booking", NOW)
        kept = csat.record_answer(session, "c3", 9, "hello", NOW)
        assert kept.rating is None and kept.comment is None
