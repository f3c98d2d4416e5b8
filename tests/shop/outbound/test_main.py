"""python -m shop.outbound, the worker process: it sends what is due through Rasa's API (here
its stand-in), beats its heartbeat, stops on SIGTERM, and a message written while it was stopped
goes when it is back; it sends the deliveries to webhooks, the CRM and email too."""

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

from shop.db import session_factory
from shop.models import OutboundMessage
from shop.outbound import outbox
from shop.outbound.rules import configured
from shop.settings import PROJECT_ROOT
from tests.support.rasa_api import TOKEN, RasaStandIn


def write(sessions, sender_id: str) -> int:
    with sessions.begin() as session:
        due = datetime(2026, 1, 1, tzinfo=timezone.utc)
        message = outbox.enqueue(
            session, configured(), sender_id, "order_confirmation", "utter_x", {}, due, channel="socketio"
        )
        return message.id


def status(sessions, message_id: int) -> str:
    with sessions() as session:
        return session.get(OutboundMessage, message_id).status


def wait_for(condition, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_the_worker_process_sends_survives_a_restart_and_answers_its_probe(shop_db, tmp_path):
    sessions = session_factory(shop_db)
    heartbeat = tmp_path / "alive"
    with RasaStandIn(sessions) as rasa:
        env = {
            **os.environ,
            "SHOP_DB_URL": shop_db,
            "RASA_URL": rasa.url,
            "RASA_AUTH_TOKEN": TOKEN,
            "OUTBOUND_POLL_SECONDS": "0.1",
            "OUTBOUND_HEARTBEAT": str(heartbeat),
        }
        worker = [sys.executable, "-m", "shop.outbound"]
        probe = [sys.executable, "-m", "shop.outbound", "--alive"]
        first = write(sessions, "web-1")
        process = subprocess.Popen(worker, env=env, cwd=PROJECT_ROOT)
        try:
            assert wait_for(lambda: status(sessions, first) == "sent")
            assert subprocess.run(probe, env=env, cwd=PROJECT_ROOT).returncode == 0
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(30) == 0
        second = write(sessions, "web-2")  # while no worker runs
        time.sleep(0.5)
        assert status(sessions, second) == "pending"
        process = subprocess.Popen(worker, env=env, cwd=PROJECT_ROOT)
        try:
            assert wait_for(lambda: status(sessions, second) == "sent")
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
        assert rasa.delivered == {first: 1, second: 1}
    heartbeat.unlink()
    assert subprocess.run(probe, env=env, cwd=PROJECT_ROOT).returncode == 1


def test_the_same_worker_process_sends_the_deliveries_to_webhooks(shop_db, monkeypatch):
    from shop.integrations import config, deliveries
    from shop.models import Delivery
    from tests.support.receivers import WebhookReceiver

    sessions = session_factory(shop_db)
    with WebhookReceiver("whsec-worker") as receiver:
        monkeypatch.setenv("WEBHOOK_URL", receiver.url)
        monkeypatch.setenv("WEBHOOK_SECRET", "whsec-worker")
        with sessions.begin() as session:
            [row] = deliveries.enqueue(session, config.configured(), "order.placed", {"order": {"reference": "A1"}})
            delivery_id = row.id
        env = {**os.environ, "SHOP_DB_URL": shop_db, "OUTBOUND_POLL_SECONDS": "0.1"}
        process = subprocess.Popen([sys.executable, "-m", "shop.outbound"], env=env, cwd=PROJECT_ROOT)
        try:
            assert wait_for(lambda: len(receiver.received()) == 1)
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(30) == 0
    with sessions() as session:
        assert session.get(Delivery, delivery_id).status == "sent"
    assert receiver.received()[0]["data"] == {"order": {"reference": "A1"}}
