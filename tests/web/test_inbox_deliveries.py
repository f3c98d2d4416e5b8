"""The inbox's view of what left the database (GET /inbox/api/deliveries: status, attempts,
last error; a parked one sent again), behind the agents' login; and an agent's answer to a
customer who had left the chat, emailed to them through a real local SMTP server."""

import secrets
from datetime import datetime, timezone

import pytest
import requests
from sqlalchemy import select

from shop.db import session_factory, session_scope
from shop.handoff import assignment
from shop.handoff.context import build_packet
from shop.handoff.routing import load_config
from shop.integrations import deliveries
from shop.integrations.worker import run_once
from shop.models import Delivery
from tests.support import database
from tests.support.receivers import SmtpServer, WebhookReceiver
from tests.support.web_app import RasaStandIn, WebApp, set_agent_password

PASSWORD = "inbox-deliveries-password"
ALICE, OLIVIA = "alice@shop.example", "olivia.bennett@shop.example"  # support; sales
SECRET = "whsec-inbox-test"


@pytest.fixture(scope="module")
def web(seeded_template, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("inbox-deliveries")
    path = workdir / "shop.db"
    database.copy_database(seeded_template, path)
    db_url = f"sqlite:///{path}"
    for email in (ALICE, OLIVIA):
        set_agent_password(db_url, email, PASSWORD)
    rasa = RasaStandIn(secrets.token_hex(8))
    with WebhookReceiver(SECRET) as receiver, SmtpServer() as smtp:
        env = {"WEBHOOK_URL": receiver.url, "WEBHOOK_SECRET": SECRET, **smtp.env()}
        app = WebApp(workdir, db_url, rasa, extra_env=env)
        yield app, rasa, receiver, smtp, env
        app.stop()
    rasa.stop()


@pytest.fixture
def env(web, monkeypatch):
    """This process sees the web app's configuration (it writes and sends deliveries too)."""
    for name, value in web[4].items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SHOP_DB_URL", web[0].db_url)
    return web


def bearer(app, email: str) -> dict[str, str]:
    answer = requests.post(f"{app.url}/inbox/api/login", json={"email": email, "password": PASSWORD}, timeout=10)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def hand_over(app, rasa, email: str | None = "robin@example.com") -> tuple[int, str]:
    sender = f"web-{secrets.token_hex(5)}"
    now = datetime.now(timezone.utc)
    packet = build_packet(
        events=[],
        slots={"email": email},
        reason="customer_asked",
        team="support",
        channel="socketio",
        sender_id=sender,
        name="Robin Lee",
    )
    with session_scope(app.db_url) as session:
        handoff, _ = assignment.open_handoff(
            session,
            load_config(),
            sender_id=sender,
            channel="socketio",
            team="support",
            reason="customer_asked",
            context=packet,
            now=now,
        )
        handoff_id = handoff.id
    rasa.pause(sender)
    return handoff_id, sender


def customer_left(app, handoff_id: int) -> None:
    with session_scope(app.db_url) as session:
        assignment.close(
            session,
            handoff_id,
            datetime.now(timezone.utc),
            closed_by="customer",
            note="The customer restarted the chat.",
        )


def test_the_deliveries_need_an_agent(env):
    app = env[0]
    assert requests.get(f"{app.url}/inbox/api/deliveries", timeout=10).status_code == 401
    answer = requests.get(f"{app.url}/inbox/api/deliveries?status=lost", headers=bearer(app, ALICE), timeout=10)
    assert answer.status_code == 400 and "pending" in answer.json()["error"]


def test_support_sees_each_delivery_with_its_status_attempts_and_error_and_sends_a_parked_one_again(env):
    app, rasa, receiver = env[0], env[1], env[2]
    handoff_id, sender = hand_over(app, rasa)
    headers = bearer(app, ALICE)
    listed = requests.get(f"{app.url}/inbox/api/deliveries", params={"sender_id": sender}, headers=headers, timeout=10)
    [opened] = listed.json()["deliveries"]
    assert (opened["event"], opened["target"], opened["status"], opened["attempts"]) == (
        "handoff.opened",
        "webhook:default",
        "pending",
        0,
    )
    receiver.status = 500
    sessions = session_factory(app.db_url)
    run_once(sessions)
    with sessions.begin() as session:  # it kept failing: parked, as after its last attempt
        row = session.get(Delivery, opened["id"])
        row.status = deliveries.PARKED
    detail = requests.get(f"{app.url}/inbox/api/conversations/{handoff_id}", headers=headers, timeout=10).json()
    [shown] = detail["deliveries"]
    assert shown["status"] == "parked" and shown["attempts"] == 1 and "answered 500" in shown["last_error"]
    parked = requests.get(f"{app.url}/inbox/api/deliveries?status=parked", headers=headers, timeout=10).json()
    assert opened["id"] in [d["id"] for d in parked["deliveries"]] and parked["counts"]["parked"] >= 1

    receiver.status = 200
    retry = f"{app.url}/inbox/api/deliveries/{opened['id']}/retry"
    assert requests.post(retry, headers=headers, timeout=10).status_code == 200
    assert requests.post(retry, headers=headers, timeout=10).status_code == 409  # pending now, not parked
    run_once(sessions)
    assert receiver.received()[-1]["data"]["handoff"]["sender_id"] == sender


def test_an_answer_to_a_customer_who_left_the_chat_goes_by_email(env):
    app, rasa, smtp = env[0], env[1], env[3]
    handoff_id, _ = hand_over(app, rasa, email="robin@example.com")
    headers = {**bearer(app, ALICE)}
    took = requests.post(f"{app.url}/inbox/api/conversations/{handoff_id}/take", headers=headers, timeout=10)
    assert took.status_code == 200
    customer_left(app, handoff_id)
    url = f"{app.url}/inbox/api/conversations/{handoff_id}/messages"
    answer = requests.post(url, json={"text": "Your refund went out today."}, headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["emailed_to"] == "robin@example.com"
    run_once(session_factory(app.db_url))
    [message] = [m for m in smtp.messages if m["To"] == "robin@example.com"]
    assert message["Subject"].startswith("Alice Moreno from our ")
    body = message.get_body(("plain",)).get_content()
    assert "Your refund went out today." in body and "Just reply to this email" in body


def test_a_customer_who_left_without_an_email_cannot_be_reached_and_the_agent_is_told(env):
    app, rasa = env[0], env[1]
    handoff_id, sender = hand_over(app, rasa, email=None)
    headers = bearer(app, ALICE)
    requests.post(f"{app.url}/inbox/api/conversations/{handoff_id}/take", headers=headers, timeout=10)
    customer_left(app, handoff_id)
    url = f"{app.url}/inbox/api/conversations/{handoff_id}/messages"
    answer = requests.post(url, json={"text": "Hello?"}, headers=headers, timeout=10)
    assert answer.status_code == 409 and "without giving an email" in answer.json()["error"]
    with session_scope(app.db_url) as session:
        written = select(Delivery.event).where(Delivery.sender_id == sender)
        assert set(session.scalars(written)) == {"handoff.opened", "handoff.closed"}  # no email
