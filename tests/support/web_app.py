"""The web app started for real (python -m web) against a seeded shop database, beside a
stand-in for Rasa's HTTP API that keeps conversations in memory and records what reaches the
customer. Used by the inbox API tests and the inbox browser test."""

import json
import os
import secrets
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from scripts.processes import wait_until_up

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"


class RasaStandIn:
    """GET /conversations/<id>/tracker and POST /conversations/<id>/tracker/events, as Rasa
    answers them, behind a token. Bot events posted with execute_side_effects are 'delivered'."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.trackers: dict[str, dict[str, Any]] = {}
        self.delivered: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.fail = False  # answer 503 to everything, as if Rasa were down
        self.lose_answers = False  # take posted events in, then drop the connection unanswered
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _reply(self, status: int, body: Any) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _route(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                parts = url.path.strip("/").split("/")
                if query.get("token") != stand_in.token:
                    return None, None, query, 401
                if stand_in.fail:
                    return None, None, query, 503
                if parts == ["status"]:
                    return None, "status", query, 200
                if len(parts) < 3 or parts[0] != "conversations":
                    return None, None, query, 404
                return unquote(parts[1]), "/".join(parts[2:]), query, 200

            def do_GET(self) -> None:
                sender, tail, _query, status = self._route()
                if status == 200 and tail == "status":
                    return self._reply(200, {"model_file": "stand-in.tar.gz"})
                if status != 200 or tail != "tracker":
                    return self._reply(status if status != 200 else 404, {"error": "no"})
                self._reply(200, stand_in.tracker(sender))

            def do_POST(self) -> None:
                sender, tail, query, status = self._route()
                if status != 200 or tail != "tracker/events":
                    return self._reply(status if status != 200 else 404, {"error": "no"})
                events = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"[]")
                events = events if isinstance(events, list) else [events]
                stand_in.requests.append({"sender": sender, "events": events, "query": query})
                tracker = stand_in.tracker(sender)
                for event in events:
                    event.setdefault("timestamp", time.time())
                    tracker["events"].append(event)
                    if event["event"] in ("pause", "resume"):
                        tracker["paused"] = event["event"] == "pause"
                    if event["event"] == "bot" and query.get("execute_side_effects") == "true":
                        stand_in.delivered.append({"sender": sender, "channel": query.get("output_channel"), **event})
                if stand_in.lose_answers:  # delivered, but the caller never hears so
                    self.close_connection = True
                    return None
                self._reply(200, tracker)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def tracker(self, sender: str) -> dict[str, Any]:
        return self.trackers.setdefault(sender, {"sender_id": sender, "events": [], "paused": False, "slots": {}})

    def customer_said(self, sender: str, text: str, intent: str = "inform") -> None:
        """A customer message as Rasa logs it (also while the conversation is paused)."""
        self.tracker(sender)["events"].append(
            {
                "event": "user",
                "text": text,
                "timestamp": time.time(),
                "parse_data": {"intent": {"name": intent}},
                "input_channel": "socketio",
            }
        )

    def pause(self, sender: str) -> None:
        tracker = self.tracker(sender)
        tracker["events"].append({"event": "pause", "timestamp": time.time()})
        tracker["paused"] = True

    def stop(self) -> None:
        self.server.shutdown()


class WebApp:
    """`python -m web` on a free port, with its own database and a fast sweep."""

    def __init__(
        self,
        workdir: Path,
        db_url: str,
        rasa: Any,
        extra_env: dict[str, str] | None = None,
        port: int | None = None,
    ):
        """`rasa`: a RasaStandIn, or the real servers (anything with a url and a token)."""
        import socket

        if port is None:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
        self.port = port
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_url = db_url
        self.log_path = workdir / "web.log"
        env = dict(
            os.environ,
            SHOP_DB_URL=db_url,
            RASA_URL=rasa.url,
            RASA_AUTH_TOKEN=rasa.token,
            WEB_SECRET_KEY=secrets.token_hex(16),
            WEB_PORT=str(self.port),
            WEB_HOST="127.0.0.1",
            INBOX_SWEEP_SECONDS="0.5",
            **(extra_env or {}),
        )
        self.proc = subprocess.Popen(
            [str(PYTHON), "-m", "web"],
            cwd=ROOT,
            env=env,
            stdout=open(self.log_path, "ab"),  # noqa: SIM115 (open while the app runs)
            stderr=subprocess.STDOUT,
        )
        wait_until_up(f"{self.url}/health", self.proc, self.log, "web app", time.monotonic() + 60)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


ALWAYS_OPEN = {day: ["00:00", "24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def write_always_open_inbox(path: Path, **assignment: Any) -> Path:
    """seed/inbox.yml with every team always in (tests and benchmarks run at any hour), and
    `assignment` settings changed (e.g. faster clocks)."""
    import yaml

    from shop.handoff.routing import INBOX_CONFIG_PATH

    config = yaml.safe_load(INBOX_CONFIG_PATH.read_text(encoding="utf-8"))
    for team in config["teams"].values():
        team["hours"] = ALWAYS_OPEN
    config["assignment"].update(assignment)
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def set_agent_password(db_url: str, email: str, password: str) -> None:
    from sqlalchemy import select

    from shop.db import session_scope
    from shop.models import Agent
    from web.auth import hash_password

    with session_scope(db_url) as session:
        session.scalar(select(Agent).where(Agent.email == email)).password_hash = hash_password(password)


def wait_until(check, timeout: float = 10, every: float = 0.1):
    """Polls `check()` until it returns something truthy; that value, or AssertionError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"still not true after {timeout} s: {check}")
