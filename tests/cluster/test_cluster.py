"""The production shape (scripts/cluster.py) on real PostgreSQL, Redis and nginx: two Rasa servers,
two action servers and two web apps. Under load nothing is lost, duplicated or misordered; web
chat customers on socket.io's long-polling (every request of a session on the server that holds
it) get their answers; a Rasa server killed mid-conversation is taken over with the context;
racing buyers through different action servers get exactly one last unit; with the
conversations' database down a message is refused (said, on REST and the web chat), and nothing
of it is kept; with Redis down a message is refused at once and never handled without its lock,
and the conversation goes on when Redis is back."""

import asyncio
import concurrent.futures
import os
import secrets
import shutil
import time
from urllib.parse import urlsplit

import pytest
import requests
import socketio
from sqlalchemy import create_engine, text

from scripts.cluster import EXTERNAL_REDIS, NGINX, POSTGRES, REDIS_SERVER, Cluster
from shop.responses import render
from tests.support import services

pytestmark = pytest.mark.cluster
CONVERSATIONS, TURNS = 100, 10
SCRIPT = [
    "hi",
    "how much is the hoodie?",
    "do you have it in black?",
    "what sizes?",
    "when would it arrive?",
    "do you ship to canada?",
    "what payment methods do you take?",
    "thanks",
    "what about the running shoes?",
    "bye",
]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not os.path.exists(NGINX) and not shutil.which("nginx"):
        services.missing("nginx", FileNotFoundError(NGINX))
    services.empty_postgres().dispose()  # PostgreSQL answers (else: skip, or fail under CI)
    if EXTERNAL_REDIS:
        services.redis_host()
    elif not os.path.exists(REDIS_SERVER):  # the cluster starts its own
        services.missing("redis-server (Debian's redis-server package)", FileNotFoundError(REDIS_SERVER))
    running = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        yield running.start()
    finally:
        running.stop()


def say(url: str, sender: str, message: str) -> list[dict]:
    answer = requests.post(
        f"{url}/webhooks/rest/webhook",
        params={"sender": sender},
        json={"sender": sender, "message": message},
        timeout=120,
    )
    answer.raise_for_status()
    return answer.json()


def text_of(replies: list[dict]) -> str:
    return " ".join(m.get("text", "") for m in replies)


def user_messages(cluster: Cluster, sender: str, server: int = -1) -> list[str]:
    answer = requests.get(
        f"{cluster.rasa_url(server)}/conversations/{sender}/tracker", params={"token": cluster.token}, timeout=60
    )
    answer.raise_for_status()
    return [e["text"] for e in answer.json()["events"] if e["event"] == "user"]


def test_100_conversations_of_10_turns_lose_nothing(cluster, capsys):
    senders = [f"load-{i}-{secrets.token_hex(3)}" for i in range(CONVERSATIONS)]

    failed = render("utter_action_failed")["text"]

    def converse(sender: str) -> int:
        answered = 0
        for message in SCRIPT[:TURNS]:
            replies = say(cluster.url, sender, message)
            assert not any(m.get("text") == failed for m in replies), f"{sender}: an action failed on {message!r}"
            answered += bool(replies)
        return answered

    with concurrent.futures.ThreadPoolExecutor(max_workers=CONVERSATIONS) as pool:
        answered = list(pool.map(converse, senders))
    assert answered == [TURNS] * CONVERSATIONS  # every turn answered, none failed
    for sender in senders:  # each user message stored once, in order, whichever server took it
        assert user_messages(cluster, sender) == SCRIPT[:TURNS], sender
    # Both servers' events reach the one analytics consumer: every message counted once.
    assert analytics_messages(cluster, senders) == CONVERSATIONS * TURNS
    with capsys.disabled():
        print(
            f"\ncluster: {CONVERSATIONS} conversations x {TURNS} turns through nginx, all answered and stored in order,"
            f" {CONVERSATIONS * TURNS} messages counted once by the analytics consumer"
        )


async def widget_turn(url: str, message: str, until: str = "Hoodie") -> tuple[str, list[str]]:
    """One web chat customer over socket.io's long-polling, as the widget falls back to it (every
    request after the handshake names its engine.io session, which lives on one Rasa server): its
    conversation id and what it read, up to a message with `until` in it."""
    replies: asyncio.Queue = asyncio.Queue()
    confirmed: asyncio.Queue = asyncio.Queue()
    client = socketio.AsyncClient(reconnection=False)
    client.on("bot_uttered", lambda data: replies.put_nowait(data))
    client.on("session_confirm", lambda data: confirmed.put_nowait(data))
    await client.connect(url, socketio_path="/socket.io", transports=["polling"], wait_timeout=30)
    try:
        await client.emit("session_request", {})
        session_id = await asyncio.wait_for(confirmed.get(), timeout=60)
        await client.emit("user_uttered", {"message": message, "session_id": session_id})
        texts: list[str] = []
        while not any(until in t for t in texts):  # the privacy notice of a first contact comes first
            texts.append((await asyncio.wait_for(replies.get(), timeout=120)).get("text", ""))
        return session_id, texts
    finally:
        await client.disconnect()


def test_web_chat_customers_on_long_polling_through_nginx_get_their_answers(cluster):
    # nginx hashed each request on the client and its session id: the handshake (no sid yet) and
    # the requests after it went to different servers half the time ("Invalid session").
    for _ in range(6):
        session_id, texts = asyncio.run(widget_turn(cluster.url, "how much is the hoodie?"))
        assert any("$" in t for t in texts), texts
        assert user_messages(cluster, session_id) == ["how much is the hoodie?"]


def analytics_messages(cluster: Cluster, senders: list[str], timeout: float = 60) -> int:
    """The customer messages the consumer kept for `senders`, once it has caught up."""
    engine = create_engine(cluster.env["SHOP_DB_URL"])
    query = text("SELECT COUNT(*) FROM conversation_events WHERE kind = 'message' AND sender_id = ANY(:senders)")
    deadline, last = time.monotonic() + timeout, -1
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            now = connection.execute(query, {"senders": senders}).scalar_one()
        if now == last and now >= CONVERSATIONS * TURNS:
            break
        last = now
        time.sleep(1.5)
    engine.dispose()
    return last


def test_20_buyers_racing_through_both_action_servers_get_one_last_unit(cluster):
    engine = create_engine(cluster.env["SHOP_DB_URL"])
    with engine.begin() as conn:
        variant = conn.execute(
            text(
                "SELECT v.id FROM variants v JOIN products p ON p.id = v.product_id "
                "WHERE p.name = 'Hoodie' AND v.size = 'M' AND v.color = 'black'"
            )
        ).scalar_one()
        conn.execute(text("UPDATE variants SET stock = 1 WHERE id = :v"), {"v": variant})
        before = conn.execute(text("SELECT count(*) FROM orders")).scalar_one()
    slots = {"product": "Hoodie", "size": "M", "color": "black", "quantity": 1, "purchase_confirmed": True}

    def buy(index: int) -> list[str]:
        port = cluster.action_ports[index % 2]
        call = {
            "next_action": "action_place_order",
            "sender_id": f"racer-{index}",
            "tracker": {"sender_id": f"racer-{index}", "slots": slots, "events": [], "latest_message": {}},
            "domain": {},
        }
        answer = requests.post(
            f"http://127.0.0.1:{port}/webhook", params={"token": cluster.action_token}, json=call, timeout=60
        )
        answer.raise_for_status()
        return [r.get("response") for r in answer.json()["responses"]]

    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(buy, range(20)))
    placed = [o for o in outcomes if o == ["utter_order_placed"]]
    assert len(placed) == 1, outcomes
    assert all(o[0].startswith("utter_order_sold_out_meanwhile") for o in outcomes if o not in placed)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM orders")).scalar_one() == before + 1
        assert conn.execute(text("SELECT stock FROM variants WHERE id = :v"), {"v": variant}).scalar_one() == 0
    engine.dispose()


def conversations_database(cluster: Cluster, *, up: bool) -> None:
    """The tracker store's database refusing connections, its open ones cut (the shared PostgreSQL
    and the shop's database go on), or taking them again."""
    name = urlsplit(cluster.env["TRACKER_STORE_URL"]).path.lstrip("/")
    engine = create_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(up).lower()}'))
        if not up:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"), {"name": name}
            )
    engine.dispose()


def test_with_the_conversations_database_down_a_message_is_refused_and_nothing_is_lost(cluster):
    sender = f"db-down-{secrets.token_hex(4)}"
    assert "size" in text_of(say(cluster.url, sender, "I want to buy a hoodie")).lower()
    apology = render("utter_action_failed")["text"]
    conversations_database(cluster, up=False)
    try:
        # Rasa would answer from an empty conversation in memory (the purchase forgotten, the turn
        # kept nowhere): the turn fails instead, and the customer is told.
        answer = requests.post(
            f"{cluster.url}/webhooks/rest/webhook",
            params={"sender": sender},
            json={"sender": sender, "message": "M"},
            timeout=60,
        )
        assert answer.status_code == 503, answer.text
        assert "could not handle this message right now" in answer.json()["error"]
        _, texts = asyncio.run(widget_turn(cluster.url, "how much is the hoodie?", until=apology))
        assert texts == [apology]
        for index in range(len(cluster.rasa_ports)):  # each Rasa server's health names the database
            status, body = health(f"{cluster.rasa_url(index)}/webhooks/rest/")
            assert status == 503 and body["tracker_store"].startswith("down: "), body
            assert body["action_server"] == "ok" and body["lock_store"] == "ok", body
    finally:
        conversations_database(cluster, up=True)
    for index in range(len(cluster.rasa_ports)):
        status, body = health(f"{cluster.rasa_url(index)}/webhooks/rest/")
        assert status == 200 and body["tracker_store"] == "ok", body
    reply = text_of(say(cluster.url, sender, "M"))
    assert "color" in reply.lower(), reply  # the purchase goes on where it was
    for index in range(len(cluster.rasa_ports)):  # once each, in order, nothing from the outage
        assert user_messages(cluster, sender, server=index) == ["I want to buy a hoodie", "M"]


def test_a_conversation_keeps_its_context_when_its_rasa_server_dies(cluster):
    sender = f"failover-{secrets.token_hex(4)}"
    # The conversation starts on the first Rasa server, which then crashes.
    assert "size" in text_of(say(cluster.rasa_url(0), sender, "I want to buy a hoodie"))
    cluster.kill("rasa0")
    # nginx sends the next message to the other server, which reads the tracker from PostgreSQL.
    reply = text_of(say(cluster.url, sender, "M"))
    assert "color" in reply.lower(), reply  # the form goes on: the product was kept
    assert user_messages(cluster, sender, server=1) == ["I want to buy a hoodie", "M"]


def health(url: str) -> tuple[int, dict]:
    answer = requests.get(url, timeout=30)
    return answer.status_code, answer.json()


# Last in the module: it takes Redis away from every server (and gives them a new, empty one).
def test_with_redis_down_a_message_is_refused_at_once_and_the_conversation_goes_on_after(cluster):
    if not cluster.owns_redis:
        pytest.skip("CLUSTER_REDIS is set: that Redis is not the cluster's to kill")
    sender = f"redis-down-{secrets.token_hex(4)}"
    login = f"{cluster.url}/inbox/api/login"
    nobody = {"email": "nobody@example.com", "password": "not-a-password"}
    assert "size" in text_of(say(cluster.url, sender, "I want to buy a hoodie")).lower()
    assert requests.post(login, json=nobody, timeout=30).status_code == 401  # the throttle is asked
    live = [i for i in range(len(cluster.rasa_ports)) if f"rasa{i}" in cluster.procs]

    cluster.kill("redis")
    started = time.monotonic()
    answer = requests.post(
        f"{cluster.url}/webhooks/rest/webhook",
        params={"sender": sender},
        json={"sender": sender, "message": "M"},
        timeout=30,
    )
    assert time.monotonic() - started < 10, "a hang, not a quick failure"
    assert answer.status_code == 503, answer.text
    assert "cannot take messages right now" in answer.json()["error"]
    # Not handled: the tracker (PostgreSQL) holds the first message only, on every server.
    for index in live:
        assert user_messages(cluster, sender, server=index) == ["I want to buy a hoodie"]
    # The inbox cannot ask its login throttle: no login, said so (not a 500).
    refused = requests.post(login, json=nobody, timeout=30)
    assert refused.status_code == 503, refused.text
    assert "Logging in is not possible right now" in refused.json()["error"]
    for index in live:  # a Rasa server's health checks its lock store
        status, body = health(f"{cluster.rasa_url(index)}/webhooks/rest/")
        assert status == 503 and body["lock_store"].startswith("down: "), body
        assert body["action_server"] == "ok", body
    for port in cluster.web_ports:  # the web apps throttle logins in Redis: their health says it is down
        status, body = health(f"http://127.0.0.1:{port}/health")
        assert status == 503 and body["database"] == "ok" and body["redis"].startswith("down: "), body

    cluster.start_redis()  # empty (nothing was saved): the conversation is in PostgreSQL
    for index in live:
        status, body = health(f"{cluster.rasa_url(index)}/webhooks/rest/")
        assert status == 200 and body["lock_store"] == "ok", body
    for index, port in enumerate(cluster.web_ports):
        status, body = health(f"http://127.0.0.1:{port}/health")
        assert body["redis"] == "ok", body
        assert status == 200 or index not in live, body  # (each reads conversations through one Rasa server)
    reply = text_of(say(cluster.url, sender, "M"))
    assert "color" in reply.lower(), reply  # the form goes on: the product was kept
    assert user_messages(cluster, sender, server=live[-1]) == ["I want to buy a hoodie", "M"]
    assert requests.post(login, json=nobody, timeout=30).status_code == 401
