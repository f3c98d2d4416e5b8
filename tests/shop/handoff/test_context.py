"""The context packet an agent gets: reason, contact, intents, slots, lead, transcript."""

from shop.handoff.context import build_packet, card_text, intents, known_slots, transcript
from tests.support.trackers import action_event, user_event


def bot(text, **extra):
    return {"event": "bot", "text": text, "timestamp": 1893974400.0, "data": extra.pop("data", {}), **extra}


EVENTS = [
    action_event("action_listen"),
    {**user_event("do you have the trail runner in 10?", "check_stock"), "timestamp": 1893974400.0},
    action_event("action_check_stock"),
    bot("Yes, the Trail Runner comes in size 10.", data={"buttons": [{"title": "Buy it", "payload": "/purchase"}]}),
    bot(None, data={"custom": {"type": "product", "name": "Trail Runner", "price": "$89.00", "in_stock": True}}),
    bot(None),  # nothing to show
    user_event("how much is it", "product_info"),
    user_event("how much is it", "product_info"),
    user_event("I want to return my last order", "refund"),
    user_event("let me talk to a human", "human_handoff"),
    bot("Thanks for waiting!", metadata={"agent": {"id": 3, "name": "Ben Carter"}}),
]


def test_transcript_tells_customer_bot_and_agent_apart():
    lines = transcript(EVENTS)
    assert [line["who"] for line in lines] == [
        "customer",
        "bot",
        "bot",
        "customer",
        "customer",
        "customer",
        "customer",
        "agent",
    ]
    assert lines[0] == {
        "who": "customer",
        "text": "do you have the trail runner in 10?",
        "at": "2030-01-07T00:00:00+00:00",
    }
    assert lines[1]["buttons"] == ["Buy it"]
    assert lines[2]["text"] == "[product card] Trail Runner · $89.00 · in stock"
    assert lines[-1]["agent"] == "Ben Carter"


def test_transcript_keeps_the_latest_lines():
    many = [user_event(f"message {n}") for n in range(100)]
    assert [line["text"] for line in transcript(many, limit=3)] == ["message 97", "message 98", "message 99"]
    assert len(transcript(many, limit=None)) == 100


def test_intents_in_order_without_repeats():
    assert intents(EVENTS) == ["check_stock", "product_info", "refund", "human_handoff"]


def test_known_slots_are_labelled_and_empty_ones_left_out():
    slots = {
        "product": "Trail Runner",
        "size": "10",
        "color": None,
        "order_id": "A1004",
        "email": "jo@example.com",
        "requested_slot": "color",
        "refund_reason": "",
    }
    assert known_slots(slots) == {"Product": "Trail Runner", "Size": "10", "Order": "A1004"}


def test_card_text_of_other_payloads():
    assert card_text({"handoff": {"status": "waiting"}}) == "[card]"


def test_packet():
    packet = build_packet(
        events=EVENTS,
        slots={
            "product": "Trail Runner",
            "email": "jo@example.com",
            "lead_need": "uniforms",
            "company_size": 40,
            "timeline": "skipped",
        },
        reason="refund_refused",
        team="billing",
        channel="socketio",
        sender_id="abc",
        name="Jo",
    )
    assert packet["reason_text"] == "The refund policy refused the customer's refund."
    assert packet["contact"] == {"sender_id": "abc", "name": "Jo", "email": "jo@example.com"}
    assert packet["slots"] == {"Product": "Trail Runner"}
    assert packet["lead"] == {"need": "uniforms", "company_size": 40}  # skipped answers left out
    assert (packet["team"], packet["channel"], len(packet["transcript"])) == ("billing", "socketio", 8)
    assert packet["visit"] == {}  # no page metadata in these events


def test_packet_says_where_the_visitor_came_from():
    events = [
        {
            **user_event("hi", "greet"),
            "metadata": {"page": "pricing", "path": "/pricing", "utm_source": "newsletter", "utm_campaign": "fall"},
        },
        user_event("let me talk to a human", "human_handoff"),
    ]
    packet = build_packet(
        events=events, slots={}, reason="customer_asked", team="sales", channel="socketio", sender_id="abc"
    )
    assert packet["visit"] == {
        "page": "pricing",
        "path": "/pricing",
        "utm_source": "newsletter",
        "utm_campaign": "fall",
        "landing": "/pricing",
    }


def test_a_saved_lead_wins_over_the_slots():
    saved = {"need": "polos", "company_size": 250, "timeline": None, "score": 70, "grade": "hot", "team": "enterprise"}
    packet = build_packet(
        events=[],
        slots={"lead_need": "uniforms"},
        reason="hot_lead",
        team="sales",
        channel="rest",
        sender_id="abc",
        lead=saved,
    )
    assert packet["lead"] == {"need": "polos", "company_size": 250, "score": 70, "grade": "hot", "team": "enterprise"}
    assert packet["contact"]["name"] is None and packet["transcript"] == []
