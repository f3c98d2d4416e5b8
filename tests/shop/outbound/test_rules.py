"""The rules of what the shop sends first (shop/outbound/rules.py over seed/outbound.yml):
marketing hours in the contact's zone across daylight-saving changes, weekends, the monthly cap
at the month's edge, Messenger's window and tags, consent."""

from datetime import datetime, timedelta, timezone

import pytest
import yaml

from shop import consent
from shop.clock import zone
from shop.db import session_scope
from shop.outbound import rules
from shop.outbound.rules import DROP, ELSEWHERE, SEND, WAIT, Situation, Verdict

RULES = rules.load_rules()
NEW_YORK, PARIS, TOKYO = zone("America/New_York"), zone("Europe/Paris"), zone("Asia/Tokyo")
OK = consent.Decision(True, "opted in")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def local(where, *args: int) -> datetime:
    return datetime(*args, tzinfo=where)


def situation(message_type="back_in_stock", channel="socketio", **changes) -> Situation:
    values = {"consent": OK, "marketing_sent_this_month": 0, "last_customer_message_at": None}
    return Situation(message_type, channel, **{**values, "timezone": "America/New_York", **changes})


# --------------------------------------------------------------------------- marketing hours


@pytest.mark.parametrize(
    ("where", "now", "expected"),
    [
        # Friday evening before New York springs forward (Sunday 8 March 2026): Monday 10:00 EDT.
        (NEW_YORK, (2026, 3, 6, 20, 0), utc(2026, 3, 9, 14, 0)),
        # Friday evening before Paris springs forward (Sunday 29 March 2026): Monday 10:00 CEST.
        (PARIS, (2026, 3, 27, 21, 0), utc(2026, 3, 30, 8, 0)),
        # Friday evening before Paris falls back (Sunday 25 October 2026): Monday 10:00 CET.
        (PARIS, (2026, 10, 23, 20, 30), utc(2026, 10, 26, 9, 0)),
        # Friday evening before New York falls back (Sunday 1 November 2026): Monday 10:00 EST.
        (NEW_YORK, (2026, 10, 30, 20, 30), utc(2026, 11, 2, 15, 0)),
        # Early on a weekday: 10:00 the same day; on a Saturday: Monday.
        (PARIS, (2026, 12, 1, 8, 0), utc(2026, 12, 1, 9, 0)),
        (NEW_YORK, (2026, 12, 5, 12, 0), utc(2026, 12, 7, 15, 0)),
    ],
)
def test_marketing_outside_the_local_hours_waits_for_the_next_window(where, now, expected):
    assert rules.next_marketing_time(RULES, local(where, *now), where) == expected


def test_marketing_inside_the_hours_goes_at_once_up_to_the_last_minute():
    for now in (local(NEW_YORK, 2026, 3, 6, 10, 0), local(NEW_YORK, 2026, 3, 6, 19, 59)):
        assert rules.next_marketing_time(RULES, now, NEW_YORK) == now.astimezone(timezone.utc)


def test_one_moment_is_inside_the_hours_in_one_zone_and_outside_in_another():
    now = utc(2026, 3, 10, 14, 30)  # a Tuesday: 10:30 in New York, 15:30 in Paris, 23:30 in Tokyo
    assert rules.decide(RULES, situation(timezone="America/New_York"), now) == Verdict(SEND)
    assert rules.decide(RULES, situation(timezone="Europe/Paris"), now) == Verdict(SEND)
    verdict = rules.decide(RULES, situation(timezone="Asia/Tokyo"), now)
    assert verdict == Verdict(WAIT, "outside the marketing hours", at=utc(2026, 3, 11, 1, 0))


def test_a_contact_of_unknown_zone_gets_the_default_zones_hours():
    now = utc(2026, 3, 10, 13, 0)  # 09:00 in New York (the default), 14:00 in Paris
    assert rules.decide(RULES, situation(timezone=None), now).at == utc(2026, 3, 10, 14, 0)
    assert rules.decide(RULES, situation(timezone="Not/AZone"), now).at == utc(2026, 3, 10, 14, 0)


# --------------------------------------------------------------------------- the monthly cap


def test_the_fifth_marketing_message_of_a_month_waits_for_the_next_months_first_window():
    now = utc(2026, 1, 15, 16, 0)  # 1 February 2026 is a Sunday: Monday the 2nd, 10:00 EST
    assert rules.decide(RULES, situation(marketing_sent_this_month=3), now) == Verdict(SEND)
    verdict = rules.decide(RULES, situation(marketing_sent_this_month=4), now)
    assert verdict == Verdict(WAIT, "4 marketing messages sent this month", at=utc(2026, 2, 2, 15, 0))


def test_the_month_of_the_cap_is_the_contacts_local_month():
    now = utc(2026, 3, 1, 3, 0)  # still 28 February in New York, already 1 March in Paris
    assert rules.month_start(now, NEW_YORK) == utc(2026, 2, 1, 5, 0)
    assert rules.month_start(now, PARIS) == utc(2026, 2, 28, 23, 0)
    assert rules.next_month_start(now, NEW_YORK) == utc(2026, 3, 1, 5, 0)
    assert rules.next_month_start(now, PARIS) == utc(2026, 3, 31, 22, 0)  # CEST by then


def test_transactional_messages_ignore_the_hours_and_the_cap():
    sunday_night = local(NEW_YORK, 2026, 3, 8, 3, 0)
    for message_type in ("order_confirmation", "shipping_update", "meeting_reminder"):
        verdict = rules.decide(RULES, situation(message_type, marketing_sent_this_month=10), sunday_night)
        assert verdict == Verdict(SEND)


# --------------------------------------------------------------------------- consent


def test_nothing_goes_to_an_opted_out_contact_transactional_or_not():
    out = consent.Decision(False, "opted out on twilio")
    for message_type in ("order_confirmation", "back_in_stock"):
        verdict = rules.decide(RULES, situation(message_type, "twilio", consent=out), utc(2026, 3, 10, 15, 0))
        assert verdict == Verdict(DROP, "opted out on twilio")


def test_marketing_needs_an_opt_in_on_that_very_channel(shop_db):
    now = utc(2026, 3, 10, 15, 0)
    with session_scope() as session:
        consent.record(session, "web-7", "socketio", consent.OPTED_IN, "widget checkbox", wording="Offers?")
        on_web = consent.may_send(session, "web-7", "socketio", consent.MARKETING)
        on_rest = consent.may_send(session, "web-7", "rest", consent.MARKETING)
        order_on_rest = consent.may_send(session, "web-7", "rest", consent.TRANSACTIONAL)
    assert rules.decide(RULES, situation(consent=on_web), now) == Verdict(SEND)
    assert rules.decide(RULES, situation(channel="rest", consent=on_rest), now) == Verdict(
        DROP, "no opt-in to marketing on rest"
    )
    assert rules.decide(RULES, situation("order_confirmation", "rest", consent=order_on_rest), now) == Verdict(SEND)


# --------------------------------------------------------------------------- Messenger


def test_inside_messengers_24_hours_anything_allowed_goes_without_a_tag():
    now = utc(2026, 3, 10, 15, 0)
    wrote = now - timedelta(hours=23, minutes=59)
    for message_type in ("meeting_reminder", "back_in_stock"):
        verdict = rules.decide(RULES, situation(message_type, "facebook", last_customer_message_at=wrote), now)
        assert verdict == Verdict(SEND)


@pytest.mark.parametrize(
    ("message_type", "tag"),
    [
        ("order_confirmation", "POST_PURCHASE_UPDATE"),
        ("shipping_update", "POST_PURCHASE_UPDATE"),
        ("meeting_reminder", "CONFIRMED_EVENT_UPDATE"),
    ],
)
def test_outside_messengers_window_an_update_goes_with_its_tag(message_type, tag):
    now = utc(2026, 3, 10, 15, 0)
    for wrote in (now - timedelta(hours=24), None):
        verdict = rules.decide(RULES, situation(message_type, "facebook", last_customer_message_at=wrote), now)
        assert verdict == Verdict(SEND, tag=tag)


def test_outside_messengers_window_marketing_goes_elsewhere():
    now = utc(2026, 3, 10, 15, 0)
    verdict = rules.decide(
        RULES, situation("abandoned_purchase", "facebook", last_customer_message_at=now - timedelta(days=2)), now
    )
    assert verdict.action == ELSEWHERE and "abandoned_purchase" in verdict.reason


# --------------------------------------------------------------------------- configuration, retries


def test_every_rule_comes_from_the_configuration():
    custom = rules.parse_rules(
        {
            "default_timezone": "Europe/Paris",
            "marketing": {"hours": ["09:00", "12:00"], "days": ["sat"], "per_month": 1},
            "messenger": {"window_hours": 1, "tags": {}},
            "messages": {"newsletter": "marketing"},
            "retry": {"attempts": 2, "first_delay_seconds": 5, "max_delay_seconds": 5},
            "abandoned_purchase": {"after_minutes": 15},
        }
    )
    friday = utc(2026, 3, 13, 10, 0)
    assert rules.decide(custom, situation("newsletter", timezone=None), friday).at == utc(2026, 3, 14, 8, 0)
    assert rules.decide(custom, situation("newsletter", marketing_sent_this_month=1), friday).action == WAIT
    with pytest.raises(KeyError):
        custom.kind("back_in_stock")
    assert custom.abandoned_after == timedelta(minutes=15)


def test_a_configuration_that_makes_no_sense_is_refused():
    raw = {
        "default_timezone": "Europe/Paris",
        "marketing": {"hours": ["20:00", "10:00"], "days": ["mon"], "per_month": 4},
        "messenger": {"window_hours": 24},
        "messages": {},
        "retry": {"attempts": 2, "first_delay_seconds": 5, "max_delay_seconds": 5},
        "abandoned_purchase": {"after_minutes": 60},
    }
    with pytest.raises(ValueError, match="end after"):
        rules.parse_rules(raw)
    with pytest.raises(ValueError, match="marketing or transactional"):
        hours = {**raw["marketing"], "hours": ["10:00", "20:00"]}
        rules.parse_rules({**raw, "marketing": hours, "messages": {"x": "y"}})


def test_failures_wait_twice_as_long_each_time_then_the_message_is_parked():
    delays = [rules.retry_delay(RULES, failures) for failures in range(1, 7)]
    assert delays[:5] == [timedelta(seconds=s) for s in (30, 60, 120, 240, 480)]
    assert delays[5] is None  # the sixth failure parks it
    retry = {"attempts": 20, "first_delay_seconds": 30, "max_delay_seconds": 60}
    capped = rules.parse_rules({**_raw(), "retry": retry})
    assert rules.retry_delay(capped, 10) == timedelta(seconds=60)


def _raw() -> dict:
    return yaml.safe_load(rules.RULES_PATH.read_text())
