"""The production shape (scripts/cluster.py) on real PostgreSQL, Redis and nginx: two Rasa
servers, two action servers and two web apps. Under load nothing is lost, duplicated or
misordered; a Rasa server killed mid-conversation is taken over with the context; racing buyers
through different action servers get exactly one last unit."""

import concurrent.futures
import os
import secrets
import shutil

import pytest
import requests
from sqlalchemy import create_engine, text

from scripts.cluster import NGINX, Cluster
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
    services.redis_host()
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
    with capsys.disabled():
        print(
            f"\ncluster: {CONVERSATIONS} conversations x {TURNS} turns through nginx, all answered and stored in order"
        )


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


def test_a_conversation_keeps_its_context_when_its_rasa_server_dies(cluster):
    sender = f"failover-{secrets.token_hex(4)}"
    # The conversation starts on the first Rasa server, which then crashes.
    assert "size" in " ".join(m.get("text", "") for m in say(cluster.rasa_url(0), sender, "I want to buy a hoodie"))
    cluster.kill("rasa0")
    # nginx sends the next message to the other server, which reads the tracker from PostgreSQL.
    reply = " ".join(m.get("text", "") for m in say(cluster.url, sender, "M"))
    assert "color" in reply.lower(), reply  # the form goes on: the product was kept
    assert user_messages(cluster, sender, server=1) == ["I want to buy a hoodie", "M"]
