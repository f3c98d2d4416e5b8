"""The REST channel's health check (addons/rest.py): the Rasa server is only as healthy as the
action server it calls."""

import asyncio
import http.server
import threading

import pytest

from addons.rest import dependencies
from scripts.processes import free_port


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


def test_a_redis_lock_store_that_is_down(action_server, monkeypatch):
    monkeypatch.setenv("ACTION_SERVER_URL", action_server)
    monkeypatch.setenv("LOCK_STORE_TYPE", "redis")
    monkeypatch.setenv("LOCK_STORE_HOST", "127.0.0.1:1")  # nothing listens there
    checks = asyncio.run(dependencies())
    assert checks["action_server"] == "ok"
    assert checks["lock_store"].startswith("down: ")
