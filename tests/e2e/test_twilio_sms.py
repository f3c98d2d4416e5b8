"""SMS and WhatsApp inside the real Rasa server (with the trained model and the action server):
webhook calls in Twilio's form encoding, signed as Twilio signs them for the public URL, go in;
the replies are read off a local stand-in of Twilio's Messages API, field by field. The
credentials file is the one scripts/make_credentials.py makes from the TWILIO_* variables."""

import re
import secrets

import pytest
import requests
from sqlalchemy import create_engine, text

from scripts.make_credentials import TWILIO_SMS, TWILIO_WHATSAPP
from tests.support.servers import Servers
from tests.support.twilio import E2E_AUTH_TOKEN, E2E_PUBLIC_URL, SMS_NUMBER, WHATSAPP_NUMBER, message_params, signed

pytestmark = pytest.mark.e2e

TURN_TIMEOUT = 90  # the first turn of a fresh server also warms up the model
STOP_HINT = "Reply STOP to unsubscribe"


class Texting:
    """One contact texting the shop's number (or its WhatsApp number)."""

    def __init__(self, servers: Servers, twilio, whatsapp: bool = False) -> None:
        assert TWILIO_SMS in servers.credentials.read_text() and TWILIO_WHATSAPP in servers.credentials.read_text()
        self.servers, self.twilio, self.whatsapp = servers, twilio, whatsapp
        number = f"+1555{secrets.randbelow(10**7):07d}"
        self.number = f"whatsapp:{number}" if whatsapp else number
        self.shop_number = f"whatsapp:{WHATSAPP_NUMBER}" if whatsapp else SMS_NUMBER
        path = "/webhooks/whatsapp/webhook" if whatsapp else "/webhooks/twilio/webhook"
        self.local, self.public = f"{servers.url}{path}", f"{E2E_PUBLIC_URL}{path}"

    def post(self, body: str, token: str = E2E_AUTH_TOKEN, **more: str) -> requests.Response:
        params = message_params(self.number, body, to=self.shop_number, **more)
        data, headers = signed(self.public, params, token)
        return requests.post(self.local, data=data, headers=headers, timeout=10)

    def sent(self) -> list[dict]:
        return self.twilio.sent(self.number)

    def say(self, body: str, expect: int = 1, **more: str) -> list[str]:
        """The bodies sent back for this message, once at least `expect` more arrived and the turn ended."""
        before = len(self.sent())
        answer = self.post(body, **more)
        assert answer.status_code == 200 and "<Response>" in answer.text, answer.text
        self.wait_for_turn(before + expect)
        return [m["Body"] for m in self.sent()[before:]]

    def wait_for_turn(self, count: int) -> None:
        self.twilio.wait_for(lambda: len(self.sent()) >= count, TURN_TIMEOUT, f"{count} messages to {self.number}")
        # the turn is over once its user event is in the tracker and the bot listens again
        self.twilio.wait_for(lambda: self.tracker()["latest_action_name"] == "action_listen", TURN_TIMEOUT)

    def tracker(self) -> dict:
        answer = requests.get(
            f"{self.servers.url}/conversations/{self.number}/tracker", params={"token": self.servers.token}, timeout=30
        )
        answer.raise_for_status()
        return answer.json()

    def user_texts(self) -> list[str]:
        return [e["text"] for e in self.tracker()["events"] if e["event"] == "user"]


def choice(body: str, number: int) -> str:
    return re.search(rf"^{number}\. (.+)$", body, re.MULTILINE).group(1)


def shop_rows(servers, query: str, **params) -> list:
    with create_engine(servers.shop_db).connect() as conn:
        return list(conn.execute(text(query), params))


def test_a_purchase_by_sms_with_choices_answered_by_number(servers, twilio):
    sms = Texting(servers, twilio)
    notice, greeting = sms.say("hi", expect=2)
    assert STOP_HINT in notice  # the first text to a number says how to stop
    assert greeting.startswith("Hi! I'm the shop assistant.") and "\n1. Browse products\n" in greeting
    assert all(m["From"] == SMS_NUMBER and m["To"] == sms.number for m in sms.sent())

    [size_question] = sms.say("I want to buy a hoodie")
    size = choice(size_question, 2)
    [color_question] = sms.say("2")
    assert sms.user_texts()[-1] == f'/inform{{"size": "{size}"}}'
    color = choice(color_question, 1)
    assert "how many" in " ".join(sms.say("1")).lower()
    assert "email" in " ".join(sms.say("2")).lower()  # a quantity: no choices were offered
    [confirm] = sms.say("sms.buyer@example.com")
    assert f"2 x Hoodie ({color}, size {size})" in confirm and "1. Yes, place the order\n2. No" in confirm
    done = " ".join(sms.say("1"))
    assert "Your order A10" in done
    orders = shop_rows(servers, "SELECT sender_id FROM orders WHERE email = 'sms.buyer@example.com'")
    assert orders == [(sms.number,)]
    assert STOP_HINT not in " ".join(m["Body"] for m in sms.sent()[1:])  # said once, in the first reply


def test_a_handoff_requested_by_sms(servers, twilio):
    sms = Texting(servers, twilio)
    sms.say("hi", expect=2)
    before = len(sms.sent())
    assert sms.post("I want to talk to a person").status_code == 200
    handoff = lambda: shop_rows(servers, "SELECT id, channel FROM handoffs WHERE sender_id = :s", s=sms.number)  # noqa: E731
    [(handoff_id, channel)] = twilio.wait_for(handoff, TURN_TIMEOUT, "the handoff")
    assert channel == "twilio"  # the inbox answers on SMS
    twilio.wait_for(lambda: len(sms.sent()) > before, TURN_TIMEOUT)
    assert f"(reference H{handoff_id:04d})" in sms.sent()[before]["Body"]


def test_stop_in_the_middle_of_a_form_then_nothing_until_start(servers, twilio):
    sms = Texting(servers, twilio)
    sms.say("hi", expect=2)
    sms.say("I want to buy a hoodie")
    assert sms.tracker()["active_loop"]["name"] == "purchase_form"
    [confirmation] = sms.say("Cancel")  # on SMS a carrier keyword, not "never mind"
    assert confirmation.startswith("You're unsubscribed") and "Reply START to resubscribe" in confirmation
    assert sms.tracker()["active_loop"] == {} or sms.tracker()["active_loop"].get("name") is None
    consent = shop_rows(
        servers, "SELECT channel, status, source, wording FROM consent_events WHERE sender_id = :s", s=sms.number
    )
    assert consent == [("twilio", "opted_out", "keyword CANCEL", confirmation)]

    before = len(sms.sent())
    assert sms.post("where is my order A1001?").status_code == 200
    sms.twilio.wait_for(lambda: sms.user_texts()[-1] == "where is my order A1001?", TURN_TIMEOUT)
    assert len(sms.sent()) == before  # kept in the conversation, not answered, nothing started
    assert sms.tracker()["active_loop"].get("name") is None and sms.tracker()["latest_action_name"] == "action_listen"
    agent_says = requests.post(  # as the inbox sends an agent's message through Rasa's API
        f"{servers.url}/conversations/{sms.number}/tracker/events",
        params={"token": servers.token, "output_channel": "latest", "execute_side_effects": "true"},
        json=[{"event": "bot", "text": "Hello from an agent", "metadata": {"agent": {"name": "Sam"}}}],
        timeout=30,
    )
    assert agent_says.status_code == 200 and len(sms.sent()) == before

    [back] = sms.say("START")
    assert back.startswith("You're resubscribed")
    statuses = shop_rows(
        servers, "SELECT status, source FROM consent_events WHERE sender_id = :s ORDER BY id", s=sms.number
    )
    assert statuses == [("opted_out", "keyword CANCEL"), ("opted_in", "keyword START")]
    assert sms.say("hi")  # answered again


def test_help_is_answered_and_the_form_goes_on(servers, twilio):
    sms = Texting(servers, twilio)
    sms.say("hi", expect=2)
    sms.say("I want to buy a hoodie")
    [help_answer] = sms.say("help")
    assert "Northwind Outfitters" in help_answer and "Reply STOP to unsubscribe" in help_answer
    assert sms.tracker()["active_loop"]["name"] == "purchase_form"
    [color_question] = sms.say("1")
    assert sms.tracker()["slots"]["size"] is not None and "1. " in color_question


def test_whatsapp_with_a_photo(servers, twilio):
    wa = Texting(servers, twilio, whatsapp=True)
    photo = {"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/media/ME1", "MediaContentType0": "image/jpeg"}
    replies = wa.say("hi", expect=2, **photo)
    assert STOP_HINT in replies[0]
    assert all(m["From"] == f"whatsapp:{WHATSAPP_NUMBER}" for m in wa.sent())
    [user] = [e for e in wa.tracker()["events"] if e["event"] == "user"]
    assert user["input_channel"] == "whatsapp"
    assert user["metadata"]["attachments"] == [
        {"url": "https://api.twilio.com/media/ME1", "content_type": "image/jpeg"}
    ]


def test_a_redelivered_message_sid_is_handled_once(servers, twilio):
    sms = Texting(servers, twilio)
    sms.say("hi", expect=2, sid="SMredelivered" + secrets.token_hex(8))
    sid = "SMtwice" + secrets.token_hex(8)
    sms.say("do you have hoodies?", sid=sid)
    assert sms.post("do you have hoodies?", sid=sid).status_code == 200
    sms.say("thanks")
    assert sms.user_texts().count("do you have hoodies?") == 1


def test_bad_calls_are_4xx_never_500(servers, twilio):
    sms = Texting(servers, twilio)
    assert sms.post("hi", token="not-the-auth-token").status_code == 403
    params = message_params(sms.number, "hi")
    data, headers = signed(sms.local, params, E2E_AUTH_TOKEN)  # signed for the URL behind the proxy
    assert requests.post(sms.local, data=data, headers=headers, timeout=10).status_code == 403
    unsigned = requests.post(sms.local, data=params, timeout=10)
    assert unsigned.status_code == 403
    assert requests.post(sms.local, json=params, timeout=10).status_code == 400
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert requests.post(sms.local, data=b"\xff\xfe", headers=form, timeout=10).status_code == 400
    assert requests.post(sms.local, data=b"Body=" + b"a" * 70_000, headers=form, timeout=10).status_code == 413
    missing = {k: v for k, v in params.items() if k not in ("MessageSid", "SmsMessageSid")}
    data, headers = signed(sms.public, missing, E2E_AUTH_TOKEN)
    assert requests.post(sms.local, data=data, headers=headers, timeout=10).status_code == 400
    whatsapp_on_sms = message_params("whatsapp:+15550001111", "hi")
    data, headers = signed(sms.public, whatsapp_on_sms, E2E_AUTH_TOKEN)
    assert requests.post(sms.local, data=data, headers=headers, timeout=10).status_code == 400
    assert sms.sent() == []
