"""The Messenger channel without a model: its webhook served by a real sanic app on a free port
(the customer messages go to a collector instead of Rasa), its replies sent to a local stand-in
of the Graph API."""

import asyncio
import hashlib
import hmac
import json
import logging
import socket
import uuid
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from rasa.core.actions.action import RemoteAction, create_bot_utterance
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import LockError
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from sanic import Sanic

from actions.catalog import ActionProductInfo
from addons.messenger import MessengerInput, signature_ok
from addons.messenger_output import GRAPH_API_BASE_URL, GRAPH_API_VERSION, GraphApi, ShopMessengerBot, split_text
from shop.responses import render
from tests.support.messenger import (
    GraphStandIn,
    delivery_event,
    echo_event,
    postback_event,
    quick_reply_event,
    read_event,
    referral_event,
    sign,
    signed,
    text_event,
    webhook_body,
)
from tests.support.trackers import entity, make_tracker

VERIFY, SECRET, TOKEN = "verify-me", "app-secret", "page-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def eventually(condition: Callable[[], Any], timeout: float = 5.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if condition():
            return condition()
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {condition}")


async def turns_done(graph: GraphStandIn, psid: str, turns: int = 1) -> list[dict[str, Any]]:
    """The messages sent to `psid` once `turns` turns ended (the channel sends typing_off)."""
    await eventually(lambda: graph.actions(psid).count("typing_off") >= turns)
    return graph.messages(psid)


class Webhook:
    """The channel's blueprint on a running sanic app; `received` are the messages Rasa got."""

    def __init__(self, channel: MessengerInput) -> None:
        self.channel = channel
        self.received: list[UserMessage] = []
        self.gate: asyncio.Event | None = None  # when set, handling waits until it opens
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/webhooks/facebook/webhook"

    async def on_new_message(self, message: UserMessage) -> None:
        self.received.append(message)
        if self.gate is not None:
            await self.gate.wait()
        await message.output_channel.send_response(message.sender_id, {"text": f"you said {message.text}"})

    async def start(self) -> "Webhook":
        app = Sanic(f"messenger_test_{uuid.uuid4().hex[:12]}")
        app.blueprint(self.channel.blueprint(self.on_new_message), url_prefix="/webhooks/facebook")
        self.server = await app.create_server(
            host="127.0.0.1", port=self.port, return_asyncio_server=True, access_log=False
        )
        await self.server.startup()
        await self.server.after_start()
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        return self

    async def stop(self) -> None:
        await self.http.close()
        await self.server.before_stop()
        self.server.close()
        await self.server.wait_closed()
        await self.server.after_stop()

    async def post(self, body: bytes, headers: dict[str, str]) -> int:
        async with self.http.post(self.url, data=body, headers=headers) as answer:
            return answer.status

    async def post_signed(self, payload: Any) -> int:
        return await self.post(*signed(payload, SECRET))

    def texts(self) -> list[str]:
        return [m.text for m in self.received]


@pytest.fixture
def graph():
    with GraphStandIn() as stand_in:
        yield stand_in


@pytest.fixture
async def webhook(graph, monkeypatch):
    # Sanic's test mode: it rewrites its own methods at each start unless told several apps will start.
    monkeypatch.setattr(Sanic, "test_mode", True)
    running = await Webhook(MessengerInput(VERIFY, SECRET, TOKEN, graph_api_base_url=graph.url)).start()
    yield running
    await running.stop()


# --------------------------------------------------------------------------- credentials


def test_credentials_need_verify_secret_and_token():
    with pytest.raises(RasaException, match="secret, page-access-token"):
        MessengerInput.from_credentials({"verify": "v"})
    channel = MessengerInput.from_credentials(
        {"verify": "v", "secret": "s", "page-access-token": "t", "graph-api-base-url": "http://local/v1/"}
    )
    assert channel.name() == "facebook"  # keeps Rasa's webhook path /webhooks/facebook/webhook
    assert channel.graph.url == "http://local/v1/me/messages"
    assert MessengerInput.from_credentials(
        {"verify": "v", "secret": "s", "page-access-token": "t"}
    ).graph.url.startswith("https://graph.facebook.com/v")


# --------------------------------------------------------------------------- verification and signatures


async def test_subscription_verification(webhook):
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
    async with webhook.http.get(webhook.url, params=params) as answer:
        assert (answer.status, await answer.text()) == (200, "1158201444")
    async with webhook.http.get(webhook.url, params={**params, "hub.verify_token": "guess"}) as answer:
        assert answer.status == 403
        assert "1158201444" not in await answer.text()


def sha1_header(body: bytes, secret: str) -> dict[str, str]:
    return {"X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()}


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="unsigned"),
        pytest.param(sign(b"something else", SECRET), id="signature of another body"),
        pytest.param("other-secret", id="signed with another secret"),
        pytest.param("sha1-only", id="only the old SHA-1 header"),
        pytest.param({"X-Hub-Signature-256": "sha256=zz"}, id="not hex"),
        pytest.param({"X-Hub-Signature-256": "foo=bar"}, id="unknown method"),
        pytest.param({"X-Hub-Signature-256": "md5=" + hashlib.md5(b"x").hexdigest()}, id="weaker method"),
        pytest.param({"X-Hub-Signature-256": "sha256"}, id="no digest"),
        pytest.param({"X-Hub-Signature-256": "sha256=é"}, id="not ascii"),
    ],
)
async def test_calls_without_a_valid_signature_are_refused(webhook, headers):
    body = json.dumps(webhook_body([text_event("psid-1", "hi")])).encode()
    if headers == "other-secret":
        headers = sign(body, "other-secret")
    elif headers == "sha1-only":
        headers = sha1_header(body, SECRET)
    assert await webhook.post(body, headers) == 403
    assert await webhook.post_signed(webhook_body([text_event("psid-1", "signed")])) == 200
    await eventually(lambda: webhook.received)
    assert webhook.texts() == ["signed"]


@pytest.mark.parametrize("body", [b"not json", b"", b"[1, 2]", b'"page"', b"\xff\xfe"])
async def test_signed_bodies_that_are_not_a_json_object_are_bad_requests(webhook, body):
    assert await webhook.post(body, sign(body, SECRET)) == 400


async def test_large_bodies_are_refused_before_the_signature_is_checked(webhook):
    body = b'{"object": "page", "entry": [], "padding": "' + b"x" * (1024 * 1024) + b'"}'
    assert await webhook.post(body, sign(body, SECRET)) == 413

    async def chunks():  # no Content-Length: the cap holds while reading
        for _ in range(40):
            yield b"x" * 64 * 1024

    assert await webhook.post(chunks(), sign(b"", SECRET)) == 413


def test_signature_check_alone():
    body = b'{"object":"page"}'
    good = "sha256=" + hmac.new(b"s", body, hashlib.sha256).hexdigest()
    assert signature_ok("s", body, good)
    assert signature_ok("s", body, good.upper().replace("SHA256", "sha256"))
    assert not signature_ok("s", body + b" ", good)
    assert not signature_ok("s", body, None)
    assert not signature_ok("s", body, good.replace("sha256=", "sha1="))  # only SHA-256 counts


# --------------------------------------------------------------------------- events


async def test_every_event_of_a_batched_call_is_handled(webhook, graph):
    events = [text_event("psid-a", "first", mid="m_a1"), text_event("psid-b", "second", mid="m_b1")]
    more = [text_event("psid-a", "third", mid="m_a2")]
    assert await webhook.post_signed(webhook_body(events, more)) == 200
    await eventually(lambda: len(webhook.received) == 3)
    assert sorted((m.sender_id, m.text, m.message_id) for m in webhook.received) == [
        ("psid-a", "first", "m_a1"),
        ("psid-a", "third", "m_a2"),
        ("psid-b", "second", "m_b1"),
    ]
    assert {m.input_channel for m in webhook.received} == {"facebook"}
    assert all(m.metadata == {"source": "messenger"} for m in webhook.received)
    replies = await turns_done(graph, "psid-a", turns=2)
    assert [r["message"]["text"] for r in replies] == ["you said first", "you said third"]
    assert graph.actions("psid-b")[:2] == ["mark_seen", "typing_on"]
    assert {c["access_token"] for c in graph.calls} == {TOKEN}


async def test_standby_echoes_receipts_are_ignored(webhook):
    payload = webhook_body(
        [
            echo_event("psid-1", "our own reply"),
            delivery_event("psid-1"),
            read_event("psid-1"),
            {"sender": {"id": "psid-1"}, "recipient": {"id": "1"}, "optin": {"ref": "x"}},
        ],
        [text_event("psid-1", "real message")],
    )
    payload["entry"].append({"id": "1", "time": 1, "standby": [text_event("psid-1", "for another app")]})
    payload["entry"].append({"id": "1", "time": 1, "changes": [{"field": "feed"}]})
    instagram = {"object": "instagram", "entry": [{"id": "2", "time": 1, "messaging": [text_event("ig-1", "dm")]}]}
    assert await webhook.post_signed(instagram) == 200
    assert await webhook.post_signed(payload) == 200
    await eventually(lambda: webhook.received)
    assert webhook.texts() == ["real message"]
    assert await webhook.post_signed({"object": "page", "entry": "nonsense"}) == 200


async def test_quick_reply_postback_and_attachment_payloads_become_the_text(webhook):
    image = {
        "sender": {"id": "psid-1"},
        "recipient": {"id": "1"},
        "timestamp": 5,
        "message": {"mid": "m_img", "attachments": [{"type": "image", "payload": {"url": "https://x/y.jpg"}}]},
    }
    payload = webhook_body(
        [
            quick_reply_event("psid-1", "Track an order", "/order_status"),
            postback_event("psid-1", '/purchase{"product": "Hoodie"}', title="Buy it"),
            image,
        ]
    )
    assert await webhook.post_signed(payload) == 200
    await eventually(lambda: len(webhook.received) == 3)
    assert webhook.texts() == ["/order_status", '/purchase{"product": "Hoodie"}', "https://x/y.jpg"]


async def test_get_started_and_referrals_greet_with_the_page_as_context(webhook):
    payload = webhook_body(
        [postback_event("psid-new", "GET_STARTED")],
        [postback_event("psid-ad", "GET_STARTED", ref="hoodie-page")],
        [referral_event("psid-back", "sale-2024")],
    )
    assert await webhook.post_signed(payload) == 200
    await eventually(lambda: len(webhook.received) == 3)
    by_sender = {m.sender_id: m for m in webhook.received}
    assert {m.text for m in webhook.received} == {"/greet"}
    assert by_sender["psid-new"].metadata == {"source": "messenger"}
    assert by_sender["psid-ad"].metadata == {
        "source": "messenger",
        "page": "hoodie-page",
        "ref": "hoodie-page",
        "referral_source": "SHORTLINK",
    }
    assert by_sender["psid-back"].metadata["page"] == "sale-2024"


async def test_a_redelivered_call_is_handled_once(webhook, graph):
    body, headers = signed(webhook_body([text_event("psid-1", "hello", mid="m_once")]), SECRET)
    assert await webhook.post(body, headers) == 200
    assert await webhook.post(body, headers) == 200  # Meta retries the same call
    assert await webhook.post_signed(webhook_body([text_event("psid-1", "later", mid="m_later")])) == 200
    # One customer's events are handled in order, so a second "hello" would come before "later".
    await eventually(lambda: "later" in webhook.texts())
    assert webhook.texts() == ["hello", "later"]
    assert [r["message"]["text"] for r in (await turns_done(graph, "psid-1", turns=2))] == [
        "you said hello",
        "you said later",
    ]


async def test_meta_gets_its_answer_before_the_turn_ends(webhook, graph):
    webhook.gate = asyncio.Event()
    assert await webhook.post_signed(webhook_body([text_event("psid-slow", "slow one")])) == 200
    assert await webhook.post_signed(webhook_body([text_event("psid-slow", "queued behind")])) == 200
    assert await webhook.post_signed(webhook_body([text_event("psid-other", "not held up")])) == 200
    await eventually(lambda: len(webhook.received) == 2)
    assert set(webhook.texts()) == {"slow one", "not held up"}  # the same customer's next one waits
    assert graph.messages("psid-slow") == []
    webhook.gate.set()
    await eventually(lambda: len(webhook.received) == 3)
    assert webhook.texts()[2] == "queued behind"


async def test_a_failing_turn_is_said_and_does_not_stop_the_next(graph):
    async def broken(message: UserMessage) -> None:
        if message.text == "boom":
            raise LockError("the lock store cannot be reached")
        await message.output_channel.send_response(message.sender_id, {"text": "fine"})

    channel = MessengerInput(VERIFY, SECRET, TOKEN, graph_api_base_url=graph.url)
    assert channel.accept(webhook_body([text_event("psid-1", "boom"), text_event("psid-1", "next")]), broken) == 2
    await eventually(lambda: not channel.queues.busy)
    said = [m["message"]["text"] for m in graph.messages("psid-1")]
    assert said == [render("utter_action_failed")["text"], "fine"]  # the failure said, not silence
    assert graph.actions("psid-1").count("typing_off") == 2
    await channel.graph.close()


async def test_a_customer_over_their_messages_a_minute_is_told_to_slow_down(graph, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "")
    monkeypatch.setenv("RATE_LIMIT_PER_SENDER", "2")
    handled = []

    async def on_new_message(message: UserMessage) -> None:
        handled.append((message.sender_id, message.text))
        await message.output_channel.send_response(message.sender_id, {"text": f"got {message.text}"})

    channel = MessengerInput(VERIFY, SECRET, TOKEN, graph_api_base_url=graph.url)
    flood = [text_event("psid-fast", f"m{i}") for i in range(4)] + [text_event("psid-calm", "hello")]
    assert channel.accept(webhook_body(flood), on_new_message) == 5
    await eventually(lambda: not channel.queues.busy)
    assert sorted(handled) == [("psid-calm", "hello"), ("psid-fast", "m0"), ("psid-fast", "m1")]
    slow = render("utter_slow_down")["text"]
    assert [m["message"]["text"] for m in graph.messages("psid-fast")] == ["got m0", "got m1", slow, slow]
    assert [m["message"]["text"] for m in graph.messages("psid-calm")] == ["got hello"]
    await channel.graph.close()


# --------------------------------------------------------------------------- replies


class Bot:
    """ShopMessengerBot fed as Rasa feeds it: a response becomes a BotUttered event, and the
    channel gets that event's message() (every field present, None when unused)."""

    def __init__(self, graph: GraphStandIn) -> None:
        self.channel = ShopMessengerBot(GraphApi(TOKEN, graph.url))

    async def send_response(self, psid: str, response: dict[str, Any]) -> None:
        await self.channel.send_response(psid, create_bot_utterance(dict(response)).message())


@pytest.fixture
async def bot(graph):
    sender = Bot(graph)
    yield sender
    await sender.channel.graph.close()


def buttons(*titles: str) -> list[dict[str, str]]:
    return [{"title": t, "payload": f'/choose{{"n": {i}}}'} for i, t in enumerate(titles)]


async def test_more_than_three_buttons_become_quick_replies(bot, graph):
    await bot.send_response(
        "psid-1",
        {
            "text": "Hi! What can I do?",
            "buttons": buttons(
                "Browse products", "Track an order", "Return an item", "Talk to a person about an order"
            ),
        },
    )
    [sent] = graph.messages("psid-1")
    assert sent["recipient"] == {"id": "psid-1"} and sent["messaging_type"] == "RESPONSE"
    assert "tag" not in sent
    assert sent["message"]["text"] == "Hi! What can I do?"
    replies = sent["message"]["quick_replies"]
    assert [r["title"] for r in replies] == ["Browse products", "Track an order", "Return an item", "Talk to a person…"]
    assert all(len(r["title"]) <= 20 and r["content_type"] == "text" for r in replies)
    assert replies[3]["payload"] == '/choose{"n": 3}'


async def test_quick_replies_stop_at_thirteen(bot, graph):
    await bot.send_response("psid-1", {"text": "Which one?", "buttons": buttons(*[f"Item {i}" for i in range(15)])})
    assert [r["title"] for r in graph.messages("psid-1")[0]["message"]["quick_replies"]] == [
        f"Item {i}" for i in range(13)
    ]


async def test_up_to_three_buttons_keep_the_button_template(bot, graph):
    await bot.send_response(
        "psid-1", {"text": "Shall I book it?", "buttons": buttons("Yes, book it", "No, show me other times please")}
    )
    [sent] = graph.messages("psid-1")
    payload = sent["message"]["attachment"]["payload"]
    assert sent["message"]["attachment"]["type"] == "template"
    assert payload["template_type"] == "button" and payload["text"] == "Shall I book it?"
    assert payload["buttons"] == [
        {"type": "postback", "title": "Yes, book it", "payload": '/choose{"n": 0}'},
        {"type": "postback", "title": "No, show me other…", "payload": '/choose{"n": 1}'},
    ]


async def test_a_button_template_text_over_640_characters_goes_ahead_as_text(bot, graph):
    text = ("This sentence is part of a long answer. " * 20).strip()
    await bot.send_response("psid-1", {"text": text, "buttons": buttons("OK")})
    first, template = graph.messages("psid-1")
    assert "text" in first["message"]
    assert len(template["message"]["attachment"]["payload"]["text"]) <= 640
    joined = first["message"]["text"] + " " + template["message"]["attachment"]["payload"]["text"]
    assert joined == text


async def test_long_texts_are_split_under_2000_characters(bot, graph):
    words = " ".join(f"word{i}" for i in range(700))  # ~5600 characters, one paragraph
    await bot.send_response("psid-1", {"text": f"Short first.\n\n{words}"})
    parts = [m["message"]["text"] for m in graph.messages("psid-1")]
    assert parts[0] == "Short first." and len(parts) == 4
    assert all(len(p) <= 2000 for p in parts)
    assert " ".join(parts[1:]) == words


def test_split_text_without_spaces_cuts_hard():
    assert [len(p) for p in split_text("x" * 4500)] == [2000, 2000, 500]
    assert split_text("") == [] and split_text("a\n\n\n\nb") == ["a", "b"]


async def test_product_card_becomes_a_generic_template(shop_db, dispatcher, domain, bot, graph):
    tracker = make_tracker(
        intent="product_info", text="tell me about the hoodie", entities=[entity("product", "Hoodie")]
    )
    await ActionProductInfo().run(dispatcher, tracker, domain)
    # The action server returns a response with its values; Rasa fills it in, then sends it.
    nlg = TemplatedNaturalLanguageGenerator(domain["responses"])
    [uttered] = await RemoteAction._utter_responses(
        dispatcher.messages, bot.channel, nlg, DialogueStateTracker("psid-1", [])
    )
    await bot.channel.send_response("psid-1", uttered.message())
    text, card = graph.messages("psid-1")
    assert text["message"]["text"].startswith("Hoodie: $65.00.")
    assert card["messaging_type"] == "RESPONSE"
    payload = card["message"]["attachment"]["payload"]
    assert payload["template_type"] == "generic"
    [element] = payload["elements"]
    assert element["title"] == "Hoodie"
    assert element["subtitle"].startswith("$65.00 · In stock")
    assert len(element["subtitle"]) <= 80 and "image_url" not in element
    assert [(b["type"], b["title"], b["payload"]) for b in element["buttons"]] == [
        ("postback", "Buy it", '/purchase{"product": "Hoodie"}'),
        ("postback", "Check stock", '/check_stock{"product": "Hoodie"}'),
    ]


async def test_product_card_with_image_and_sold_out(bot, graph):
    card = {
        "type": "product",
        "name": "Trail Boots",
        "price": "$150.00",
        "in_stock": False,
        "image_url": "https://shop.example.com/boots.jpg",
    }
    await bot.send_response("psid-1", {"text": None, "custom": card, "buttons": buttons("A", "B", "C", "D")})
    [sent] = graph.messages("psid-1")  # no text, so only the card
    [element] = sent["message"]["attachment"]["payload"]["elements"]
    assert element["subtitle"] == "$150.00 · Sold out"
    assert element["image_url"] == "https://shop.example.com/boots.jpg"
    assert [b["title"] for b in element["buttons"]] == ["A", "B", "C"]


@pytest.mark.parametrize("metadata", [{"agent": {"name": "Dana"}}, {"metadata": {"agent": {"name": "Dana"}}}])
async def test_a_human_agents_messages_carry_the_human_agent_tag(bot, graph, metadata):
    # What Rasa's HTTP API hands the channel for a posted {"event": "bot", "metadata": ...}.
    agent_says = BotUttered("Hi, this is Dana from the team.", metadata=metadata)
    await bot.channel.send_response("psid-1", agent_says.message())
    await bot.send_response("psid-1", {"text": "I'm the bot again."})
    agent, assistant = graph.messages("psid-1")
    assert (agent["messaging_type"], agent["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")
    assert agent["message"] == {"text": "Hi, this is Dana from the team."}
    assert assistant["messaging_type"] == "RESPONSE" and "tag" not in assistant


async def test_what_the_shop_sends_first_goes_as_an_update_or_with_the_tag_its_rules_chose(bot, graph):
    # As action_send_outbound's response reaches the channel: its keywords are in the metadata.
    reminder = BotUttered(
        "Your meeting starts in an hour.",
        data={"buttons": [{"title": "Move it", "payload": "/reschedule_meeting"}]},
        metadata={"outbound": True, "messenger_tag": "CONFIRMED_EVENT_UPDATE", "reference": "M3001"},
    )
    await bot.channel.send_response("psid-1", reminder.message())
    inside_window = BotUttered("Your order has shipped.", metadata={"outbound": True})
    await bot.channel.send_response("psid-1", inside_window.message())
    tagged, update = graph.messages("psid-1")
    assert (tagged["messaging_type"], tagged["tag"]) == ("MESSAGE_TAG", "CONFIRMED_EVENT_UPDATE")
    assert tagged["message"]["attachment"]["payload"]["buttons"][0]["title"] == "Move it"
    assert update["messaging_type"] == "UPDATE" and "tag" not in update


def test_the_graph_api_default_is_a_version_meta_still_serves():
    assert f"https://graph.facebook.com/{GRAPH_API_VERSION}" == GRAPH_API_BASE_URL
    assert int(GRAPH_API_VERSION.removeprefix("v").split(".")[0]) >= 23  # v18.0 ended in January 2026


async def test_custom_data_for_other_channels_is_not_sent(bot, graph):
    await bot.send_response("psid-1", {"text": "Booked.", "custom": {"type": "calendar_invite", "ics": "BEGIN"}})
    await bot.send_response("psid-1", {"custom": {"text": "raw Messenger message"}})
    assert [m["message"] for m in graph.messages("psid-1")] == [{"text": "Booked."}, {"text": "raw Messenger message"}]


async def test_graph_api_errors_are_logged_not_raised(bot, graph, caplog):
    graph.status, graph.error = 400, {"message": "(#100) No matching user found", "code": 100}
    with caplog.at_level(logging.ERROR, logger="addons.messenger_output"):
        await bot.send_response("psid-1", {"text": "hello?"})
    assert "No matching user found" in caplog.text
    assert "psid-1" not in caplog.text and TOKEN not in caplog.text  # psids are hashed

    unreachable = ShopMessengerBot(GraphApi(TOKEN, f"http://127.0.0.1:{free_port()}/{GRAPH_API_VERSION}"))
    await unreachable.send_response("psid-1", {"text": "hello?"})
    await unreachable.graph.close()
    assert "unreachable" in caplog.text


async def test_output_channel_for_rasas_http_api(graph):
    channel = MessengerInput(VERIFY, SECRET, TOKEN, graph_api_base_url=graph.url)
    out = channel.get_output_channel()
    assert out.name() == "facebook"
    await out.send_response("psid-9", {"text": "An agent will call you.", "agent": {"name": "Sam"}})
    [sent] = graph.messages("psid-9")
    assert sent["tag"] == "HUMAN_AGENT" and graph.calls[0]["path"] == f"/{GRAPH_API_VERSION}/me/messages"
    await channel.graph.close()


@pytest.mark.parametrize(
    "malformed",
    [
        {"sender": "not-an-object", "message": {"text": "x"}},
        {"sender": {"id": "psid-2"}, "message": {"text": "x", "quick_reply": "not-an-object"}},
        {"sender": {"id": {"nested": 1}}, "message": {"text": "x"}},
        {"sender": {"id": "psid-2"}, "postback": {"payload": ["list"]}},
    ],
)
async def test_one_malformed_event_does_not_drop_the_rest_of_the_batch(graph, malformed):
    received = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message.text)

    channel = MessengerInput(VERIFY, SECRET, TOKEN, graph_api_base_url=graph.url)
    batch = webhook_body([text_event("psid-1", "first"), malformed, text_event("psid-1", "last")])
    assert channel.accept(batch, on_new_message) == 2
    await eventually(lambda: not channel.queues.busy)
    assert received == ["first", "last"]
    await channel.graph.close()


async def test_unsafe_characters_never_reach_nlu(graph):
    received = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message.text)

    channel = MessengerInput(VERIFY, SECRET, TOKEN, graph_api_base_url=graph.url)
    assert (
        channel.accept(webhook_body([text_event("psid-1", "hi\ud800\u200b there" + "!" * 5000)]), on_new_message) == 1
    )
    await eventually(lambda: not channel.queues.busy)
    assert received[0].startswith("hi there!") and len(received[0]) == 1000
    await channel.graph.close()


async def test_events_accepted_before_a_restart_are_handled_after_it(graph):
    gate, received, handled_after = asyncio.Event(), [], []

    async def slow(message: UserMessage) -> None:
        received.append(message.text)
        await gate.wait()

    async def fine(message: UserMessage) -> None:
        handled_after.append(message.text)

    first = MessengerInput(VERIFY, SECRET, TOKEN, graph_api_base_url=graph.url)
    assert first.accept(webhook_body([text_event("psid-1", "one"), text_event("psid-1", "two")]), slow) == 2
    await eventually(lambda: received == ["one"])  # "two" waits behind it; Meta has its 200 for both
    for task in list(first.queues._tasks):  # the server stops
        task.cancel()
    await first.graph.close()

    restarted = MessengerInput(VERIFY, SECRET, TOKEN, graph_api_base_url=graph.url)
    assert restarted.resume_pending(fine) == 1  # "one" had started: not handled twice
    await eventually(lambda: not restarted.queues.busy)
    assert handled_after == ["two"]
    assert restarted.resume_pending(fine) == 0
    await restarted.graph.close()
