"""The refund policy as a plain function: every rule, its order, and the window boundary."""

from datetime import datetime, timedelta

import pytest

from shop.refunds import (
    POLICY_PATH,
    RefundDecision,
    RefundPolicy,
    decide,
    first_refusal,
    load_policy,
)

POLICY = RefundPolicy(window_days=30, refundable_statuses=("delivered",), final_sale_refundable=False)
NOW = datetime(2024, 6, 15, 12, 0, 0)
DAY = timedelta(days=1)


def delivered(days_ago: float) -> datetime:
    return NOW - timedelta(days=days_ago)


@pytest.mark.parametrize(
    "status, delivered_at, final_sale, already_refunded, allowed, reason",
    [
        # allowed: delivered inside the window
        ("delivered", delivered(5), False, False, True, None),
        ("delivered", delivered(0), False, False, True, None),
        # the window: the 30th day is still inside, one day more is not
        ("delivered", delivered(30), False, False, True, None),
        ("delivered", delivered(30) - timedelta(seconds=1), False, False, False, "window_expired"),
        ("delivered", delivered(31), False, False, False, "window_expired"),
        ("delivered", delivered(90), False, False, False, "window_expired"),
        # final sale
        ("delivered", delivered(3), True, False, False, "final_sale"),
        # already refunded: the line flag or the order status
        ("delivered", delivered(3), False, True, False, "already_refunded"),
        ("refunded", delivered(25), False, False, False, "already_refunded"),
        # not delivered: other statuses, or no delivery date
        ("paid", None, False, False, False, "not_delivered"),
        ("placed", None, False, False, False, "not_delivered"),
        ("shipped", None, False, False, False, "not_delivered"),
        ("delivered", None, False, False, False, "not_delivered"),
        # rule order: the first rule broken is the reason given
        ("refunded", None, True, True, False, "already_refunded"),
        ("shipped", None, True, False, False, "not_delivered"),
        ("delivered", delivered(90), True, False, False, "final_sale"),
    ],
)
def test_decide(status, delivered_at, final_sale, already_refunded, allowed, reason):
    decision = decide(POLICY, status, delivered_at, final_sale, already_refunded, NOW)
    assert (decision.allowed, decision.reason) == (allowed, reason)


def test_deadline_is_window_days_after_delivery():
    decision = decide(POLICY, "delivered", delivered(5), False, False, NOW)
    assert decision.deadline == delivered(5) + timedelta(days=30)
    expired = decide(POLICY, "delivered", delivered(90), False, False, NOW)
    assert expired.deadline == delivered(60)


def test_the_window_follows_the_policy():
    short = RefundPolicy(window_days=7, refundable_statuses=("delivered",), final_sale_refundable=False)
    assert decide(short, "delivered", delivered(7), False, False, NOW).allowed
    assert decide(short, "delivered", delivered(8), False, False, NOW).reason == "window_expired"


def test_final_sale_refundable_when_the_policy_says_so():
    lenient = RefundPolicy(window_days=30, refundable_statuses=("delivered",), final_sale_refundable=True)
    assert decide(lenient, "delivered", delivered(3), True, False, NOW).allowed
    assert decide(lenient, "delivered", delivered(31), True, False, NOW).reason == "window_expired"


def test_refundable_statuses_follow_the_policy():
    shipped_ok = RefundPolicy(window_days=30, refundable_statuses=("delivered", "shipped"), final_sale_refundable=False)
    assert decide(shipped_ok, "shipped", delivered(1), False, False, NOW).allowed
    # still no refund without a delivery date to count the window from
    assert decide(shipped_ok, "shipped", None, False, False, NOW).reason == "not_delivered"


def test_load_policy_from_seed_file():
    assert POLICY_PATH.name == "refund_policy.yml"
    assert load_policy() == RefundPolicy(
        window_days=30, refundable_statuses=("delivered",), final_sale_refundable=False
    )


def test_load_policy_from_another_file(tmp_path):
    path = tmp_path / "policy.yml"
    path.write_text("window_days: 14\nrefundable_statuses: [delivered, shipped]\nfinal_sale_refundable: true\n")
    assert load_policy(path) == RefundPolicy(14, ("delivered", "shipped"), True)


def test_load_policy_rejects_a_file_without_the_rules(tmp_path):
    path = tmp_path / "policy.yml"
    path.write_text("window_days: 14\n")
    with pytest.raises(KeyError):
        load_policy(path)


ALLOWED = RefundDecision(True)
FINAL = RefundDecision(False, "final_sale")
EXPIRED = RefundDecision(False, "window_expired")


@pytest.mark.parametrize(
    "decisions, expected",
    [
        ([], None),  # nothing to refuse
        ([ALLOWED], None),
        ([FINAL, ALLOWED], None),  # one refundable line is enough: no refusal
        ([FINAL], FINAL),
        ([EXPIRED, FINAL], EXPIRED),  # the first line's reason
        ([FINAL, EXPIRED], FINAL),
    ],
)
def test_first_refusal(decisions, expected):
    assert first_refusal(iter(decisions)) is expected
