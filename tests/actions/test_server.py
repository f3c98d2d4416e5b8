"""The action server (python -m actions) started for real: only the Rasa server's token opens
it, it echoes nothing, and a failing action still answers with an apology."""

import os
import secrets
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import requests

from scripts.processes import free_port, wait_until_up
from tests.support import database
from tests.support.servers import BIN, ROOT

CUSTOMER_EMAIL = "maria.lopez@example.com"  # the owner of A1001 in the seed


class ActionServer:
    def __init__(self, workdir: Path, db_url: str, token: str = "") -> None:
        self.token = token or secrets.token_hex(16)
        self.port = free_port()
        self.log = workdir / f"actions-{self.port}.log"
        env = dict(os.environ, SHOP_DB_URL=db_url, ACTION_PORT=str(self.port), ACTION_SERVER_TOKEN=self.token)
        env.pop("ACTION_HOST", None)
        with open(self.log, "wb") as log:
            command = [str(BIN / "python"), "-m", "actions"]
            self.proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        # Answering is enough (503: its database is down, as the broken one's is).
        wait_until_up(
            f"{self.url}/health",
            self.proc,
            self.log.read_text,
            "action server",
            time.monotonic() + 120,
            up=lambda answer: answer.status_code in (200, 503),
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(
        self, action: str, slots: dict | None = None, token: str | None = None, domain: dict | None = None, **tracker
    ) -> requests.Response:
        body = {
            "next_action": action,
            "sender_id": "someone",
            "tracker": {"sender_id": "someone", "slots": slots or {}, "events": [], "latest_message": {}} | tracker,
            "domain": domain or {},
            "version": "3.6.21",
        }
        return requests.post(
            f"{self.url}/webhook", params={"token": self.token if token is None else token}, json=body, timeout=30
        )

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("action-server") / "shop.db"
    database.seed_database(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="module")
def server(seeded):
    running = ActionServer(seeded.parent, f"sqlite:///{seeded}")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """An action server whose database cannot be opened (as when it is down)."""
    workdir = tmp_path_factory.mktemp("action-server-broken")
    running = ActionServer(workdir, "sqlite:////proc/no-such-dir/shop.db")
    yield running
    running.stop()


def responses(reply: requests.Response) -> list[str]:
    return [r.get("response") for r in reply.json().get("responses", [])]


def order_count(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("select count(*) from orders").fetchone()[0]


@pytest.mark.parametrize("token", ["", "wrong", "x" * 64])
def test_a_call_without_the_token_is_refused_and_runs_nothing(server, seeded, token):
    before = order_count(seeded)
    slots = {"product": "Running Shoes", "size": "9", "color": "black", "quantity": 2, "purchase_confirmed": True}
    reply = server.call("action_place_order", slots, token=token)
    assert reply.status_code == 401
    assert reply.json() == {"error": "unauthorized"}
    assert order_count(seeded) == before


def test_a_cross_site_form_post_is_refused(server):
    # A web page can POST text/plain without a preflight; it cannot know the token.
    reply = requests.post(
        f"{server.url}/webhook", data='{"next_action": "action_opt_out"}', headers={"Content-Type": "text/plain"}
    )
    assert reply.status_code == 401


def test_the_list_of_actions_needs_the_token_too(server):
    assert requests.get(f"{server.url}/actions").status_code == 401
    names = {a["name"] for a in requests.get(f"{server.url}/actions", params={"token": server.token}).json()}
    assert {"action_place_order", "action_submit_refund", "validate_purchase_form"} <= names


@pytest.mark.parametrize("body", [b"", b"hi", b"[]", b"{", b'"text"', b'{"next_action": "x", "tracker": "no"}'])
def test_a_malformed_call_gets_a_400_that_echoes_nothing(server, body):
    reply = requests.post(f"{server.url}/webhook", params={"token": server.token}, data=body)
    assert reply.status_code == 400
    assert reply.json() == {"error": "the body is not a JSON action call"}


def test_an_unknown_action_is_a_404(server):
    reply = server.call("action_format_disk")
    assert reply.status_code == 404
    assert reply.json()["action_name"] == "action_format_disk"


def test_a_real_call_runs_the_action(server):
    reply = server.call("action_order_status", {"order_id": "A1001", "email": CUSTOMER_EMAIL})
    assert reply.status_code == 200
    assert responses(reply)[0].startswith("utter_order_status_")


def test_an_order_over_the_chat_limit_is_not_placed_whatever_the_slots_say(server, seeded):
    before = order_count(seeded)
    slots = {"product": "Running Shoes", "size": "9", "color": "black", "quantity": 20, "purchase_confirmed": True}
    reply = server.call("action_place_order", slots)
    assert reply.status_code == 200
    assert responses(reply) == ["utter_order_not_placed"]
    assert order_count(seeded) == before


def test_a_failing_action_answers_with_the_apology_and_logs_no_customer_data(broken):
    secret_email = f"{secrets.token_hex(6)}@example.com"
    reply = broken.call(
        "action_order_status",
        {"order_id": "A1001", "email": secret_email},
        latest_message={"text": f"my email is {secret_email}"},
    )
    assert reply.status_code == 200
    assert responses(reply) == ["utter_action_failed"]
    assert reply.json()["events"] == []
    log = broken.log.read_text()
    assert "action action_order_status failed" in log
    assert secret_email not in log


def test_a_failing_form_validation_asks_its_question_again(broken, domain):
    reply = broken.call(
        "validate_order_status_form",
        {"order_id": "A1001", "requested_slot": "order_id"},
        latest_message={"text": "A1001", "intent": {"name": "inform"}},
        active_loop={"name": "order_status_form"},
        events=[{"event": "user", "text": "A1001"}, {"event": "slot", "name": "order_id", "value": "A1001"}],
        domain=domain,
    )
    assert reply.status_code == 200
    assert responses(reply) == ["utter_action_failed"]
    assert {"event": "slot", "name": "order_id", "value": None} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in reply.json()["events"]
    ]


def test_a_failing_final_action_opens_its_form_again_at_the_confirmation(broken):
    """The database failed as the order was placed: nothing was written, and the purchase is not
    lost; the form asks its confirmation again, so a "yes" once the shop is back places it."""
    slots = {"product": "Hoodie", "size": "M", "color": "black", "quantity": 1, "purchase_confirmed": True}
    reply = broken.call("action_place_order", slots, events=[{"event": "user", "text": "yes"}])
    assert reply.status_code == 200
    assert responses(reply) == ["utter_action_failed"]
    assert [{k: e.get(k) for k in ("event", "name", "value")} for e in reply.json()["events"]] == [
        {"event": "slot", "name": "purchase_confirmed", "value": None},
        {"event": "active_loop", "name": "purchase_form", "value": None},
    ]


@pytest.mark.parametrize(
    ("action", "form", "slot"),
    [
        ("action_place_order", "purchase_form", "purchase_confirmed"),
        ("action_submit_refund", "refund_form", "refund_confirmed"),
        ("action_book_meeting", "booking_form", "booking_confirmed"),
    ],
)
def test_each_final_action_names_its_form_and_last_question_in_the_domain(domain, action, form, slot):
    from shop.failed_actions import FINAL_ACTIONS

    assert FINAL_ACTIONS[action] == (form, slot)
    assert action in domain["actions"] and domain["forms"][form]["required_slots"][-1] == slot


def test_the_apology_is_said_once_a_turn(broken):
    """The form's question after a failed order needs the database too: the customer reads the
    apology once, not once per action of the turn."""
    apologized = {"event": "bot", "text": "Sorry...", "metadata": {"utter_action": "utter_action_failed"}}
    events = [{"event": "user", "text": "yes"}, {"event": "action", "name": "action_place_order"}, apologized]
    reply = broken.call("action_ask_purchase_confirmed", {"product": "Hoodie"}, events=events)
    assert reply.status_code == 200 and responses(reply) == []
    next_turn = [*events, {"event": "user", "text": "yes"}]
    assert responses(broken.call("action_ask_purchase_confirmed", {"product": "Hoodie"}, events=next_turn)) == [
        "utter_action_failed"
    ]


def test_health_checks_the_database(server, broken):
    assert requests.get(f"{server.url}/health").json() == {"status": "ok", "database": "ok"}
    down = requests.get(f"{broken.url}/health")
    assert down.status_code == 503
    assert down.json()["status"] == "down" and down.json()["database"].startswith("down: ")


def test_it_listens_on_localhost_only(server):
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if Path(table).exists():
            for line in Path(table).read_text().splitlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, port = local.split(":")
                if state == "0A" and int(port, 16) == server.port:  # 0A: LISTEN
                    listening.add(address)
    assert listening == {"0100007F"}  # 127.0.0.1


def test_it_does_not_start_without_a_token(tmp_path):
    env = dict(os.environ, ACTION_SERVER_TOKEN="", SHOP_DB_URL=f"sqlite:///{tmp_path / 'shop.db'}")
    done = subprocess.run(
        [str(BIN / "python"), "-m", "actions"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "ACTION_SERVER_TOKEN is not set" in done.stderr


def test_metrics_count_the_actions_run(server):
    server.call("action_order_status", {"order_id": "A1001", "email": CUSTOMER_EMAIL})
    text = requests.get(f"{server.url}/metrics", timeout=10).text
    assert 'shop_actions_total{action="action_order_status",outcome="ok"}' in text
    assert 'shop_action_seconds_count{action="action_order_status"}' in text
    assert "action_format_disk" not in text  # unknown names never become labels


def test_metrics_count_the_failures(broken):
    broken.call("action_order_status", {"order_id": "A1001", "email": CUSTOMER_EMAIL})
    text = requests.get(f"{broken.url}/metrics", timeout=10).text
    assert 'shop_actions_total{action="action_order_status",outcome="failed"}' in text
