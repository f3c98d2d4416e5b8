"""Customer-typed payloads: out_of_scope when they reach NLU, and only our buttons' intents
pass as payloads (the rest go to NLU as text)."""

from pathlib import Path

import pytest
import yaml

from addons.payload_guard import (
    TEXT_SLASH,
    SlashPayloadClassifier,
    allowed_intents,
    button_intents,
    guard_payload,
    guard_typed_payload,
    intents_in_source,
    payload_intent,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "text, intent",
    [
        ("/action_listen", "action_listen"),
        ('/purchase{"product": "Hoodie"}', "purchase"),
        ("  /opt_out", "opt_out"),
        ("/greet@0.5", "greet"),
        ("/", ""),
        (TEXT_SLASH + "opt_out", "opt_out"),
        ("hello /opt_out", None),
        ("", None),
        (None, None),
        ("and/or", None),
    ],
)
def test_payload_intent(text, intent):
    assert payload_intent(text) == intent


@pytest.mark.parametrize(
    "text, expected",
    [
        ('/purchase{"product": "Hoodie"}', '/purchase{"product": "Hoodie"}'),  # our button: as is
        ("/greet", "/greet"),
        ("/opt_out", TEXT_SLASH + "opt_out"),  # a domain intent no button sends: text
        ("  /restart", TEXT_SLASH + "restart"),
        ("/action_listen", TEXT_SLASH + "action_listen"),
        ("hello", "hello"),
        ("", ""),
        ("🙂", "🙂"),
        ("1/2", "1/2"),
    ],
)
def test_guard_payload(text, expected):
    assert guard_payload(text, {"purchase", "greet"}) == expected


def test_nothing_typed_passes_as_a_payload_with_an_empty_allow_list():
    assert guard_payload("/purchase", ()) == TEXT_SLASH + "purchase"


def test_the_allow_list_is_what_our_buttons_send():
    allowed = button_intents(PROJECT_ROOT)
    # the domain's buttons, the actions' buttons, the web pages' calls to action, the greeting
    assert {
        "product_info",
        "order_status",
        "refund",
        "human_handoff",  # domain.yml
        "purchase",
        "check_stock",
        "affirm",
        "deny",
        "book_meeting",
        "inform",
        "request_followup",
        "sales_inquiry",
        "delivery_estimate",
        "faq_topic_chosen",  # actions/
        "greet",
    } <= allowed
    # never what customers must not trigger by typing ("cancel" is a button: the refund's Stop;
    # opt_in is the restock notice's "Yes, message me": consent the customer gives by tapping it)
    assert not allowed & {
        "opt_out",
        "restart",
        "session_start",
        "action_listen",
        "nlu_fallback",
        "out_of_scope",
        "stop",
        "goodbye",
    }
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert allowed <= {i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]} | {"greet"}
    assert allowed_intents() == frozenset(allowed)


def test_intents_in_source():
    source = """
button("Buy", "purchase", product="x")
payload("affirm")
product_buttons(names)
product_buttons(names, "check_stock")
class Q:
    question = "delivery_estimate"
buttons = [{"title": "t", "payload": f'/inform{{"slot": "{value}"}}'}, {"payload": "/deny"}]
button(title, intent_variable)
"""
    assert intents_in_source(source) == {
        "purchase",
        "affirm",
        "product_info",
        "check_stock",
        "delivery_estimate",
        "inform",
        "deny",
    }


def test_guard_typed_payload_uses_the_project_allow_list():
    assert guard_typed_payload("/opt_out") == TEXT_SLASH + "opt_out"
    assert guard_typed_payload('/check_stock{"product": "Hoodie"}') == '/check_stock{"product": "Hoodie"}'


# --------------------------------------------------------------------------- the NLU component


@pytest.fixture(scope="module")
def classifier():
    return SlashPayloadClassifier.create(SlashPayloadClassifier.get_default_config(), None, None, None)


def _message(text, intent="opt_out"):
    from rasa.shared.nlu.training_data.message import Message

    return Message(
        data={
            "text": text,
            "intent": {"name": intent, "confidence": 0.93},
            "intent_ranking": [{"name": intent, "confidence": 0.93}, {"name": "greet", "confidence": 0.05}],
            "entities": [{"entity": "product", "value": "Hoodie", "start": 1, "end": 3}],
        }
    )


@pytest.mark.parametrize(
    "text",
    [
        "/action_listen",
        "/opt_out",
        TEXT_SLASH + "opt_out",
        "/",
        "  /x y z",
        '/purchase{"product": "Hoodie"',
        "/" + "x" * 10000,
        "/🙂",
        "/привет",
    ],
)
def test_slash_text_is_out_of_scope_without_entities(classifier, text):
    message = _message(text)
    classifier.process([message])
    assert message.get("intent") == {"name": "out_of_scope", "confidence": 1.0}
    assert message.get("intent_ranking") == [{"name": "out_of_scope", "confidence": 1.0}]
    assert message.get("entities") == []


@pytest.mark.parametrize("text", ["stop emailing me", "a/b", "1/2 price?", "", "   ", "🙂"])
def test_other_text_keeps_its_classification(classifier, text):
    message = _message(text)
    classifier.process([message])
    assert message.get("intent") == {"name": "opt_out", "confidence": 0.93}
    assert len(message.get("entities")) == 1


def test_the_intent_is_configurable():
    other = SlashPayloadClassifier({"intent": "nlu_fallback"})
    message = _message("/x")
    other.process([message])
    assert message.get("intent")["name"] == "nlu_fallback"


# --------------------------------------------------------------------------- channels


def test_messenger_typed_text_is_never_a_payload_but_buttons_are():
    from addons.messenger import inbound

    def event(message=None, postback=None):
        return {
            "sender": {"id": "p1"},
            "timestamp": 1,
            **({"message": message} if message else {}),
            **({"postback": postback} if postback else {}),
        }

    typed = inbound(event(message={"mid": "m1", "text": '/purchase{"product": "Hoodie"}'}))
    assert typed.text == TEXT_SLASH + 'purchase{"product": "Hoodie"}'
    quick = inbound(event(message={"mid": "m2", "text": "Buy", "quick_reply": {"payload": "/purchase"}}))
    assert quick.text == "/purchase"
    postback = inbound(event(postback={"mid": "m3", "payload": "/check_stock", "title": "Check"}))
    assert postback.text == "/check_stock"
    assert inbound(event(message={"mid": "m4", "text": "hello"})).text == "hello"


def test_rest_channel_guards_typed_payloads():

    from addons.rest import GuardedRestInput

    channel = GuardedRestInput()
    assert channel.name() == "rest"  # same URL as Rasa's: /webhooks/rest/webhook

    def text_of(message):
        return channel.user_input({"sender": "me", "message": message})[1]

    assert text_of("/opt_out") == TEXT_SLASH + "opt_out"
    assert text_of("/greet") == "/greet"
    assert text_of("hi") == "hi"
    assert text_of("\u200b/opt_out") == TEXT_SLASH + "opt_out"  # a zero-width space does not hide it


def test_web_chat_guards_typed_payloads():
    import asyncio

    from addons.webchat import WebChatInput

    channel = WebChatInput(
        user_message_evt="user_uttered",
        bot_message_evt="bot_uttered",
        session_persistence=True,
        metadata_key="customData",
    )
    received = []

    async def on_new_message(message):
        received.append(message.text)

    channel.blueprint(on_new_message)
    handlers = channel.sio.handlers[channel.namespace or "/"]

    async def send_all():
        sid = await channel.sio.manager.connect("eio1", channel.namespace or "/")
        await handlers["session_request"](sid, {})
        (session_id,) = [room for room in channel.sio.rooms(sid) if room != sid]
        for text in ["/opt_out", '/purchase{"product": "Hoodie"}', "/greet", "hello"]:
            await handlers["user_uttered"](sid, {"message": text, "session_id": session_id})

    asyncio.run(send_all())
    assert received == [TEXT_SLASH + "opt_out", '/purchase{"product": "Hoodie"}', "/greet", "hello"]


def test_without_the_project_files_nothing_is_guarded(tmp_path, monkeypatch):
    """Buttons must keep working where the files are missing: the guard steps aside, loudly."""
    import addons.payload_guard as guard

    monkeypatch.setattr(guard, "PROJECT_ROOT", tmp_path)
    guard.allowed_intents.cache_clear()
    try:
        assert guard.allowed_intents() is None
        assert guard.guard_typed_payload("/purchase") == "/purchase"
        (tmp_path / "actions").mkdir()
        guard.allowed_intents.cache_clear()
        assert guard.allowed_intents() is None  # no domain.yml
    finally:
        guard.allowed_intents.cache_clear()
