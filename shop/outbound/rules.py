"""When a message the shop sends first may go, as plain functions over seed/outbound.yml.

Marketing goes only inside the contact's local hours and days and under the monthly cap;
transactional messages are exempt from both; nothing goes to an opted-out contact (consent,
shop/consent.py, decides that). On Messenger, outside the 24-hour window since the customer's
last message, a message goes only with a tag Meta allows for it; one no tag allows is offered on
another channel. A message that may not go now gets the next time it may."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from shop import settings, work_queue
from shop.clock import as_utc, zone
from shop.consent import MARKETING, TRANSACTIONAL, Decision
from shop.settings import SEED_DIR

RULES_PATH = SEED_DIR / "outbound.yml"
MESSENGER = "facebook"  # Rasa's name of the Messenger channel (our addons.messenger keeps it)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

SEND, WAIT, DROP, ELSEWHERE = "send", "wait", "drop", "elsewhere"


@dataclass(frozen=True)
class Rules:
    default_timezone: str
    hours: tuple[time, time]
    days: frozenset[int]  # weekday numbers, Monday 0
    per_month: int
    messenger_window: timedelta
    tags: dict[str, str]  # message type -> the Messenger tag that may carry it outside the window
    kinds: dict[str, str]  # message type -> MARKETING or TRANSACTIONAL
    attempts: int
    first_delay: timedelta
    max_delay: timedelta
    abandoned_after: timedelta  # a purchase left unfinished this long gets its one reminder

    def kind(self, message_type: str) -> str:
        if message_type not in self.kinds:
            raise KeyError(f"{message_type!r} is not a message of seed/outbound.yml")
        return self.kinds[message_type]


def _clock_time(text: Any) -> time:
    hour, minute = str(text).split(":")
    return time(int(hour), int(minute))


def parse_rules(raw: dict[str, Any]) -> Rules:
    marketing, messenger, retry = raw["marketing"], raw["messenger"], raw["retry"]
    start, end = (_clock_time(t) for t in marketing["hours"])
    if end <= start:
        raise ValueError("marketing hours must end after they start")
    kinds = {str(name): str(kind) for name, kind in raw["messages"].items()}
    unknown = {k for k in kinds.values() if k not in (MARKETING, TRANSACTIONAL)}
    if unknown:
        raise ValueError(f"a message is {MARKETING} or {TRANSACTIONAL}, not {sorted(unknown)}")
    if zone(raw["default_timezone"]) is None:
        raise ValueError(f"unknown default_timezone {raw['default_timezone']!r}")
    return Rules(
        default_timezone=str(raw["default_timezone"]),
        hours=(start, end),
        days=frozenset(DAYS.index(str(d).lower()[:3]) for d in marketing["days"]),
        per_month=int(marketing["per_month"]),
        messenger_window=timedelta(hours=float(messenger["window_hours"])),
        tags={str(k): str(v) for k, v in (messenger.get("tags") or {}).items()},
        kinds=kinds,
        attempts=int(retry["attempts"]),
        first_delay=timedelta(seconds=float(retry["first_delay_seconds"])),
        max_delay=timedelta(seconds=float(retry["max_delay_seconds"])),
        abandoned_after=timedelta(minutes=float(raw["abandoned_purchase"]["after_minutes"])),
    )


def load_rules(path: Path = RULES_PATH) -> Rules:
    with open(path, encoding="utf-8") as handle:
        return parse_rules(yaml.safe_load(handle))


@cache
def _loaded(path: str) -> Rules:
    return load_rules(Path(path))


def configured() -> Rules:
    """The rules of OUTBOUND_RULES (seed/outbound.yml), read once per process."""
    return _loaded(settings.get("OUTBOUND_RULES"))


def contact_zone(rules: Rules, name: str | None) -> tzinfo:
    """The contact's zone, or the rules' default for an unknown or missing one."""
    return zone(name) or zone(rules.default_timezone)  # type: ignore[return-value]


# --------------------------------------------------------------------------- marketing hours


def _window_on(rules: Rules, day: date, where: tzinfo) -> tuple[datetime, datetime] | None:
    """That local day's sending window as aware UTC datetimes; None on a day off."""
    if day.weekday() not in rules.days:
        return None
    start, end = rules.hours
    return as_utc(datetime.combine(day, start, tzinfo=where)), as_utc(datetime.combine(day, end, tzinfo=where))


def next_marketing_time(rules: Rules, now: datetime, where: tzinfo) -> datetime:
    """`now` when marketing may go then, else the start of the next local window (aware UTC)."""
    now = as_utc(now)
    today = now.astimezone(where).date()
    for offset in range(8):
        window = _window_on(rules, today + timedelta(days=offset), where)
        if window and now < window[1]:
            return max(now, window[0])
    raise ValueError("the marketing rules allow no day of the week")


def month_start(moment: datetime, where: tzinfo) -> datetime:
    """Midnight starting the local calendar month of `moment` (aware UTC): the cap's period."""
    local = as_utc(moment).astimezone(where)
    return as_utc(datetime.combine(local.date().replace(day=1), time(0), tzinfo=where))


def next_month_start(moment: datetime, where: tzinfo) -> datetime:
    first = as_utc(moment).astimezone(where).date().replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return as_utc(datetime.combine(following, time(0), tzinfo=where))


# --------------------------------------------------------------------------- the verdict


@dataclass(frozen=True)
class Verdict:
    action: str  # SEND, WAIT (until `at`), DROP (why: `reason`), ELSEWHERE (not on this channel)
    reason: str = ""
    at: datetime | None = None
    tag: str | None = None  # the Messenger tag to send it with


@dataclass(frozen=True)
class Situation:
    """What the worker knows of one message about to go."""

    message_type: str
    channel: str
    consent: Decision  # shop/consent.may_send for the message's kind on this channel
    marketing_sent_this_month: int  # to this contact, in their local month
    last_customer_message_at: datetime | None  # aware; None when the shop never heard from them
    timezone: str | None


def messenger_tag(rules: Rules, situation: Situation, now: datetime) -> tuple[bool, str | None]:
    """(may go on Messenger, with this tag or None inside the 24-hour window)."""
    last = situation.last_customer_message_at
    if last is not None and as_utc(now) - as_utc(last) < rules.messenger_window:
        return True, None
    tag = rules.tags.get(situation.message_type)
    return tag is not None, tag


def decide(rules: Rules, situation: Situation, now: datetime) -> Verdict:
    """Whether the message goes now, waits (until when), goes elsewhere, or is dropped (why)."""
    kind = rules.kind(situation.message_type)
    if not situation.consent.allowed:
        return Verdict(DROP, situation.consent.reason)
    tag = None
    if situation.channel == MESSENGER:
        allowed, tag = messenger_tag(rules, situation, now)
        if not allowed:
            return Verdict(ELSEWHERE, f"no Messenger tag allows {situation.message_type} outside the 24-hour window")
    if kind == TRANSACTIONAL:
        return Verdict(SEND, tag=tag)
    where = contact_zone(rules, situation.timezone)
    if situation.marketing_sent_this_month >= rules.per_month:
        after_cap = next_marketing_time(rules, next_month_start(now, where), where)
        return Verdict(WAIT, f"{rules.per_month} marketing messages sent this month", at=after_cap)
    allowed_at = next_marketing_time(rules, now, where)
    if allowed_at > as_utc(now):
        return Verdict(WAIT, "outside the marketing hours", at=allowed_at)
    return Verdict(SEND, tag=tag)


def retry_delay(rules: Rules, failures: int) -> timedelta | None:
    """How long to wait after the `failures`-th failed attempt; None: park the message."""
    return work_queue.backoff(failures, rules.attempts, rules.first_delay, rules.max_delay)
