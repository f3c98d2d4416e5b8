"""What the funnel keeps of each published event."""

from datetime import datetime

from shop.analytics.facts import event_key, fact_from_event


def user(text, intent, **extra):
    return {
        "event": "user",
        "sender_id": "s1",
        "timestamp": 1764633600.25,  # 2025-12-02 00:00:00.25 UTC
        "text": text,
        "parse_data": {"intent": {"name": intent}},
        "input_channel": "socketio",
        **extra,
    }


def test_a_message_keeps_its_intent_channel_page_and_campaign_but_not_its_words():
    fact = fact_from_event(user("my email is a@b.co", "inform", metadata={"path": "/p/hoodie", "utm_campaign": "x"}))
    assert (fact.kind, fact.name, fact.channel, fact.page, fact.campaign) == (
        "message",
        "inform",
        "socketio",
        "/p/hoodie",
        "x",
    )
    assert fact.value is None
    assert fact.at == datetime(2025, 12, 2, 0, 0, 0, 250000)


def test_a_message_not_understood_keeps_its_words_without_emails():
    fact = fact_from_event(user("blorp write to me at a@b.co", "nlu_fallback"))
    assert fact.value == "blorp write to me at <email>"


def test_bot_action_form_and_kept_slots():
    base = {"sender_id": "s1", "timestamp": 1.0}
    assert fact_from_event({**base, "event": "bot", "metadata": {"utter_action": "utter_greet"}}).name == "utter_greet"
    assert fact_from_event({**base, "event": "action", "name": "action_place_order"}).name == "action_place_order"
    assert fact_from_event({**base, "event": "action", "name": "action_listen"}) is None
    assert fact_from_event({**base, "event": "active_loop", "name": None}).kind == "form"
    assert fact_from_event({**base, "event": "slot", "name": "lead_grade", "value": "hot"}).value == "hot"
    assert fact_from_event({**base, "event": "slot", "name": "email", "value": "a@b.co"}) is None
    assert fact_from_event({**base, "event": "session_started"}).kind == "session"


def test_what_is_not_an_event_is_skipped():
    for bad in (None, "x", [], {"event": "user"}, {"event": "user", "sender_id": "s", "timestamp": "soon"}):
        assert fact_from_event(bad) is None


def test_the_key_is_the_events_own():
    event = user("hi", "greet")
    assert event_key(event) == event_key(dict(reversed(list(event.items()))))
    assert event_key(event) != event_key({**event, "timestamp": 2.0})
