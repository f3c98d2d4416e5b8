"""The funnel's figures on a generated set of conversations whose figures are known in advance."""

from datetime import date, datetime, timedelta

import pytest

from shop.analytics.feed import record_events
from shop.analytics.metrics import Filters, funnel, has_widget, percentile
from shop.db import session_scope
from shop.models import CsatResponse, Handoff, Order, WidgetSession
from tests.support.analytics import Published, a_busy_day, order_status_told

START = date(2026, 11, 2)


def utc(day_offset: int, hour: int) -> float:
    """Epoch seconds of START + day_offset at hour:00 UTC."""
    from datetime import timezone

    moment = datetime.combine(START + timedelta(days=day_offset), datetime.min.time()).replace(tzinfo=timezone.utc)
    return (moment + timedelta(hours=hour)).timestamp()


def naive(day_offset: int, hour: int, seconds: float = 0) -> datetime:
    return datetime.combine(START + timedelta(days=day_offset), datetime.min.time()) + timedelta(
        hours=hour, seconds=seconds
    )


def generated() -> list[dict]:
    conversations = [
        *a_busy_day(lambda hour: utc(0, hour)),
        # Day 2: an order status told, a greeting on Messenger, one sender with two sessions.
        order_status_told("F", utc(1, 9)),
        Published("G", utc(1, 10), "facebook").session().says("hello", "greet").bot("utter_greet"),
        Published("H", utc(1, 11))
        .session()
        .says("hi", "greet")
        .bot("utter_greet")
        .session()
        .says("hi again", "greet")
        .bot("utter_greet"),
    ]
    return [e for c in conversations for e in c.events]


@pytest.fixture
def figures_db(shop_db):
    with session_scope() as session:
        record_events(session, generated())
        session.add(
            Order(reference="A9001", sender_id="A", email="a@b.co", total_cents=6500, placed_at=naive(0, 9, 30))
        )
        session.add(
            Handoff(
                sender_id="C",
                team="support",
                reason="customer_asked",
                created_at=naive(0, 11, 10),
                first_reply_at=naive(0, 11, 40),
                closed_at=naive(0, 11, 310),
            )
        )
        # CSAT: A rated the purchase 4 with a comment, E the booking 2, C was asked and did not answer.
        session.add(CsatResponse(sender_id="A", outcome="order", asked_at=naive(0, 9, 40), rating=4, comment="quick"))
        session.add(CsatResponse(sender_id="E", outcome="booking", asked_at=naive(0, 13, 30), rating=2))
        session.add(CsatResponse(sender_id="C", outcome="agent_closed", asked_at=naive(0, 11, 320)))
        session.add(CsatResponse(sender_id="someone-else", outcome="order", asked_at=naive(0, 9), rating=1))
        for i, (page, campaign, day) in enumerate(
            [("/p/hoodie", "winter", 0), ("/p/hoodie", None, 0), ("/", None, 0), ("/", None, 0), ("/", None, 1)]
        ):
            session.add(WidgetSession(session_id=f"w{i}", opened_at=naive(day, 8), page=page, campaign=campaign))
    return shop_db


def figures(**filters):
    with session_scope() as session:
        return funnel(session, START, START + timedelta(days=1), Filters(**filters))


def test_every_figure_of_the_generated_set(figures_db):
    f = figures()
    assert f["conversations"] == 9  # H's two sessions are two conversations
    assert (f["widget_sessions"], f["web_conversations"], f["engagement_rate"]) == (5, 2, 0.4)
    assert f["flows"]["purchase"] == {"started": 2, "finished": 1, "completion_rate": 0.5, "abandoned_at": {"email": 1}}
    assert f["flows"]["order_status"]["completion_rate"] == 1.0
    assert f["flows"]["qualification"] == {"started": 1, "finished": 1, "completion_rate": 1.0, "abandoned_at": {}}
    assert f["flows"]["booking"]["finished"] == 1 and f["flows"]["refund"]["started"] == 0
    assert f["leads"] == {"qualified": 1, "qualification_rate": 1 / 9, "by_grade": {"hot": 1}}
    assert f["bookings"] == {"count": 1, "booking_rate": 1 / 9}
    assert f["conversation_to_pipeline"] == 1 / 9
    assert f["orders"] == {"count": 1, "revenue_cents": 6500}
    handoffs = f["handoffs"]
    assert (handoffs["count"], handoffs["rate"], handoffs["reasons"]) == (1, 1 / 9, {"customer_asked": 1})
    assert handoffs["agent_first_response_seconds"]["median"] == 30
    assert handoffs["resolution_seconds"]["p95"] == 300
    # Each answer comes 0.5 s after the action or slot (0.01 s) that follows the message.
    assert f["bot_response_seconds"]["median"] == pytest.approx(0.51, abs=0.001)
    assert f["opt_outs"]["socketio"] == {"conversations": 2, "opt_outs": 1, "rate": 0.5, "warning": True}
    assert f["opt_outs"]["rest"]["opt_outs"] == 0 and not f["opt_outs"]["rest"]["warning"]
    assert f["misunderstanding"]["misunderstood_messages"] == 2
    assert f["misunderstanding"]["per_conversation"] == 2 / 9
    assert f["misunderstanding"]["top_unrecognized"] == [{"text": "blorp", "count": 2}]
    csat = f["csat"]
    assert (csat["asked"], csat["answered"], csat["response_rate"], csat["average"]) == (3, 2, 2 / 3, 3.0)
    assert csat["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 0}
    assert csat["average_by_outcome"] == {"booking": 2.0, "order": 4.0}
    assert csat["recent_comments"] == [{"rating": 4, "outcome": "order", "comment": "quick"}]
    assert [(d["date"], d["conversations"], d["orders"], d["handoffs"]) for d in f["daily"]] == [
        ("2026-11-02", 5, 1, 1),
        ("2026-11-03", 4, 0, 0),
    ]


def engagement(f: dict) -> tuple:
    return f["widget_sessions"], f["web_conversations"], f["engagement_rate"]


def test_filters_by_channel_page_and_campaign(figures_db):
    web = figures(channel="socketio")
    assert web["conversations"] == 2 and web["orders"]["count"] == 1
    winter = figures(campaign="winter")
    assert (winter["conversations"], *engagement(winter)) == (1, 1, 1, 1.0)
    assert figures(page="/p/hoodie")["widget_sessions"] == 2
    assert figures(channel="facebook")["conversations"] == 1


def test_the_engagement_rate_is_the_web_chats_only(figures_db):
    # The web chat: its 2 conversations of the 5 widget sessions, as with no filter.
    assert engagement(figures(channel="socketio")) == (5, 2, 0.4)
    # Messenger and REST have no widget: no sessions to count, so no rate (not 0%).
    assert engagement(figures(channel="facebook")) == (None, 0, None)
    assert engagement(figures(channel="rest")) == (None, 0, None)
    # The page and the campaign pick the widget sessions opened there, with or without the channel.
    assert engagement(figures(channel="socketio", page="/")) == (3, 1, 1 / 3)  # D on /, of 3 opened on /
    assert engagement(figures(channel="socketio", campaign="winter")) == (1, 1, 1.0)
    assert engagement(figures(channel="rest", campaign="winter")) == (None, 0, None)


def test_has_widget():
    assert has_widget(Filters()) and has_widget(Filters(channel="socketio", page="/p/hoodie"))
    assert not has_widget(Filters(channel="facebook")) and not has_widget(Filters(channel="twilio"))


def test_a_range_counts_the_conversations_begun_in_it(figures_db):
    with session_scope() as session:
        first_day = funnel(session, START, START)
        nothing = funnel(session, START - timedelta(days=30), START - timedelta(days=1))
    assert first_day["conversations"] == 5 and first_day["orders"]["count"] == 1
    assert nothing["conversations"] == 0 and nothing["engagement_rate"] is None


def test_a_purchase_interrupted_and_taken_up_again_is_one_purchase(shop_db):
    p = Published("I", utc(0, 9)).session().says("I want a hoodie", "purchase").form("purchase_form")
    p.asks("purchase_confirmed", "utter_ask_to_place_the_order").says("where is my order A1003", "order_status")
    p.form("order_status_form").asks("email", "utter_ask_email").says("j@x.co", "inform").form(None)
    p.bot("utter_order_status_delivered").form("purchase_form").bot("utter_resume_purchase_form")
    p.asks("purchase_confirmed", "utter_ask_to_place_the_order").says("yes", "affirm").form(None).bot(
        "utter_order_placed"
    )
    with session_scope() as session:
        record_events(session, p.events)
    f = figures()
    assert f["flows"]["purchase"]["started"] == 1 and f["flows"]["purchase"]["finished"] == 1
    assert f["flows"]["order_status"]["finished"] == 1


def test_a_free_text_answer_a_form_took_is_not_a_misunderstanding(shop_db):
    # K's comment is classified nlu_fallback and csat_form takes it; L's nonsense in the purchase
    # is refused by the form (no run of it is published) and answered as not understood.
    k = Published("K", utc(0, 9)).session().says("hi", "greet").bot("utter_greet").form("csat_form")
    k.asks("csat_comment", "utter_ask_csat_comment").says("quick and easy", "nlu_fallback").action("csat_form")
    k.form(None).action("action_record_csat").bot("utter_csat_thanks")
    lo = Published("L", utc(0, 10)).session().says("I want a hoodie", "purchase").action("purchase_form")
    lo.form("purchase_form").asks("size", "utter_ask_size").says("qwzx", "nlu_fallback")
    lo.action("action_handle_misunderstanding").bot("utter_not_understood")
    with session_scope() as session:
        record_events(session, k.events + lo.events)
    misunderstanding = figures()["misunderstanding"]
    assert misunderstanding["misunderstood_messages"] == 1
    assert misunderstanding["top_unrecognized"] == [{"text": "qwzx", "count": 1}]


def test_percentile_is_nearest_rank():
    assert percentile([], 0.5) is None
    assert percentile([3, 1, 2], 0.5) == 2
    assert percentile(list(range(1, 101)), 0.95) == 95
