"""A table of hostile and broken inputs thrown at the running servers (Rasa with REST, the web
chat and Messenger; the action server; the web app), as an attacker or a buggy client would.
Each case states what must happen: a 4xx or a normal answer, never a 5xx, a traceback, another
customer's data or a write. The count that passed is printed; every case must pass."""

import asyncio
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import requests
import socketio
from sqlalchemy import create_engine, text

from tests.support.messenger import E2E_SECRET, E2E_VERIFY, signed, text_event, webhook_body
from tests.support.servers import Servers, is_notice, without_notice
from tests.support.web_app import WebApp

pytestmark = pytest.mark.e2e

TIMEOUT = 90


@dataclass
class Target:
    servers: Servers
    web: WebApp
    graph: Any

    @property
    def rest_url(self) -> str:
        return f"{self.servers.url}/webhooks/rest/webhook"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.servers.action_port}"

    @property
    def action_token(self) -> str:
        return self.servers.env["ACTION_SERVER_TOKEN"]

    def count(self, sql: str, **params: Any) -> int:
        with create_engine(self.servers.shop_db).connect() as conn:
            return conn.execute(text(sql), params).scalar_one()

    def tracker(self, sender: str) -> dict:
        answer = requests.get(
            f"{self.servers.url}/conversations/{sender}/tracker", params={"token": self.servers.token}, timeout=30
        )
        answer.raise_for_status()
        return answer.json()


@pytest.fixture(scope="module")
def target(servers, graph, tmp_path_factory):
    secret = {"BOOKING_LINK_SECRET": servers.env["BOOKING_LINK_SECRET"]}
    web = WebApp(tmp_path_factory.mktemp("hostile-web"), servers.shop_db, servers, extra_env=secret)
    yield Target(servers, web, graph)
    web.stop()


# --------------------------------------------------------------------------- checks


def new_sender() -> str:
    return f"hostile-{secrets.token_hex(6)}"


def post_raw(t: Target, body: bytes, content_type: str = "application/json") -> requests.Response:
    return requests.post(t.rest_url, data=body, headers={"Content-Type": content_type}, timeout=TIMEOUT)


def say(t: Target, message: Any, sender: str | None = None, **extra: Any) -> requests.Response:
    return requests.post(
        t.rest_url, json={"sender": sender or new_sender(), "message": message, **extra}, timeout=TIMEOUT
    )


def refused(status: int, body: bytes | Callable[[], bytes], content_type: str = "application/json"):
    def check(t: Target) -> None:
        raw = body() if callable(body) else body
        answer = post_raw(t, raw, content_type)
        assert answer.status_code == status, (answer.status_code, answer.text[:200])
        assert "Traceback" not in answer.text

    return check


def answered(message: Any, **extra: Any):
    """A normal answer: 200 and at least one bot message with text."""

    def check(t: Target) -> None:
        answer = say(t, message, **extra)
        assert answer.status_code == 200, (answer.status_code, answer.text[:200])
        replies = without_notice(answer.json())
        assert any(m.get("text") for m in replies), replies

    return check


def answered_without_action(message: str, forbidden: tuple[str, ...] = ()):
    """Answered, and no action named by a typed payload ran: no opt-out, order, refund, handoff."""

    def check(t: Target) -> None:
        sender = new_sender()
        before = t.count("select count(*) from orders") + t.count("select count(*) from refunds")
        answer = say(t, message, sender=sender)
        assert answer.status_code == 200 and any(m.get("text") for m in without_notice(answer.json())), answer.text[
            :300
        ]
        after = t.count("select count(*) from orders") + t.count("select count(*) from refunds")
        assert after == before
        assert t.count("select count(*) from contacts where sender_id = :s and opted_out", s=sender) == 0
        actions = [e.get("name") for e in t.tracker(sender)["events"] if e["event"] == "action"]
        for name in ("action_opt_out", "action_restart", "action_place_order", "action_submit_refund", *forbidden):
            assert name not in actions, actions
        reply = " ".join(m.get("text", "") for m in without_notice(answer.json()))
        assert "It contains" not in reply  # no order's contents

    return check


def keeps_context_after(payload: str):
    """A system payload typed mid-conversation neither restarts it nor breaks the form."""

    def check(t: Target) -> None:
        sender = new_sender()
        assert say(t, "I want to buy a hoodie", sender=sender).ok
        answer = say(t, payload, sender=sender)
        assert answer.status_code == 200 and any(m.get("text") for m in without_notice(answer.json())), answer.text[
            :300
        ]
        slots = t.tracker(sender)["slots"]
        assert slots["product"] == "Hoodie", slots
        after = say(t, "M", sender=sender)
        assert after.ok and any(m.get("text") for m in without_notice(after.json()))

    return check


def order_details_hidden(message: str):
    def check(t: Target) -> None:
        sender = new_sender()
        replies = without_notice(say(t, message, sender=sender).json())
        reply = " ".join(m.get("text", "") for m in replies)
        assert "It contains" not in reply and "$" not in reply, reply
        assert "email" in reply.lower(), reply  # the email on the order is asked for

    return check


def guessing_order_emails_is_limited(t: Target) -> None:
    sender = new_sender()
    say(t, "where is my order A1001", sender=sender)
    for guess in ("a@example.com", "b@example.com", "c@example.com"):
        reply = " ".join(m.get("text", "") for m in say(t, guess, sender=sender).json())
    assert "can't check orders in this chat any more" in reply, reply
    # Even the right pair is no longer checked from this conversation.
    reply = " ".join(m.get("text", "") for m in say(t, "where is my order A1001", sender=sender).json())
    reply += " ".join(m.get("text", "") for m in say(t, "maria.lopez@example.com", sender=sender).json())
    assert "It contains" not in reply, reply


def sql_injection_leaves_the_tables(t: Target) -> None:
    before = t.count("select count(*) from orders")
    for message in ("'; DROP TABLE orders;--", "A1001' OR '1'='1", 'hoodie" UNION SELECT email FROM orders --'):
        answer = say(t, message)
        assert answer.status_code == 200 and without_notice(answer.json())
        assert "@example.com" not in answer.text
    assert t.count("select count(*) from orders") == before


def stored_channel_is_rest(t: Target) -> None:
    sender = new_sender()
    assert say(t, "hi", sender=sender, input_channel="facebook").ok
    channels = {e.get("input_channel") for e in t.tracker(sender)["events"] if e["event"] == "user"}
    assert channels == {"rest"}


def oversized_metadata_is_dropped(t: Target) -> None:
    sender = new_sender()
    assert say(t, "hi", sender=sender, metadata={"blob": "x" * 30_000}).ok
    users = [e for e in t.tracker(sender)["events"] if e["event"] == "user"]
    assert users and all(len(json.dumps(e.get("metadata") or {})) < 5000 for e in users)


def long_message_is_cut(t: Target) -> None:
    sender = new_sender()
    answer = say(t, "hoodie " * 9000, sender=sender)  # 63 KB, 9,000 tokens
    assert answer.status_code == 200 and without_notice(answer.json())
    users = [e for e in t.tracker(sender)["events"] if e["event"] == "user"]
    assert len(users[-1]["text"]) <= 1000
    assert answered("hi")(t) is None  # and the next customer is answered


def http_api_refuses(method: str, path: str, **kwargs: Any):
    def check(t: Target) -> None:
        answer = requests.request(method, f"{t.servers.url}{path}", timeout=30, **kwargs)
        assert answer.status_code in (401, 403), (answer.status_code, answer.text[:200])

    return check


def a_flood_from_one_conversation_gets_429(t: Target) -> None:
    sender = new_sender()
    statuses = [say(t, "hi", sender=sender).status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429, statuses
    answer = say(t, "hi", sender=sender)
    assert answer.status_code == 429 and answer.headers.get("Retry-After") == "60"
    assert answered("hi")(t) is None  # another customer is still answered


def metrics_count_the_turns(t: Target) -> None:
    text = requests.get(f"{t.rest_url.rsplit('/', 1)[0]}/metrics", timeout=10).text
    assert 'shop_turns_total{channel="rest"}' in text
    assert 'shop_messages_refused_total{channel="rest",reason="bad_input"}' in text
    assert 'shop_messages_refused_total{channel="rest",reason="rate_limit"}' in text


def no_secret_on_a_command_line(t: Target) -> None:
    secrets_ = [t.servers.token, t.action_token, t.servers.env["BOOKING_LINK_SECRET"]]
    for name, proc in t.servers.procs.items():
        command_line = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode(errors="replace")
        assert not any(secret in command_line for secret in secrets_), name


def logs_hold_no_email_or_token(t: Target) -> None:
    """Run last: the emails the cases above typed appear in no server's log, nor any secret."""
    logs = {name: t.servers.log(name) for name in ("rasa", "actions")} | {"web": t.web.log_path.read_text()}
    for name, logged in logs.items():
        for needle in ("maria.lopez@example.com", "victim@example.com", t.servers.token, t.action_token):
            assert needle not in logged, f"{name} log holds {needle[:4]}..."


def cors_refuses_other_origins(t: Target) -> None:
    answer = requests.options(
        t.rest_url,
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert answer.headers.get("Access-Control-Allow-Origin") not in ("*", "https://evil.example")


def action_server(method: str, path: str, status: int, token: str | None = "", body: Any = None, raw: bytes = b""):
    """A call to the action server: token None = the real one, "" = none."""

    def check(t: Target) -> None:
        params = {"token": t.action_token if token is None else token} if token != "" else {}
        answer = requests.request(
            method,
            f"{t.action_url}{path}",
            params=params,
            json=body if body is not None else None,
            data=raw if body is None else None,
            timeout=30,
        )
        assert answer.status_code == status, (answer.status_code, answer.text[:200])
        assert "request_body" not in answer.text and "Traceback" not in answer.text

    return check


def crafted_call(action: str, slots: dict) -> dict:
    return {
        "next_action": action,
        "sender_id": "attacker",
        "tracker": {"sender_id": "attacker", "slots": slots, "events": [], "latest_message": {}},
        "domain": {},
    }


def crafted_order_is_refused(t: Target) -> None:
    before = t.count("select count(*) from orders")
    slots = {"product": "Hoodie", "size": "M", "color": "black", "quantity": 20, "purchase_confirmed": True}
    answer = requests.post(
        f"{t.action_url}/webhook", params={"token": t.action_token}, json=crafted_call("action_place_order", slots)
    )
    assert answer.status_code == 200
    assert [r.get("response") for r in answer.json()["responses"]] == ["utter_order_not_placed"]
    assert t.count("select count(*) from orders") == before


def crafted_status_needs_the_email(t: Target) -> None:
    answer = requests.post(
        f"{t.action_url}/webhook",
        params={"token": t.action_token},
        json=crafted_call("action_order_status", {"order_id": "A1001", "email": "attacker@example.com"}),
    )
    assert [r.get("response") for r in answer.json()["responses"]] == ["utter_order_not_shown"]


def action_server_on_localhost_only(t: Target) -> None:
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:] if Path(table).exists() else []:
            fields = line.split()
            address, port = fields[1].split(":")
            if fields[3] == "0A" and int(port, 16) == t.servers.action_port:
                listening.add(address)
    assert listening == {"0100007F"}, listening


# --------------------------------------------------------------------------- the web chat


async def _socket(t: Target, request: dict | None) -> tuple[socketio.AsyncClient, asyncio.Queue, asyncio.Queue]:
    replies: asyncio.Queue = asyncio.Queue()
    confirmed: asyncio.Queue = asyncio.Queue()
    client = socketio.AsyncClient()
    client.on("bot_uttered", lambda data: replies.put_nowait(data))
    client.on("session_confirm", lambda data: confirmed.put_nowait(data))
    await client.connect(t.servers.url, socketio_path="/socket.io", transports=["polling"])
    await client.emit("session_request", request)
    return client, replies, confirmed


def socket_check(request: dict | None, messages: Callable[[str], list[Any]], expect_reply: bool, fresh_id: bool):
    """Connect, ask for a session, send `messages(confirmed_id)`; a reply must (not) come."""

    def check(t: Target) -> None:
        async def run() -> None:
            client, replies, confirmed = await _socket(t, request)
            try:
                session_id = await asyncio.wait_for(confirmed.get(), timeout=30)
                if fresh_id:
                    assert session_id != (request or {}).get("session_id")
                for message in messages(session_id):
                    await client.emit("user_uttered", message)
                if expect_reply:
                    reply = await asyncio.wait_for(replies.get(), timeout=TIMEOUT)
                    while is_notice(reply):  # a first contact's privacy notice, then the answer
                        reply = await asyncio.wait_for(replies.get(), timeout=TIMEOUT)
                    assert reply.get("text"), reply
                else:
                    with pytest.raises(asyncio.TimeoutError):
                        await asyncio.wait_for(replies.get(), timeout=5)
            finally:
                await client.disconnect()

        asyncio.run(run())

    return check


def socket_polling_body_over_64_kib(t: Target) -> None:
    """A long-polling POST of more than 64 KiB, in a real engine.io session: refused, not read."""
    base = f"{t.servers.url}/socket.io/"
    opened = requests.get(base, params={"EIO": "4", "transport": "polling"}, timeout=30)
    assert opened.status_code == 200, opened.text[:200]
    sid = json.loads(opened.text[opened.text.index("{") :])["sid"]
    packet = "42" + json.dumps(["user_uttered", {"message": "x" * 70_000, "session_id": sid}])
    answer = requests.post(base, params={"EIO": "4", "transport": "polling", "sid": sid}, data=packet, timeout=30)
    assert answer.status_code in (400, 413), (answer.status_code, answer.text[:200])
    assert "Traceback" not in answer.text


def socket_websocket_message_over_64_kib(t: Target) -> None:
    """A WebSocket frame of more than 64 KiB closes the socket, handled by nothing. Spoken as
    engine.io 4 frames over aiohttp (python-socketio's WebSocket client needs a newer aiohttp)."""

    async def run() -> str:
        url = f"{t.servers.url}/socket.io/?EIO=4&transport=websocket"
        async with aiohttp.ClientSession() as session, session.ws_connect(url, timeout=30) as ws:
            assert (await ws.receive_str(timeout=30)).startswith("0")  # engine.io open
            await ws.send_str("40")  # socket.io connect
            assert (await ws.receive_str(timeout=30)).startswith("40")
            await ws.send_str('42["session_request",{}]')
            confirm = await ws.receive_str(timeout=30)
            session_id = json.loads(confirm[2:])[1]
            await ws.send_str("42" + json.dumps(["user_uttered", {"message": "x" * 70_000, "session_id": session_id}]))
            while True:  # pings until the server closes the socket; never a reply
                frame = await ws.receive(timeout=30)
                if frame.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                    return session_id
                assert frame.type == aiohttp.WSMsgType.TEXT and not frame.data.startswith("42"), frame

    session_id = asyncio.run(run())
    answer = requests.get(
        f"{t.servers.url}/conversations/{session_id}/tracker", params={"token": t.servers.token}, timeout=30
    )
    assert answer.ok and not [e for e in answer.json()["events"] if e["event"] == "user"]


def another_conversation_cannot_be_joined(t: Target) -> None:
    victim = new_sender()
    assert say(t, "I want to buy a hoodie", sender=victim).ok
    socket_check(
        {"session_id": victim},
        lambda _confirmed: [{"message": "M", "session_id": victim}],
        expect_reply=False,
        fresh_id=True,
    )(t)
    users = [e["text"] for e in t.tracker(victim)["events"] if e["event"] == "user"]
    assert users == ["I want to buy a hoodie"]


# --------------------------------------------------------------------------- Messenger


def messenger_post(t: Target, body: bytes, headers: dict) -> requests.Response:
    return requests.post(f"{t.servers.url}/webhooks/facebook/webhook", data=body, headers=headers, timeout=30)


def messenger_refused(status: int, make: Callable[[], tuple[bytes, dict]]):
    def check(t: Target) -> None:
        body, headers = make()
        answer = messenger_post(t, body, headers)
        assert answer.status_code == status, (answer.status_code, answer.text[:200])

    return check


def signed_raw(raw: bytes) -> tuple[bytes, dict]:
    from tests.support.messenger import sign

    return raw, sign(raw, E2E_SECRET)


def messenger_batch_with_a_bad_event(t: Target) -> None:
    psid = str(10**15 + secrets.randbelow(10**15))
    bad = {"sender": "not-an-object", "message": {"text": "x"}}
    body, headers = signed(webhook_body([text_event(psid, "hi"), bad, text_event(psid, "thanks")]), E2E_SECRET)
    assert messenger_post(t, body, headers).status_code == 200
    t.graph.wait_for_turns(psid, turns=2, timeout=TIMEOUT)


def messenger_unsafe_text(t: Target) -> None:
    psid = str(10**15 + secrets.randbelow(10**15))
    body, headers = signed(webhook_body([text_event(psid, "hi\ud800\u200b\u202e there")]), E2E_SECRET)
    assert messenger_post(t, body, headers).status_code == 200
    assert t.graph.wait_for_turns(psid, turns=1, timeout=TIMEOUT)


# --------------------------------------------------------------------------- the web app


def web_call(method: str, path: str, allowed: tuple[int, ...], **kwargs: Any):
    def check(t: Target) -> None:
        answer = requests.request(method, f"{t.web.url}{path}", timeout=30, allow_redirects=False, **kwargs)
        assert answer.status_code in allowed, (answer.status_code, answer.text[:200])
        assert "Traceback" not in answer.text

    return check


# --------------------------------------------------------------------------- the table

SYSTEM_PAYLOADS = [
    "/restart",
    "/session_start",
    "/back",
    "/out_of_scope",
    "/nlu_fallback",
    "/action_restart",
    "/action_session_start",
    "/action_listen",
    "/opt_out",
    "/EXTERNAL_handoff_return",
    '/opt_out{"email": "victim@example.com"}',
    '/inform{"order_id": "A1001"}',
]
CASES: dict[str, Callable[[Target], None]] = {
    # REST: bodies that are not a message
    "REST empty body": refused(400, b""),
    "REST []": refused(400, b"[]"),
    'REST "hi"': refused(400, b'"hi"'),
    "REST null": refused(400, b"null"),
    "REST 42": refused(400, b"42"),
    "REST broken JSON": refused(400, b'{"sender": "a", "message": '),
    "REST not UTF-8": refused(400, b'{"sender": "a", "message": "\xff\xfe"}'),
    "REST form-encoded": refused(400, b"sender=a&message=hi", "application/x-www-form-urlencoded"),
    "REST no sender": refused(400, b'{"message": "hi"}'),
    "REST empty sender": refused(400, b'{"sender": "", "message": "hi"}'),
    "REST null sender": refused(400, b'{"sender": null, "message": "hi"}'),
    "REST numeric sender": refused(400, b'{"sender": 7, "message": "hi"}'),
    "REST object sender": refused(400, b'{"sender": {"id": "x"}, "message": "hi"}'),
    "REST sender of 129 chars": refused(400, json.dumps({"sender": "a" * 129, "message": "hi"}).encode()),
    "REST sender with spaces": refused(400, b'{"sender": "a b", "message": "hi"}'),
    "REST sender with a path": refused(400, b'{"sender": "../../etc/passwd", "message": "hi"}'),
    "REST sender with NUL": refused(400, b'{"sender": "a\\u0000b", "message": "hi"}'),
    "REST sender with a newline": refused(400, b'{"sender": "a\\nb", "message": "hi"}'),
    "REST no message": refused(400, b'{"sender": "a"}'),
    "REST null message": refused(400, b'{"sender": "a", "message": null}'),
    "REST numeric message": refused(400, b'{"sender": "a", "message": 12}'),
    "REST list message": refused(400, b'{"sender": "a", "message": ["hi"]}'),
    "REST object message": refused(400, b'{"sender": "a", "message": {"text": "hi"}}'),
    "REST empty message": refused(400, b'{"sender": "a", "message": ""}'),
    "REST blank message": refused(400, b'{"sender": "a", "message": "   \\n\\t "}'),
    "REST zero-width message": refused(400, b'{"sender": "a", "message": "\\u200b\\u200b"}'),
    "REST NUL-only message": refused(400, b'{"sender": "a", "message": "\\u0000"}'),
    "REST body of 70 KB": refused(413, lambda: json.dumps({"sender": "a", "message": "x" * 70_000}).encode()),
    "REST 1 MB of metadata": refused(
        413, lambda: json.dumps({"sender": "a", "message": "hi", "metadata": {"x": "y" * 1_000_000}}).encode()
    ),
    "REST 20 MB body": refused(413, lambda: b'{"sender": "a", "message": "' + b"x" * 20_000_000 + b'"}'),
    # REST: strange text, a normal answer
    "REST lone surrogate": answered("hi \ud800 there"),
    "REST lone low surrogate": answered("\udc00 where is my order"),
    "REST NUL bytes": answered("hi\x00\x00"),
    "REST control characters": answered("do you have \x07\x1b[31mboots"),
    "REST right-to-left override": answered("\u202eredro ym si erehw"),
    "REST zero-width inside words": answered("ho\u200bodie pr\u200dice"),
    "REST byte-order mark": answered("\ufeffhello"),
    "REST emoji only": answered("😀😀😀"),
    "REST Chinese": answered("你好，我想买鞋"),
    "REST Arabic": answered("مرحبا"),
    "REST combining marks": answered("ho\u0301o\u0308die"),
    "REST 2,000 characters": answered("a" * 2000),
    "REST one very long word": answered("x" * 5000),
    "REST 9,000 tokens": long_message_is_cut,
    "REST HTML": answered("<script>alert(document.cookie)</script>"),
    "REST format strings": answered("{order_id} {email} %s %(x)s {0} ${jndi:ldap://x}"),
    "REST template-like text": answered("0["),
    "REST markdown link": answered("[click](javascript:alert(1))"),
    "REST only punctuation": answered("?!?!...;;;"),
    "REST text/plain JSON": lambda t: _status(
        post_raw(t, json.dumps({"sender": new_sender(), "message": "hi"}).encode(), "text/plain"), (200,)
    ),
    "REST wrong input_channel kept as rest": stored_channel_is_rest,
    "REST metadata not JSON": answered("hi", metadata="{not json"),
    "REST metadata a list": answered("hi", metadata=[1, 2, 3]),
    "REST metadata 30 KB dropped": oversized_metadata_is_dropped,
    "REST stream=true": lambda t: _stream_works(t),
    "REST GET webhook": lambda t: _status(requests.get(t.rest_url, timeout=10), (405,)),
    "REST SQL injection": sql_injection_leaves_the_tables,
    "REST flood from one conversation": a_flood_from_one_conversation_gets_429,
    "REST metrics counted what came": metrics_count_the_turns,
    # Typed payloads of system and action intents: never run as such
    **{f"payload {p}": answered_without_action(p) for p in SYSTEM_PAYLOADS},
    "payload /purchase with 20 units": answered_without_action('/purchase{"product": "Hoodie", "quantity": 20}'),
    "payload /refund with an order id": answered_without_action('/refund{"order_id": "A1001"}'),
    "payload with a zero-width space first": answered_without_action("\u200b/opt_out"),
    "payload with the division slash": answered_without_action("\u2215opt_out"),
    "payload with spaces first": answered_without_action("   /opt_out"),
    "payload /session_start mid-form": keeps_context_after("/session_start"),
    "payload /restart mid-form": keeps_context_after("/restart"),
    "payload /action_listen mid-form": keeps_context_after("/action_listen"),
    "payload /back mid-form": keeps_context_after("/back"),
    # Orders need their email
    "order status by number alone": order_details_hidden("where is my order A1001"),
    "order status payload": order_details_hidden('/order_status{"order_id": "A1002"}'),
    "order status of an unknown order": order_details_hidden("where is my order A9999"),
    "guessing emails is limited": guessing_order_emails_is_limited,
    # Rasa's HTTP API: always its token
    "API tracker without token": http_api_refuses("GET", "/conversations/x/tracker"),
    "API tracker with a wrong token": http_api_refuses("GET", "/conversations/x/tracker", params={"token": "x"}),
    "API messages without token": http_api_refuses("POST", "/conversations/x/messages", json={"text": "hi"}),
    "API events without token": http_api_refuses("POST", "/conversations/x/tracker/events", json=[]),
    "API execute without token": http_api_refuses("POST", "/conversations/x/execute", json={"name": "action_restart"}),
    "API trigger intent without token": http_api_refuses(
        "POST", "/conversations/x/trigger_intent", json={"name": "opt_out"}
    ),
    "API parse without token": http_api_refuses("POST", "/model/parse", json={"text": "hi"}),
    "API replace model without token": http_api_refuses("PUT", "/model", json={"model_file": "/tmp/x.tar.gz"}),
    "API status without token": http_api_refuses("GET", "/status"),
    "API bearer header with a wrong token": http_api_refuses(
        "GET", "/status", headers={"Authorization": "Bearer wrong"}
    ),
    "CORS refuses another origin": cors_refuses_other_origins,
    "no secret on a command line": no_secret_on_a_command_line,
    # The action server: only the Rasa server
    "action server without token": action_server("POST", "/webhook", 401, body=crafted_call("action_opt_out", {})),
    "action server wrong token": action_server(
        "POST", "/webhook", 401, token="wrong", body=crafted_call("action_opt_out", {})
    ),
    "action server cross-site text/plain": action_server(
        "POST", "/webhook", 401, raw=json.dumps(crafted_call("action_opt_out", {})).encode()
    ),
    "action server list without token": action_server("GET", "/actions", 401),
    "action server malformed call": action_server("POST", "/webhook", 400, token=None, raw=b"{"),
    "action server call without tracker": action_server(
        "POST", "/webhook", 400, token=None, body={"next_action": "action_opt_out"}
    ),
    "action server unknown action": action_server(
        "POST", "/webhook", 404, token=None, body=crafted_call("action_rm_rf", {})
    ),
    "action server 20 units": crafted_order_is_refused,
    "action server order of another email": crafted_status_needs_the_email,
    "action server on localhost only": action_server_on_localhost_only,
    # The web chat
    "socket guessed session id": socket_check(
        {"session_id": "default"}, lambda sid: [{"message": "hi", "session_id": sid}], True, True
    ),
    "socket forged signature": socket_check(
        {"session_id": f"{secrets.token_hex(16)}.{'0' * 32}"},
        lambda sid: [{"message": "hi", "session_id": sid}],
        True,
        True,
    ),
    "socket joins another conversation": another_conversation_cannot_be_joined,
    "socket session request not an object": socket_check(
        None, lambda sid: [{"message": "hi", "session_id": sid}], True, False
    ),
    "socket message not an object": socket_check({}, lambda sid: ["hi", 42, None], False, False),
    "socket message not text": socket_check({}, lambda sid: [{"message": 42, "session_id": sid}], False, False),
    "socket message of another session": socket_check(
        {}, lambda sid: [{"message": "hi", "session_id": "someone-else"}], False, False
    ),
    "socket long message": socket_check({}, lambda sid: [{"message": "hi " * 3000, "session_id": sid}], True, False),
    "socket long-polling body over 64 KiB": socket_polling_body_over_64_kib,
    "socket WebSocket message over 64 KiB": socket_websocket_message_over_64_kib,
    "socket lone surrogate": socket_check({}, lambda sid: [{"message": "hi\ud800", "session_id": sid}], True, False),
    "socket huge metadata": socket_check(
        {}, lambda sid: [{"message": "hi", "session_id": sid, "customData": {"x": "y" * 20_000}}], True, False
    ),
    # Messenger
    "Messenger unsigned": messenger_refused(
        403, lambda: (json.dumps(webhook_body([])).encode(), {"Content-Type": "application/json"})
    ),
    "Messenger wrong signature": messenger_refused(
        403,
        lambda: (json.dumps(webhook_body([])).encode(), {"X-Hub-Signature-256": "sha256=" + "0" * 64}),
    ),
    "Messenger sha1 signature": messenger_refused(
        403, lambda: (json.dumps(webhook_body([])).encode(), {"X-Hub-Signature": "sha1=" + "0" * 40})
    ),
    "Messenger 100 KB": messenger_refused(
        413, lambda: signed_raw(b'{"object": "page", "x": "' + b"y" * 100_000 + b'"}')
    ),
    "Messenger not JSON": messenger_refused(400, lambda: signed_raw(b"{nope")),
    "Messenger a list": messenger_refused(400, lambda: signed_raw(b"[]")),
    "Messenger not a page": messenger_refused(200, lambda: signed_raw(b'{"object": "instagram", "entry": []}')),
    "Messenger entry not a list": messenger_refused(200, lambda: signed_raw(b'{"object": "page", "entry": 5}')),
    "Messenger verify with a wrong token": lambda t: _status(
        requests.get(
            f"{t.servers.url}/webhooks/facebook/webhook",
            params={"hub.verify_token": E2E_VERIFY + "x", "hub.challenge": "c"},
            timeout=10,
        ),
        (403,),
    ),
    "Messenger batch with one bad event": messenger_batch_with_a_bad_event,
    "Messenger unsafe text": messenger_unsafe_text,
    # The web app
    "web /static/%00": web_call("GET", "/static/%00", (400, 404)),
    "web /static/../ traversal": web_call("GET", "/static/..%2f..%2fetc%2fpasswd", (400, 403, 404)),
    "web /static with a NUL in a name": web_call("GET", "/static/widget/widget.js%00.png", (400, 404)),
    "web unknown page": web_call("GET", "/no-such-page", (404,)),
    "web invite without signature": web_call("GET", "/invites/B123.ics", (400, 403, 404)),
    "web invite with a forged signature": web_call("GET", "/invites/B123.ics?t=" + "0" * 32, (400, 403, 404)),
    "web inbox API without a session": web_call("GET", "/inbox/api/conversations", (401, 403)),
    "web login broken JSON": web_call(
        "POST", "/inbox/api/login", (400, 401), data=b"{", headers={"Content-Type": "application/json"}
    ),
    "web login wrong types": web_call("POST", "/inbox/api/login", (400, 401), json={"email": ["x"], "password": 5}),
    "web login unknown agent": web_call(
        "POST", "/inbox/api/login", (401,), json={"email": "nobody@shop.example", "password": "x"}
    ),
    "web login 1 MB": web_call(
        "POST", "/inbox/api/login", (400, 401, 413), json={"email": "a", "password": "x" * 1_000_000}
    ),
    "no email or token in any log": logs_hold_no_email_or_token,
}


def _status(answer: requests.Response, allowed: tuple[int, ...]) -> None:
    assert answer.status_code in allowed, (answer.status_code, answer.text[:200])


def _stream_works(t: Target) -> None:
    answer = requests.post(
        t.rest_url, params={"stream": "true"}, json={"sender": new_sender(), "message": "hi"}, timeout=TIMEOUT
    )
    assert answer.status_code == 200 and answer.text.strip()


def test_every_hostile_input_is_survived(target, capsys):
    failures = []
    for name, check in CASES.items():
        try:
            check(target)
        except Exception as error:  # every case runs, and each failure is reported
            failures.append(f"{name}: {type(error).__name__}: {str(error)[:300]}")
    with capsys.disabled():
        print(f"\nhostile inputs: {len(CASES) - len(failures)} of {len(CASES)} passed")
    assert len(CASES) >= 100
    assert not failures, "\n".join(failures)
    # And the servers still answer a customer.
    answered("hi")(target)
