"""The Messenger channel inside the real Rasa server (with the trained model and the action
server): signed webhook calls in Messenger's format go in, and the replies are read off a local
stand-in of the Graph API, field by field. The credentials file is the one
scripts/make_credentials.py makes from the FACEBOOK_* variables, as `make run` will use it."""

import secrets

import pytest
import requests

from addons.messenger_output import GRAPH_API_VERSION
from scripts.make_credentials import MESSENGER
from tests.support.messenger import (
    E2E_SECRET,
    E2E_TOKEN,
    E2E_VERIFY,
    postback_event,
    quick_reply_event,
    sign,
    signed,
    text_event,
    webhook_body,
)
from tests.support.servers import Servers

pytestmark = pytest.mark.e2e

SECRET, VERIFY, TOKEN = E2E_SECRET, E2E_VERIFY, E2E_TOKEN
TURN_TIMEOUT = 90  # the first turn of a fresh server also warms up the model


class Messenger:
    """The shared servers (tests/conftest.py) seen from Facebook: signed webhook calls."""

    def __init__(self, servers: Servers) -> None:
        assert MESSENGER in servers.credentials.read_text()
        self.url, self.token = servers.url, servers.token
        self.webhook = f"{servers.url}/webhooks/facebook/webhook"

    def post(self, payload: dict) -> requests.Response:
        body, headers = signed(payload, SECRET)
        return requests.post(self.webhook, data=body, headers=headers, timeout=10)

    def user_events(self, psid: str) -> list:
        answer = requests.get(f"{self.url}/conversations/{psid}/tracker", params={"token": self.token}, timeout=30)
        answer.raise_for_status()
        return [e for e in answer.json()["events"] if e["event"] == "user"]


@pytest.fixture(scope="module")
def messenger(servers):
    return Messenger(servers)


def psid() -> str:
    return str(10**15 + secrets.randbelow(10**15))  # page-scoped ids are long digit strings


def texts(messages: list) -> list:
    return [m["message"].get("text") for m in messages]


def test_subscription_verification(messenger):
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "987654"}
    answer = requests.get(messenger.webhook, params=params, timeout=10)
    assert (answer.status_code, answer.text) == (200, "987654")
    assert requests.get(messenger.webhook, params={**params, "hub.verify_token": "x"}, timeout=10).status_code == 403


def test_greeting_with_its_buttons_as_quick_replies(messenger, graph):
    customer = psid()
    assert messenger.post(webhook_body([text_event(customer, "hi")])).status_code == 200
    [greeting] = graph.wait_for_turns(customer, timeout=TURN_TIMEOUT)
    assert greeting["recipient"] == {"id": customer}
    assert greeting["messaging_type"] == "RESPONSE" and "tag" not in greeting
    assert greeting["message"]["text"].startswith("Hi! I'm the shop assistant.")
    assert [(r["content_type"], r["title"], r["payload"]) for r in greeting["message"]["quick_replies"]] == [
        ("text", "Browse products", "/product_info"),
        ("text", "Track an order", "/order_status"),
        ("text", "Return an item", "/refund"),
        ("text", "Talk to a person", "/human_handoff"),
    ]
    assert graph.actions(customer)[:2] == ["mark_seen", "typing_on"]
    assert {c["access_token"] for c in graph.calls} == {TOKEN}
    assert {c["path"] for c in graph.calls} == {f"/{GRAPH_API_VERSION}/me/messages"}

    # Tapping a quick reply sends its payload: the intent, without NLU guessing.
    assert messenger.post(webhook_body([quick_reply_event(customer, "Track an order", "/order_status")])).ok
    replies = graph.wait_for_turns(customer, turns=2, timeout=TURN_TIMEOUT)[1:]
    assert "order number" in " ".join(texts(replies)).lower()


def test_get_started_from_an_m_me_link_greets_with_the_page_as_context(messenger, graph):
    customer = psid()
    assert messenger.post(webhook_body([postback_event(customer, "GET_STARTED", ref="hoodie-landing")])).ok
    [greeting] = graph.wait_for_turns(customer, timeout=TURN_TIMEOUT)
    assert greeting["message"]["text"].startswith("Hi! I'm the shop assistant.")
    [user] = messenger.user_events(customer)
    assert user["parse_data"]["intent"]["name"] == "greet"
    assert user["input_channel"] == "facebook"
    assert user["metadata"]["page"] == "hoodie-landing" and user["metadata"]["ref"] == "hoodie-landing"
    assert user["metadata"]["source"] == "messenger"


def test_product_question_gets_the_product_card(messenger, graph):
    customer = psid()
    assert messenger.post(webhook_body([text_event(customer, "tell me about the hoodie")])).ok
    description, card = graph.wait_for_turns(customer, timeout=TURN_TIMEOUT)
    assert description["message"]["text"].startswith("Hoodie: $65.00.")
    assert card["recipient"] == {"id": customer} and card["messaging_type"] == "RESPONSE"
    attachment = card["message"]["attachment"]
    assert attachment["type"] == "template" and attachment["payload"]["template_type"] == "generic"
    [element] = attachment["payload"]["elements"]
    assert element["title"] == "Hoodie"
    assert element["subtitle"].startswith("$65.00 · In stock")
    assert [(b["type"], b["title"], b["payload"]) for b in element["buttons"]] == [
        ("postback", "Buy it", '/purchase{"product": "Hoodie"}'),
        ("postback", "Check stock", '/check_stock{"product": "Hoodie"}'),
    ]


def test_a_batched_call_answers_every_sender(messenger, graph):
    first, second = psid(), psid()
    payload = webhook_body([text_event(first, "hello")], [text_event(second, "tell me about the wool coat")])
    assert messenger.post(payload).status_code == 200
    [greeting] = graph.wait_for_turns(first, timeout=TURN_TIMEOUT)
    assert greeting["recipient"] == {"id": first}
    assert greeting["message"]["text"].startswith("Hi! I'm the shop assistant.")
    coat = graph.wait_for_turns(second, timeout=TURN_TIMEOUT)
    assert all(m["recipient"] == {"id": second} for m in coat)
    assert coat[0]["message"]["text"].startswith("Wool Coat: $229.00.")
    assert coat[1]["message"]["attachment"]["payload"]["elements"][0]["title"] == "Wool Coat"


def test_calls_without_a_valid_signature_are_refused(messenger, graph):
    customer = psid()
    body, _ = signed(webhook_body([text_event(customer, "forged hello")]), SECRET)
    assert requests.post(messenger.webhook, data=body, timeout=10).status_code == 403
    assert (
        requests.post(messenger.webhook, data=body, headers=sign(body, "not-the-secret"), timeout=10).status_code == 403
    )
    assert (
        requests.post(
            messenger.webhook, data=body, timeout=10, headers={"X-Hub-Signature-256": "sha256=zz"}
        ).status_code
        == 403
    )
    assert messenger.post(webhook_body([text_event(customer, "real hello")])).ok
    graph.wait_for_turns(customer, timeout=TURN_TIMEOUT)
    assert [e["text"] for e in messenger.user_events(customer)] == ["real hello"]


def test_a_redelivered_message_is_answered_once(messenger, graph):
    customer = psid()
    body, headers = signed(webhook_body([text_event(customer, "hi", mid="m_redelivered")]), SECRET)
    assert requests.post(messenger.webhook, data=body, headers=headers, timeout=10).ok
    assert requests.post(messenger.webhook, data=body, headers=headers, timeout=10).ok  # Meta's retry
    assert messenger.post(webhook_body([text_event(customer, "tell me about the hoodie", mid="m_next")])).ok
    # One customer's events are handled in order: a second "hi" would come before the hoodie.
    messages = graph.wait_for_turns(customer, turns=2, timeout=TURN_TIMEOUT)
    assert [m["message"].get("text", "")[:7] for m in messages][:2] == ["Hi! I'm", "Hoodie:"]
    assert [(e["text"], e["message_id"]) for e in messenger.user_events(customer)] == [
        ("hi", "m_redelivered"),
        ("tell me about the hoodie", "m_next"),
    ]
    assert graph.actions(customer).count("typing_on") == 2


def test_an_agents_message_reaches_messenger_through_the_http_api(messenger, graph):
    customer = psid()
    assert messenger.post(webhook_body([text_event(customer, "hi")])).ok
    graph.wait_for_turns(customer, timeout=TURN_TIMEOUT)
    event = {"event": "bot", "text": "Hi, I'm Dana from customer service.", "metadata": {"agent": {"name": "Dana"}}}
    answer = requests.post(
        f"{messenger.url}/conversations/{customer}/tracker/events",
        json=event,
        timeout=30,
        params={"token": messenger.token, "output_channel": "latest", "execute_side_effects": "true"},
    )
    assert answer.ok, answer.text
    agent = graph.messages(customer)[-1]
    assert agent["recipient"] == {"id": customer}
    assert (agent["messaging_type"], agent["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")
    assert agent["message"] == {"text": "Hi, I'm Dana from customer service."}
