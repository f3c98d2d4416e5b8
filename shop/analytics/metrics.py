"""The funnel's figures for a date range, filtered by channel, page or campaign: read from the
conversation events the consumer kept (feed.py) and from the shop's own tables (orders,
refunds, handoffs, widget sessions). A conversation is one session of one sender, counted on
the day of its first message; its channel, page and campaign are those of its first message
that had them.

Which figure comes from where:
- conversations, flows started/finished and where they stopped, qualification grades,
  bookings, opt-outs, misunderstandings and bot response times: the published events;
- orders and revenue, refunds requested and granted, handoffs (reasons, agents' first
  response, resolution): the shop's tables, for the senders of those conversations;
- widget sessions: what the widget reported (web/analytics.py), by page and campaign; a
  channel filter other than the web chat has none, and no engagement rate;
- CSAT: the satisfaction questions asked after an outcome and their answers (shop/csat.py)."""

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.models import ConversationEvent, CsatResponse, Handoff, Order, OrderItem, Refund, WidgetSession

# A flow: its form, and the responses that say it reached its outcome (names or prefixes).
FLOWS: dict[str, tuple[str, tuple[str, ...]]] = {
    "purchase": ("purchase_form", ("utter_order_placed",)),
    "refund": ("refund_form", ("utter_refund_filed",)),
    "order_status": ("order_status_form", ("utter_order_status_",)),
    "qualification": ("lead_form", ("utter_lead_resource_offer", "utter_lead_meeting_offer", "utter_lead_live_offer")),
    "booking": ("booking_form", ("utter_meeting_booked",)),
}
FLOW_OF_FORM = {form: flow for flow, (form, _) in FLOWS.items()}
NOT_UNDERSTOOD_INTENTS = ("nlu_fallback", "out_of_scope")
MISUNDERSTANDING_ACTION = "action_handle_misunderstanding"
OPT_OUT_ACTION = "action_opt_out"
WEB_CHANNEL = "socketio"  # the chat widget's channel (addons/webchat.py), the one whose opens are reported
PIPELINE_GRADES = ("hot", "warm")  # a qualified lead of these grades is in the sales pipeline
GRANTED_REFUNDS = ("approved", "refunded", "paid")
OPT_OUT_WARNING = 0.03  # opt-outs per conversation on a channel above this get a warning
TOP_UNRECOGNIZED = 20


MAX_DAYS = 366  # one request or report reads at most a year


class BadRange(ValueError):
    """A date range that cannot be read; its message says why, naming the option as given."""


def date_range(
    start: str | None, end: str | None, today: date, default_days: int, names: tuple[str, str] = ("from", "to")
) -> tuple[date, date]:
    """`start`/`end` as typed (YYYY-MM-DD, inclusive); the last `default_days` up to today by default."""

    def day(name: str, value: str | None, default: date) -> date:
        if not value:
            return default
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise BadRange(f"{name} must be a date like 2026-11-30, not {value!r}") from None

    first_name, last_name = names
    last = day(last_name, end, today)
    first = day(first_name, start, last - timedelta(days=default_days - 1))
    if first > last:
        raise BadRange(f"{first_name} ({first}) is after {last_name} ({last})")
    if (last - first).days >= MAX_DAYS:
        raise BadRange(f"at most {MAX_DAYS} days at a time")
    return first, last


@dataclass
class Filters:
    channel: str | None = None
    page: str | None = None
    campaign: str | None = None


@dataclass
class FlowRun:
    flow: str
    started_at: datetime
    finished_at: datetime | None = None
    step: str | None = None  # the last question asked in it


@dataclass
class Conversation:
    sender_id: str
    started_at: datetime
    channel: str | None = None
    page: str | None = None
    campaign: str | None = None
    messages: int = 0
    misunderstood: int = 0
    flows: list[FlowRun] = field(default_factory=list)
    lead_grade: str | None = None
    opted_out: bool = False
    bot_response_seconds: list[float] = field(default_factory=list)
    unrecognized: list[str] = field(default_factory=list)


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile (share in 0..1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def spread(values: Sequence[float]) -> dict[str, float | None]:
    return {"median": percentile(values, 0.5), "p95": percentile(values, 0.95), "count": len(values)}


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _is_outcome(flow: str, response: str | None) -> bool:
    return bool(response) and response.startswith(FLOWS[flow][1])  # type: ignore[union-attr]


def conversations_of(events: Iterable[ConversationEvent]) -> list[Conversation]:
    """The conversations (sessions with a customer message) in `events`, sorted by time."""
    by_sender: dict[str, list[ConversationEvent]] = defaultdict(list)
    for event in events:
        by_sender[event.sender_id].append(event)
    found: list[Conversation] = []
    for sender_id, sender_events in by_sender.items():
        sender_events.sort(key=lambda e: (e.at, e.id or 0))
        session: list[ConversationEvent] = []
        for event in sender_events:
            if event.kind == "session" and session:
                found += _conversation(sender_id, session)
                session = []
            session.append(event)
        found += _conversation(sender_id, session)
    return sorted(found, key=lambda c: c.started_at)


def _conversation(sender_id: str, events: list[ConversationEvent]) -> list[Conversation]:
    messages = [e for e in events if e.kind == "message"]
    if not messages:
        return []
    first = messages[0]
    conversation = Conversation(sender_id=sender_id, started_at=first.at, channel=first.channel)
    conversation.page = next((m.page for m in messages if m.page), None)
    conversation.campaign = next((m.campaign for m in messages if m.campaign), None)
    current_form: str | None = None
    awaiting_answer: ConversationEvent | None = None  # the message no bot response followed yet
    latest_message_misread = False
    # A message read as not understood counts once its answer shows a form did not take it (a
    # free-text answer, such as a satisfaction comment, is often classified nlu_fallback).
    misread: ConversationEvent | None = None
    for event in events:
        if event.kind == "message":
            if misread is not None:
                _count_misread(conversation, misread)
            conversation.messages += 1
            latest_message_misread = event.name in NOT_UNDERSTOOD_INTENTS
            misread = event if latest_message_misread else None
            awaiting_answer = event
        elif event.kind == "bot":
            if awaiting_answer is not None:
                conversation.bot_response_seconds.append((event.at - awaiting_answer.at).total_seconds())
                awaiting_answer = None
            for run in reversed(conversation.flows):
                if run.finished_at is None and _is_outcome(run.flow, event.name):
                    run.finished_at = event.at
                    break
        elif event.kind == "action":
            if misread is not None and event.name != current_form:
                _count_misread(conversation, misread)
            misread = None  # counted, or taken by the active form as its answer
            if event.name == MISUNDERSTANDING_ACTION and not latest_message_misread:
                conversation.misunderstood += 1
                latest_message_misread = True
            elif event.name == OPT_OUT_ACTION:
                conversation.opted_out = True
        elif event.kind == "form":
            current_form = _form_event(conversation, event, current_form)
        elif event.kind == "slot" and event.name == "requested_slot" and current_form in FLOW_OF_FORM:
            open_runs = [r for r in conversation.flows if r.flow == FLOW_OF_FORM[current_form] and not r.finished_at]
            if open_runs and event.value:
                open_runs[-1].step = event.value
        elif event.kind == "slot" and event.name == "lead_grade" and event.value:
            conversation.lead_grade = event.value
    if misread is not None:
        _count_misread(conversation, misread)
    return [conversation]


def _count_misread(conversation: Conversation, message: ConversationEvent) -> None:
    conversation.misunderstood += 1
    if message.value:
        conversation.unrecognized.append(message.value)


def _form_event(conversation: Conversation, event: ConversationEvent, current: str | None) -> str | None:
    """A form started (a flow run begins, unless one of the same flow is still unfinished: taken
    up again after an interruption, or reopened) or ended; returns the active form."""
    if not event.name:
        return None
    flow = FLOW_OF_FORM.get(event.name)
    if flow and event.name != current:
        unfinished = [r for r in conversation.flows if r.flow == flow and r.finished_at is None]
        if not unfinished:
            conversation.flows.append(FlowRun(flow=flow, started_at=event.at))
    return event.name


def _matches(conversation: Conversation, filters: Filters) -> bool:
    return all(
        wanted is None or getattr(conversation, name) == wanted
        for name, wanted in (("channel", filters.channel), ("page", filters.page), ("campaign", filters.campaign))
    )


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in UTC."""
    return datetime.combine(start, time()), datetime.combine(end + timedelta(days=1), time())


def funnel(session: Session, start: date, end: date, filters: Filters | None = None) -> dict[str, Any]:
    """Every figure for the conversations that began from `start` to `end` (days, inclusive, UTC)."""
    filters = filters or Filters()
    since, until = _bounds(start, end)
    # A conversation begun in range may go on past its end: read a day further.
    events = session.scalars(
        select(ConversationEvent).where(ConversationEvent.at >= since, ConversationEvent.at < until + timedelta(days=1))
    )
    conversations = [c for c in conversations_of(events) if since <= c.started_at < until and _matches(c, filters)]
    senders = {c.sender_id for c in conversations}
    total = len(conversations)
    orders, handoffs = _orders_of(session, senders, since, until), _handoffs_of(session, senders, since, until)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "filters": {k: v for k, v in vars(filters).items() if v is not None},
        "conversations": total,
        **_engagement(session, conversations, since, until, filters),
        "flows": _flows(conversations),
        **_pipeline(conversations),
        **_commerce(session, orders, senders, since, until),
        "handoffs": _handoffs(handoffs, total),
        "bot_response_seconds": spread([s for c in conversations for s in c.bot_response_seconds]),
        "opt_outs": _opt_outs(conversations),
        "misunderstanding": _misunderstanding(conversations),
        "csat": _csat(session, senders, since, until),
        "daily": _daily(conversations, orders, handoffs, start, end),
    }


def has_widget(filters: Filters) -> bool:
    """Whether the conversations `filters` picks can have widget sessions: the widget is the web
    chat's, so Messenger, SMS or REST alone have none (and no engagement rate)."""
    return filters.channel in (None, WEB_CHANNEL)


def _engagement(
    session: Session, conversations: list[Conversation], since: datetime, until: datetime, filters: Filters
) -> dict[str, Any]:
    on_the_web = sum(1 for c in conversations if c.channel == WEB_CHANNEL)
    if not has_widget(filters):
        return {"widget_sessions": None, "web_conversations": on_the_web, "engagement_rate": None}  # no widget
    query = select(WidgetSession).where(WidgetSession.opened_at >= since, WidgetSession.opened_at < until)
    if filters.page:
        query = query.where(WidgetSession.page == filters.page)
    if filters.campaign:
        query = query.where(WidgetSession.campaign == filters.campaign)
    opened = len(list(session.scalars(query)))
    return {"widget_sessions": opened, "web_conversations": on_the_web, "engagement_rate": rate(on_the_web, opened)}


def _flows(conversations: list[Conversation]) -> dict[str, Any]:
    figures = {}
    for flow in FLOWS:
        runs = [r for c in conversations for r in c.flows if r.flow == flow]
        finished = [r for r in runs if r.finished_at]
        stopped = Counter(r.step or "start" for r in runs if not r.finished_at)
        figures[flow] = {
            "started": len(runs),
            "finished": len(finished),
            "completion_rate": rate(len(finished), len(runs)),
            "abandoned_at": dict(stopped.most_common()),
        }
    return figures


def _pipeline(conversations: list[Conversation]) -> dict[str, Any]:
    total = len(conversations)
    qualified = [c for c in conversations if c.lead_grade]
    booked = [c for c in conversations if any(r.flow == "booking" and r.finished_at for r in c.flows)]
    in_pipeline = [c for c in conversations if c.lead_grade in PIPELINE_GRADES or c in booked]
    return {
        "leads": {
            "qualified": len(qualified),
            "qualification_rate": rate(len(qualified), total),
            "by_grade": dict(Counter(c.lead_grade for c in qualified).most_common()),
        },
        "bookings": {"count": len(booked), "booking_rate": rate(len(booked), total)},
        "conversation_to_pipeline": rate(len(in_pipeline), total),
    }


def _orders_of(session: Session, senders: set[str], since: datetime, until: datetime) -> list[Order]:
    if not senders:
        return []
    return list(
        session.scalars(
            select(Order).where(Order.sender_id.in_(senders), Order.placed_at >= since, Order.placed_at < until)
        )
    )


def _commerce(
    session: Session, orders: list[Order], senders: set[str], since: datetime, until: datetime
) -> dict[str, Any]:
    refunds = (
        list(
            session.scalars(
                select(Refund)
                .join(OrderItem, Refund.order_item_id == OrderItem.id)
                .join(Order, OrderItem.order_id == Order.id)
                .where(Order.sender_id.in_(senders), Refund.created_at >= since, Refund.created_at < until)
            )
        )
        if senders
        else []
    )
    return {
        "orders": {"count": len(orders), "revenue_cents": sum(o.total_cents for o in orders)},
        "refunds": {
            "requested": len(refunds),
            "granted": sum(1 for r in refunds if r.status in GRANTED_REFUNDS),
            "requested_cents": sum(r.amount_cents for r in refunds),
        },
    }


def _handoffs_of(session: Session, senders: set[str], since: datetime, until: datetime) -> list[Handoff]:
    if not senders:
        return []
    return list(
        session.scalars(
            select(Handoff).where(
                Handoff.sender_id.in_(senders), Handoff.created_at >= since, Handoff.created_at < until
            )
        )
    )


def _handoffs(handoffs: list[Handoff], total: int) -> dict[str, Any]:
    first_replies = [(h.first_reply_at - h.created_at).total_seconds() for h in handoffs if h.first_reply_at]
    resolutions = [(h.closed_at - h.created_at).total_seconds() for h in handoffs if h.closed_at]
    return {
        "count": len(handoffs),
        "rate": rate(len({h.sender_id for h in handoffs}), total),
        "reasons": dict(Counter(h.reason for h in handoffs).most_common()),
        "agent_first_response_seconds": spread(first_replies),
        "resolution_seconds": spread(resolutions),
    }


def _opt_outs(conversations: list[Conversation]) -> dict[str, Any]:
    by_channel: dict[str, list[Conversation]] = defaultdict(list)
    for conversation in conversations:
        by_channel[conversation.channel or "unknown"].append(conversation)
    figures = {}
    for channel, group in sorted(by_channel.items()):
        opted = sum(1 for c in group if c.opted_out)
        share = rate(opted, len(group))
        figures[channel] = {
            "conversations": len(group),
            "opt_outs": opted,
            "rate": share,
            "warning": share is not None and share > OPT_OUT_WARNING,
        }
    return figures


def _misunderstanding(conversations: list[Conversation]) -> dict[str, Any]:
    misunderstood = sum(c.misunderstood for c in conversations)
    texts = Counter(text.strip().lower() for c in conversations for text in c.unrecognized if text.strip())
    return {
        "misunderstood_messages": misunderstood,
        "messages": sum(c.messages for c in conversations),
        "per_conversation": rate(misunderstood, len(conversations)),
        "top_unrecognized": [{"text": t, "count": n} for t, n in texts.most_common(TOP_UNRECOGNIZED)],
    }


RECENT_COMMENTS = 10


def _csat(session: Session, senders: set[str], since: datetime, until: datetime) -> dict[str, Any]:
    asked = (
        list(
            session.scalars(
                select(CsatResponse).where(
                    CsatResponse.sender_id.in_(senders), CsatResponse.asked_at >= since, CsatResponse.asked_at < until
                )
            )
        )
        if senders
        else []
    )
    rated = [q for q in asked if q.rating is not None]
    by_outcome: dict[str, list[int]] = defaultdict(list)
    for question in rated:
        by_outcome[question.outcome].append(question.rating)
    commented = sorted((q for q in rated if q.comment), key=lambda q: q.answered_at or q.asked_at, reverse=True)
    return {
        "asked": len(asked),
        "answered": len(rated),
        "response_rate": rate(len(rated), len(asked)),
        "average": sum(q.rating for q in rated) / len(rated) if rated else None,
        "distribution": {str(n): sum(1 for q in rated if q.rating == n) for n in range(1, 6)},
        "average_by_outcome": {o: sum(r) / len(r) for o, r in sorted(by_outcome.items())},
        "recent_comments": [
            {"rating": q.rating, "outcome": q.outcome, "comment": q.comment} for q in commented[:RECENT_COMMENTS]
        ],
    }


def _daily(
    conversations: list[Conversation], orders: list[Order], handoffs: list[Handoff], start: date, end: date
) -> list[dict[str, Any]]:
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    orders_by_day = Counter(o.placed_at.date() for o in orders)
    handoffs_by_day = Counter(h.created_at.date() for h in handoffs)
    by_day: dict[date, list[Conversation]] = defaultdict(list)
    for conversation in conversations:
        by_day[conversation.started_at.date()].append(conversation)
    rows = []
    for day in days:
        today = by_day.get(day, [])
        rows.append(
            {
                "date": day.isoformat(),
                "conversations": len(today),
                "flows_started": sum(len(c.flows) for c in today),
                "flows_finished": sum(1 for c in today for r in c.flows if r.finished_at),
                "orders": orders_by_day.get(day, 0),
                "handoffs": handoffs_by_day.get(day, 0),
                "misunderstood": sum(c.misunderstood for c in today),
                "opt_outs": sum(1 for c in today if c.opted_out),
            }
        )
    return rows
