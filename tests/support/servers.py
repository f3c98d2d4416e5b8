"""Starts the real action server and Rasa server for end-to-end tests, on free ports."""

import os
import secrets
import subprocess
import time
from pathlib import Path

import requests

from scripts.processes import free_port, wait_until_up
from shop.responses import variation

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "shop.tar.gz"
BIN = ROOT / ".venv" / "bin"


# How the privacy notice a contact's first message gets begins (utter_privacy_notice).
NOTICE_START = variation("utter_privacy_notice")["text"].split("{")[0]


def is_notice(message: dict) -> bool:
    return str(message.get("text") or "").startswith(NOTICE_START)


def without_notice(messages: list[dict]) -> list[dict]:
    return [m for m in messages if not is_notice(m)]


class Servers:
    """Both servers with their own databases under `workdir`; `restart_rasa` keeps the data."""

    def __init__(
        self, workdir: Path, extra_env: dict[str, str] | None = None, credentials: Path = ROOT / "credentials.yml"
    ) -> None:
        self.workdir = workdir
        self.credentials = credentials
        self.token = secrets.token_urlsafe(16)
        self.rasa_port, self.action_port = free_port(), free_port()
        self.web_port = free_port()  # for a web app started beside them (calendar invites point there)
        self.shop_db = f"sqlite:///{workdir / 'shop.db'}"
        self.env = dict(
            os.environ,
            SHOP_DB_URL=self.shop_db,
            TRACKER_STORE_URL=f"sqlite:///{workdir / 'tracker.db'}",
            EVENT_BROKER_URL=f"sqlite:///{workdir / 'events.db'}",
            ANALYTICS_POLL_SECONDS="0.2",
            ACTION_SERVER_URL=f"http://127.0.0.1:{self.action_port}/webhook",
            ACTION_PORT=str(self.action_port),
            ACTION_SERVER_TOKEN=secrets.token_hex(16),
            LOCK_STORE_TYPE="in_memory",
            LOCK_STORE_HOST="",
            LOCK_STORE_PORT="6379",
            RASA_TELEMETRY_ENABLED="false",
            TF_CPP_MIN_LOG_LEVEL="2",
            RASA_AUTH_TOKEN=self.token,
            BOOKING_LINK_SECRET=secrets.token_hex(16),
            CHAT_SESSION_SECRET=secrets.token_hex(16),
            STATE_DIR=str(workdir / "state"),
            # Every test customer comes from 127.0.0.1: only the per-conversation limit applies.
            RATE_LIMIT_PER_CLIENT="1000000",
            PUBLIC_BASE_URL=f"http://127.0.0.1:{self.rasa_port}",
            WEB_PUBLIC_URL=f"http://127.0.0.1:{self.web_port}",
            **(extra_env or {}),
        )
        self.procs: dict[str, subprocess.Popen] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def _spawn(self, name: str, args: list[str]) -> None:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 (open while the server runs)
        self.procs[name] = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=log)

    def start(self) -> "Servers":
        subprocess.run(
            [str(BIN / "python"), "-m", "shop.seed"], cwd=ROOT, env=self.env, check=True, capture_output=True
        )
        self._spawn("actions", [str(BIN / "python"), "-m", "actions"])
        self._spawn("analytics", [str(BIN / "python"), "-m", "shop.analytics"])  # as make run does
        self._start_rasa()
        self._wait(f"http://127.0.0.1:{self.action_port}/health", "actions")
        return self

    def _start_rasa(self) -> None:
        self._spawn(
            "rasa",
            [  # as make run starts it: the API token from the environment, never on the command line
                str(BIN / "python"),
                "-m",
                "scripts.rasa_cli",
                "run",
                "--enable-api",
                "--port",
                str(self.rasa_port),
                "--model",
                str(MODEL),
                "--endpoints",
                "endpoints.yml",
                "--credentials",
                str(self.credentials),
            ],
        )
        self._wait(f"{self.url}/status?token={self.token}", "rasa")

    def _wait(self, url: str, name: str, timeout: float = 300) -> None:
        wait_until_up(url, self.procs[name], lambda: self.log(name), name, time.monotonic() + timeout)

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def restart_rasa(self) -> None:
        self.stop_rasa()
        self.start_rasa()

    def stop_rasa(self) -> None:
        self._stop("rasa")

    def start_rasa(self) -> None:
        """The Rasa server again, on the same port and data (after stop_rasa)."""
        self._start_rasa()

    def _stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()

    def stop(self) -> None:
        for name in list(self.procs):
            self._stop(name)


class Chat:
    """One customer talking over the REST channel."""

    def __init__(self, servers: Servers, sender: str | None = None, metadata: dict | None = None) -> None:
        self.servers = servers
        self.sender = sender or f"e2e-{secrets.token_hex(4)}"
        self.metadata = metadata  # sent with every message, as the widget sends its page

    def say(self, text: str, with_notice: bool = False) -> list[dict]:
        """The bot's messages; the privacy notice of a first contact is left out unless asked for
        (tests/e2e/test_privacy_notice.py checks it)."""
        body = {"sender": self.sender, "message": text, **({"metadata": self.metadata} if self.metadata else {})}
        response = requests.post(f"{self.servers.url}/webhooks/rest/webhook", json=body, timeout=60)
        response.raise_for_status()
        return response.json() if with_notice else without_notice(response.json())

    def text(self, text: str) -> str:
        return "\n".join(m.get("text", "") for m in self.say(text))

    def tracker(self) -> dict:
        response = requests.get(
            f"{self.servers.url}/conversations/{self.sender}/tracker", params={"token": self.servers.token}, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def slots(self) -> dict:
        return self.tracker()["slots"]
