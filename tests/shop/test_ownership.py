"""Proving an order is yours (shop/ownership.py): the number and the email together, a few tries."""

from datetime import timedelta

from sqlalchemy import func, select

from shop import ownership
from shop.clock import naive_now
from shop.db import session_scope
from shop.models import OwnershipFailure

MARIA = ("A1001", "maria.lopez@example.com")


def prove(reference, email, sender="guesser", now=None):
    with session_scope() as session:
        proof = ownership.prove(session, reference, email, sender, now or naive_now())
        return proof.outcome, proof.order.reference if proof.order else None


def recorded() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count(OwnershipFailure.id)))


def test_the_owner_proves_it_with_any_case_and_spaces(shop_db):
    assert prove("a1001", " Maria.Lopez@Example.com ") == ("owner", "A1001")
    assert recorded() == 0


def test_a_wrong_pair_is_a_mismatch_whether_or_not_the_order_exists(shop_db):
    # The same answer for a number that exists and one that does not: nothing to enumerate.
    assert prove("A1001", "daniel.kim@example.com") == ("mismatch", None)
    assert prove("A9999", "daniel.kim@example.com") == ("mismatch", None)
    assert recorded() == 2


def test_after_three_wrong_pairs_nothing_more_is_checked_that_day(shop_db):
    now = naive_now()
    assert prove("A1002", "x@example.com", now=now)[0] == "mismatch"
    assert prove("A1003", "x@example.com", now=now)[0] == "mismatch"
    assert prove("A1004", "x@example.com", now=now)[0] == "locked"
    assert prove(*MARIA, now=now) == ("locked", None)  # even a right pair, from this conversation
    assert recorded() == 3  # a locked conversation's tries are not even read
    assert prove(*MARIA, sender="maria", now=now) == ("owner", "A1001")  # another conversation
    assert prove(*MARIA, now=now + ownership.WINDOW + timedelta(seconds=1)) == ("owner", "A1001")


def test_an_email_remembered_from_another_order_is_not_a_guess(shop_db):
    with session_scope() as session:
        proof = ownership.prove(session, "A1001", "daniel.kim@example.com", "guesser", naive_now(), guessed=False)
    assert proof.outcome == "mismatch"
    assert recorded() == 0
