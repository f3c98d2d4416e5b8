"""Human handoff against the real servers and the real web app: a REST conversation is handed
to an agent, the bot stays silent, the agent replies and closes through the inbox API, and the
bot resumes with its slots; a web-widget (socket.io) customer gets the agent's replies live; a
handoff nobody answers comes back to the bot; an agent replying while the Rasa server is down is
told so and sends again once it is back, and the customer gets the reply once."""

import asyncio
import secrets

import pytest
import requests
import socketio
from sqlalchemy import create_engine, text

from tests.support.servers import Chat
from tests.support.web_app import WebApp, set_agent_password, wait_until

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def web(servers, inbox_config, tmp_path_factory):
    for email in ("ben@shop.example", "alice@shop.example"):
        set_agent_password(servers.shop_db, email, PASSWORD)
    app = WebApp(
        tmp_path_factory.mktemp("web"), servers.shop_db, servers, extra_env={"INBOX_CONFIG": str(inbox_config)}
    )
    yield app
    app.stop()


class Agent:
    """An agent using the inbox API with a bearer token."""

    def __init__(self, web: WebApp, email: str) -> None:
        self.web = web
        login = requests.post(f"{web.url}/inbox/api/login", json={"email": email, "password": PASSWORD}, timeout=10)
        assert login.status_code == 200, login.text
        self.headers = {"Authorization": f"Bearer {login.json()['token']}"}

    def call(self, method: str, path: str, expect: int = 200, **body):
        response = requests.request(
            method, f"{self.web.url}/inbox/api{path}", headers=self.headers, json=body or None, timeout=30
        )
        assert response.status_code == expect, response.text
        return response.json()

    def conversation_of(self, sender: str):
        listing = self.call("GET", "/conversations")
        everything = listing["mine"] + [c for queue in listing["queues"].values() for c in queue]
        return next((c for c in everything if c["contact"].get("sender_id") == sender), None)


def handoff_row(servers, sender):
    with create_engine(servers.shop_db).connect() as conn:
        return conn.execute(
            text(
                "SELECT status, closed_by, closing_note, first_reply_at FROM handoffs "
                "WHERE sender_id = :s ORDER BY id DESC"
            ),
            {"s": sender},
        ).first()


def test_rest_conversation_is_handed_over_answered_closed_and_resumed(servers, web):
    ben = Agent(web, "ben@shop.example")
    ben.call("POST", "/presence", online=True)
    chat = Chat(servers)
    assert "Running Shoes" in chat.text("do you have the running shoes in size 10?")
    before = chat.slots()
    assert before["product"] == "Running Shoes"

    handed = chat.text("let me talk to a human")
    assert "handing you over to Ben from our Customer support team" in handed
    conversation = wait_until(lambda: ben.conversation_of(chat.sender))
    ben.call("POST", f"/conversations/{conversation['id']}/take")
    assert chat.tracker()["paused"] is True

    assert chat.say("hello? is anyone there?") == []  # the bot stays silent
    detail = ben.call("GET", f"/conversations/{conversation['id']}")
    assert detail["context"]["slots"]["Product"] == "Running Shoes"
    assert detail["context"]["reason_text"] == "The customer asked for a person."
    assert "check_stock" in detail["context"]["intents"]
    assert detail["transcript"][-1] == {
        **detail["transcript"][-1],
        "who": "customer",
        "text": "hello? is anyone there?",
    }

    ben.call("POST", f"/conversations/{conversation['id']}/messages", text="Hi, Ben here: size 10 is in stock.")
    agent_lines = [
        e for e in chat.tracker()["events"] if e["event"] == "bot" and (e.get("metadata") or {}).get("agent")
    ]
    assert [e["text"] for e in agent_lines] == [
        "Ben Carter from our Customer support team has joined the chat.",
        "Hi, Ben here: size 10 is in stock.",
    ]
    assert agent_lines[-1]["metadata"]["agent"]["name"] == "Ben Carter"
    assert chat.say("great, thanks Ben") == []

    ben.call("POST", f"/conversations/{conversation['id']}/close", expect=409)  # no note
    ben.call("POST", f"/conversations/{conversation['id']}/close", note="Confirmed size 10 stock.")
    tracker = chat.tracker()
    assert tracker["paused"] is False
    left, question = [e for e in tracker["events"] if e["event"] == "bot"][-2:]
    assert "has left the chat" in left["text"]
    assert "how did I do?" in question["text"]  # the chat reached its outcome: the satisfaction question
    status, closed_by, note, first_reply = handoff_row(servers, chat.sender)
    assert (status, closed_by, note) == ("closed", "agent", "Confirmed size 10 stock.") and first_reply

    reply = chat.text("how much are they?")  # the bot is back, with its slots; a question, not a rating
    assert "$110.00" in reply and "Running Shoes" in reply
    after = chat.slots()
    assert {k: after[k] for k in ("product", "size")} == {k: before[k] for k in ("product", "size")}
    assert ben.conversation_of(chat.sender) is None


def test_an_agent_replying_while_rasa_is_down_sees_the_error_and_the_retry_reaches_the_customer_once(servers, web):
    ben = Agent(web, "ben@shop.example")
    ben.call("POST", "/presence", online=True)
    chat = Chat(servers)
    assert "handing you over" in chat.text("let me talk to a human")
    conversation = wait_until(lambda: ben.conversation_of(chat.sender))
    ben.call("POST", f"/conversations/{conversation['id']}/take")
    reply = {"text": "Your refund is on its way.", "reply_id": f"e2e-{secrets.token_hex(8)}"}

    servers.stop_rasa()
    try:
        failed = ben.call("POST", f"/conversations/{conversation['id']}/messages", expect=502, **reply)
        assert failed["error"].startswith("Your message did not reach the customer: Rasa server unreachable")
        assert failed["error"].endswith("Send it again: it will not be sent twice.")
        health = requests.get(f"{web.url}/health", timeout=30)
        assert health.status_code == 503 and health.json()["rasa"].startswith("down: "), health.text
        assert handoff_row(servers, chat.sender).first_reply_at is None  # not counted as answered
    finally:
        servers.start_rasa()

    sent = ben.call("POST", f"/conversations/{conversation['id']}/messages", **reply)
    assert sent["conversation"]["first_reply_at"] is not None
    ben.call("POST", f"/conversations/{conversation['id']}/messages", **reply)  # a double click: same id
    texts = [e["text"] for e in chat.tracker()["events"] if e["event"] == "bot"]
    assert texts.count(reply["text"]) == 1, texts
    assert sum(text.endswith("has joined the chat.") for text in texts) == 1, texts
    ben.call("POST", f"/conversations/{conversation['id']}/close", note="Refund explained.")


async def test_web_widget_customer_gets_the_agents_replies_live(servers, web):
    alice = Agent(web, "alice@shop.example")
    alice.call("POST", "/presence", online=True)
    received: asyncio.Queue = asyncio.Queue()
    confirmed: asyncio.Queue = asyncio.Queue()
    client = socketio.AsyncClient()
    client.on("bot_uttered", lambda data: received.put_nowait(data))
    client.on("session_confirm", lambda data: confirmed.put_nowait(data))
    await client.connect(servers.url, socketio_path="/socket.io", transports=["polling"])
    try:
        # A made-up id is not taken: the server issues the conversation id.
        guessed = secrets.token_hex(16)
        await client.emit("session_request", {"session_id": guessed})
        session_id = await asyncio.wait_for(confirmed.get(), timeout=30)
        assert session_id != guessed

        async def say(message):
            await client.emit(
                "user_uttered",
                {
                    "message": message,
                    "session_id": session_id,
                    "customData": {"page": "home", "utm_source": "newsletter"},
                },
            )

        async def next_message(matching):
            while True:
                message = await asyncio.wait_for(received.get(), timeout=60)
                if matching(message):
                    return message

        await say("I need a person please")
        handed = await next_message(lambda m: "handing you over" in m.get("text", ""))
        assert handed["custom"] == {"handoff": {"status": "waiting", "team": "Customer support"}}
        conversation = await asyncio.to_thread(wait_until, lambda: alice.conversation_of(session_id))
        assert conversation["channel"] == "socketio"

        await asyncio.to_thread(
            alice.call, "POST", f"/conversations/{conversation['id']}/messages", text="Hello from Alice!"
        )
        joined = await next_message(lambda m: "joined the chat" in m.get("text", ""))
        assert joined["agent"] == {"name": "Alice Moreno", "team": "support"}
        reply = await next_message(lambda m: m.get("agent"))
        assert reply == {"text": "Hello from Alice!", "agent": {"name": "Alice Moreno", "team": "support"}}

        await asyncio.to_thread(
            alice.call, "POST", f"/conversations/{conversation['id']}/close", note="Answered the question."
        )
        back = await next_message(lambda m: "left the chat" in m.get("text", ""))
        assert "agent" not in back
        await say("do you sell rain jackets?")
        answer = await next_message(lambda m: "Rain Jacket" in m.get("text", ""))
        assert "agent" not in answer
    finally:
        await client.disconnect()


def test_a_handoff_nobody_answers_comes_back_to_the_bot(servers, web):
    chat = Chat(servers)
    assert "Billing team" in chat.text("I need to talk to billing about a charge")
    assert chat.tracker()["paused"] is True
    wait_until(lambda: chat.tracker()["paused"] is False, timeout=60, every=1)
    last_bot = [e for e in chat.tracker()["events"] if e["event"] == "bot"][-1]
    assert "nobody from our Billing team could pick this up" in last_bot["text"]
    assert [b["payload"] for b in last_bot["data"]["buttons"]] == ["/request_followup"]
    assert handoff_row(servers, chat.sender)[:2] == ("closed", "timeout")
    assert "email" in chat.text("/request_followup").lower()  # the follow-up form asks for it
