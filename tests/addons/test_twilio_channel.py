"""The Twilio channel's parts without a server: what a webhook's parameters become, the turn a
text makes (keywords, numbered choices, opted-out contacts), and the replies as Twilio's Messages
API gets them from a local stand-in, field by field; a turn that fails, said (unless the
contact may have opted out)."""

import asyncio
import base64
from types import SimpleNamespace

import pytest
from rasa.core.lock_store import LockError
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain

import addons  # noqa: F401  (installs what the Rasa server runs with: a tracker store that fails raises)
from addons.numbered_choices import chosen_payload, last_choices, numbered
from addons.sender_queues import Inbound
from addons.twilio import TwilioSmsInput, attachments, message_problem, text_message, turn_for
from addons.twilio_output import TwilioApi, TwilioSmsBot, TwilioWhatsAppBot, pack
from shop.responses import render
from tests.support.twilio import ACCOUNT_SID, SMS_NUMBER, TwilioStandIn, message_params

SIZES = [{"title": "S", "payload": '/inform{"size": "S"}'}, {"title": "M", "payload": '/inform{"size": "M"}'}]
CUSTOMER = "+15551230001"


@pytest.fixture
def twilio():
    with TwilioStandIn() as stand_in:
        yield stand_in


# --------------------------------------------------------------------------- inbound


def test_a_message_and_its_media_as_rasa_gets_them():
    params = message_params(CUSTOMER, "look ¡ this", sid="SM1", NumMedia="2")
    params |= {"MediaUrl0": "https://api.twilio.com/m/1", "MediaContentType0": "image/jpeg"}
    params |= {"MediaUrl1": "https://api.twilio.com/m/2", "MediaContentType1": "video/mp4"}
    item = text_message(params, "twilio")
    assert (item.sender_id, item.text, item.key, item.mid) == (CUSTOMER, "look @ this", "SM1", "SM1")
    assert item.metadata == {
        "source": "twilio",
        "attachments": [
            {"url": "https://api.twilio.com/m/1", "content_type": "image/jpeg"},
            {"url": "https://api.twilio.com/m/2", "content_type": "video/mp4"},
        ],
    }


def test_a_photo_alone_reaches_rasa_as_its_url_and_an_empty_message_is_skipped():
    photo = message_params(
        CUSTOMER, "", NumMedia="1", MediaUrl0="https://x.example/p.jpg", MediaContentType0="image/png"
    )
    assert text_message(photo, "twilio").text == "https://x.example/p.jpg"
    assert text_message(message_params(CUSTOMER, "  "), "twilio") is None
    assert attachments({"NumMedia": "lots"}) == attachments({"NumMedia": "1", "MediaUrl0": "file:///etc/passwd"}) == []


def test_what_a_message_webhook_needs():
    assert message_problem(message_params(CUSTOMER, "hi"), whatsapp=False) is None
    assert message_problem(message_params("whatsapp:+15551230002", "hi"), whatsapp=True) is None
    assert message_problem({"From": CUSTOMER}, whatsapp=False) == "MessageSid is missing"
    assert message_problem({"MessageSid": "SM1", "From": "<script>"}, whatsapp=False) == "From must be a phone number"
    assert message_problem(message_params("whatsapp:+15551230002", "hi"), whatsapp=False)
    assert message_problem(message_params(CUSTOMER, "hi"), whatsapp=True)


# --------------------------------------------------------------------------- the turn


def item(text: str) -> Inbound:
    return Inbound(CUSTOMER, text, "SM1", "SM1", {"source": "twilio"})


def test_stop_and_cancel_opt_out_in_any_state_help_is_answered_beside_the_conversation():
    stop = turn_for(item("Cancel!"), "twilio", opted_out=False, choices=SIZES)
    assert (stop.text, stop.metadata["keyword"], stop.muted) == ("/opt_out", "CANCEL", False)
    assert turn_for(item("unstop"), "twilio", True, []).text == "/opt_in"
    assert turn_for(item("HELP"), "whatsapp", True, []).help


def test_an_opted_out_contact_is_heard_but_not_answered_until_start():
    assert turn_for(item("where is my order?"), "twilio", opted_out=True, choices=[]).muted
    assert turn_for(item("yes"), "twilio", opted_out=True, choices=[]).text == "/opt_in"
    assert turn_for(item("yes"), "twilio", opted_out=False, choices=[]).text == "yes"  # an answer


@pytest.mark.parametrize(
    "typed", ["/restart", "/session_start", '/opt_out{"email": "victim@example.com"}', "  /EXTERNAL_handoff_return"]
)
def test_a_typed_payload_is_text_never_the_intent_it_names(typed):
    for opted_out in (False, True):
        turn = turn_for(Inbound(CUSTOMER, typed, "SM1"), "twilio", opted_out, SIZES)
        assert not turn.text.lstrip().startswith("/"), turn  # Rasa would take "/x" as intent x
        assert turn.text.lstrip()[1:] == typed.lstrip()[1:]  # the words kept, for NLU


def test_a_number_picks_the_last_choice_offered():
    turn = turn_for(item("2"), "twilio", opted_out=False, choices=SIZES)
    assert (turn.text, turn.metadata["typed"]) == ('/inform{"size": "M"}', "2")
    assert turn_for(item("2"), "twilio", opted_out=False, choices=[]).text == "2"  # e.g. a quantity


@pytest.mark.parametrize(
    "reply, payload", [("1", "/a"), (" 2. ", "/b"), ("#3", "/c"), ("option 2", "/b"), ("Large", "/c")]
)
def test_numbered_replies(reply, payload):
    choices = [
        {"title": "Small", "payload": "/a"},
        {"title": "Medium", "payload": "/b"},
        {"title": "large", "payload": "/c"},
    ]
    assert chosen_payload(reply, choices) == payload


@pytest.mark.parametrize("reply", ["0", "4", "12", "2 please", "medium rare", ""])
def test_other_replies_are_no_choice(reply):
    assert (
        chosen_payload(
            reply, [{"title": "Small", "payload": "/a"}, {"title": "Medium", "payload": "/b"}, {"title": "L"}]
        )
        is None
    )


def test_the_choices_are_those_of_the_bots_last_message_with_buttons_since_the_customer_wrote():
    offered = {"event": "bot", "text": "Size?", "data": {"buttons": SIZES}}
    after = {"event": "bot", "text": "Or ask me anything.", "data": {}}
    assert last_choices([{"event": "user", "text": "hi"}, offered, after]) == SIZES
    assert last_choices([offered, {"event": "user", "text": "S"}, after]) == []
    link = {"title": "Track", "url": "https://x.example"}
    assert last_choices([{"event": "bot", "data": {"buttons": [link]}}]) == []


def test_buttons_become_numbered_lines_and_links_stay_links():
    assert numbered("Which size?", [*SIZES, {"title": "Size guide", "url": "https://x.example/sizes"}]) == (
        "Which size?\n\n1. S\n2. M\nSize guide: https://x.example/sizes"
    )


# --------------------------------------------------------------------------- replies


def test_long_texts_are_packed_into_as_few_bodies_as_fit_cut_at_word_ends():
    assert pack("one\n\ntwo", 1600) == ["one\n\ntwo"]
    words = " ".join(f"word{i}" for i in range(700))  # ~4,900 characters
    bodies = pack(words, 1600)
    assert len(bodies) == 4 and all(len(b) <= 1600 for b in bodies)
    assert " ".join(bodies).split() == words.split()  # nothing lost, no word cut
    assert len(pack(words, 4096)) == 2


async def test_replies_go_to_twilios_messages_api_field_by_field(twilio):
    api = TwilioApi(ACCOUNT_SID, "secret", twilio.url)
    bot = TwilioSmsBot(api, SMS_NUMBER, status_callback_url="https://shop.example.com/twilio/status")
    await bot.send_response(CUSTOMER, {"text": "Which size?", "buttons": SIZES})
    await bot.send_response(CUSTOMER, {"text": "Here it is", "image": "https://x.example/p.jpg"})
    await api.close()
    [call, *_] = twilio.calls
    assert call["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert call["auth"] == "Basic " + base64.b64encode(f"{ACCOUNT_SID}:secret".encode()).decode()
    assert call["content_type"].startswith("application/x-www-form-urlencoded")
    assert twilio.sent() == [
        {
            "From": SMS_NUMBER,
            "To": CUSTOMER,
            "Body": "Which size?\n\n1. S\n2. M",
            "StatusCallback": "https://shop.example.com/twilio/status",
        },
        {
            "From": SMS_NUMBER,
            "To": CUSTOMER,
            "Body": "Here it is",
            "StatusCallback": "https://shop.example.com/twilio/status",
        },
        {
            "From": SMS_NUMBER,
            "To": CUSTOMER,
            "Body": "",
            "MediaUrl": ["https://x.example/p.jpg"],
            "StatusCallback": "https://shop.example.com/twilio/status",
        },
    ]


async def test_whatsapp_bodies_are_longer_and_a_closed_gate_sends_nothing(twilio):
    api = TwilioApi(ACCOUNT_SID, "secret", twilio.url)

    async def opted_out(_recipient):
        return False

    await TwilioWhatsAppBot(api, "whatsapp:+14155238886").send_text_message("whatsapp:+1555", "x " * 1500)
    await TwilioSmsBot(api, SMS_NUMBER, gate=opted_out).send_text_message(CUSTOMER, "anything")
    await api.close()
    [only] = twilio.sent()
    assert only["From"] == "whatsapp:+14155238886" and len(only["Body"]) == 2999


async def test_an_unreachable_api_is_logged_not_raised(caplog):
    api = TwilioApi(ACCOUNT_SID, "secret", "http://127.0.0.1:9", timeout=2)
    assert await api.send({"From": SMS_NUMBER, "To": CUSTOMER, "Body": "hi"}) is None
    await api.close()
    assert "Twilio unreachable for …01" in caplog.text


# --------------------------------------------------------------------------- a turn that fails


async def test_a_turn_that_fails_is_said_unless_the_contact_may_have_opted_out(twilio, tmp_path):
    async def lock_store_down(message):
        raise LockError("the lock store cannot be reached")

    channel = TwilioSmsInput(ACCOUNT_SID, "secret", SMS_NUMBER, api_base_url=twilio.url)
    (tmp_path / "db").mkdir()
    store = FailSafeTrackerStore(SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "db" / "t.db")))
    channel.app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(tracker_store=store)))
    await channel.handle(Inbound(CUSTOMER, "hi", "SM1"), lock_store_down)
    assert [m["Body"] for m in twilio.sent()] == [render("utter_action_failed")["text"]]  # not silence

    # Without its conversation nobody knows whether the number texted STOP: nothing goes to it.
    (tmp_path / "db").rename(tmp_path / "gone")
    await channel.handle(Inbound(CUSTOMER, "hi again", "SM2"), lock_store_down)
    await channel.api.close()
    assert len(twilio.sent()) == 1


async def test_a_number_over_its_messages_a_minute_is_told_to_slow_down(twilio, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "")
    monkeypatch.setenv("RATE_LIMIT_PER_SENDER", "1")
    handled = []

    async def on_new_message(message):
        handled.append(message.text)

    channel = TwilioSmsInput(ACCOUNT_SID, "secret", SMS_NUMBER, api_base_url=twilio.url)
    assert channel.enqueue(Inbound(CUSTOMER, "first", "SM10"), on_new_message)
    assert channel.enqueue(Inbound(CUSTOMER, "second", "SM11"), on_new_message)
    while channel.queues.busy:
        await asyncio.sleep(0.05)
    await channel.api.close()
    assert handled == ["first"]
    assert [m["Body"] for m in twilio.sent()] == [render("utter_slow_down")["text"]]
