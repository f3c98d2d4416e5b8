"""The REST channel (addons/rest.py): its health check (the Rasa server is only as healthy as the
action server it calls, its conversations' database and its Redis lock store), and a clear 503
for a message it cannot take."""

import asyncio
import http.server
import json
import threading
from types import SimpleNamespace

import pytest
from rasa.core.lock_store import LockError

from addons.rest import GuardedRestInput, dependencies
from scripts.processes import free_port
from tests.support import services


@pytest.fixture
def action_server():
    class Healthy(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200 if self.path == "/health" else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Healthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/webhook"
    server.shutdown()


def test_a_healthy_action_server(action_server, monkeypatch):
    monkeypatch.setenv("ACTION_SERVER_URL", action_server)
    monkeypatch.setenv("LOCK_STORE_TYPE", "in_memory")
    assert asyncio.run(dependencies()) == {"action_server": "ok"}


def test_an_action_server_that_is_down(monkeypatch):
    monkeypatch.setenv("ACTION_SERVER_URL", f"http://127.0.0.1:{free_port()}/webhook")
    monkeypatch.setenv("LOCK_STORE_TYPE", "in_memory")
    assert asyncio.run(dependencies())["action_server"].startswith("down: ")


def test_the_conversations_database_is_checked(action_server, monkeypatch, tmp_path):
    from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
    from rasa.shared.core.domain import Domain

    monkeypatch.setenv("ACTION_SERVER_URL", action_server)
    monkeypatch.setenv("LOCK_STORE_TYPE", "in_memory")
    (tmp_path / "db").mkdir()
    store = FailSafeTrackerStore(SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "db" / "t.db")))
    assert asyncio.run(dependencies(store)) == {"action_server": "ok", "tracker_store": "ok"}
    (tmp_path / "db").rename(tmp_path / "gone")
    checks = asyncio.run(dependencies(store))
    assert checks["action_server"] == "ok" and checks["tracker_store"].startswith("down: ")


def test_a_redis_lock_store_that_is_down(action_server, monkeypatch):
    monkeypatch.setenv("ACTION_SERVER_URL", action_server)
    monkeypatch.setenv("LOCK_STORE_TYPE", "redis")
    monkeypatch.setenv("LOCK_STORE_HOST", "127.0.0.1")
    monkeypatch.setenv("LOCK_STORE_PORT", str(free_port()))  # nothing listens there
    checks = asyncio.run(dependencies())
    assert checks["action_server"] == "ok"
    assert checks["lock_store"].startswith("down: ")


def test_the_lock_store_is_checked_on_its_own_port(action_server, monkeypatch):
    # The cluster's Redis is not on 6379: the check must ask the port the lock store uses.
    host = services.redis_host()
    monkeypatch.setenv("ACTION_SERVER_URL", action_server)
    monkeypatch.setenv("LOCK_STORE_TYPE", "redis")
    monkeypatch.setenv("LOCK_STORE_HOST", host)
    monkeypatch.setenv("LOCK_STORE_PORT", "6379")
    assert asyncio.run(dependencies())["lock_store"] == "ok"


def _post(on_new_message, body):
    """(status, JSON) of the channel's webhook for one POST, without a server around it."""
    (route,) = [r for r in GuardedRestInput().blueprint(on_new_message)._future_routes if r.uri == "/webhook"]
    request = SimpleNamespace(json=body, remote_addr="198.51.100.7", ip="198.51.100.7", args={})
    answer = asyncio.run(route.handler(request))
    return answer.status, json.loads(answer.body)


def test_a_message_whose_lock_cannot_be_taken_gets_503(monkeypatch):
    # Rasa's agent takes the conversation's lock before it handles the message; a lock store it
    # cannot reach raises LockError, and the message is not handled.
    monkeypatch.setenv("REDIS_URL", "")

    async def lock_store_down(message):
        raise LockError("Error while acquiring lock. Error:\nError 111 connecting to 127.0.0.1:6379.")

    status, body = _post(lock_store_down, {"sender": "lockless", "message": "hi"})
    assert status == 503
    assert body == {"error": "the assistant could not handle this message right now; please try again"}


def test_a_message_is_refused_when_its_rate_limit_cannot_be_counted(monkeypatch):
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    handled = []

    async def on_new_message(message):
        handled.append(message.text)

    status, body = _post(on_new_message, {"sender": "unlimited", "message": "hi"})
    assert status == 503 and "cannot take messages right now" in body["error"]
    assert handled == []  # never handled uncounted
