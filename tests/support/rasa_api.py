"""A local stand-in of the Rasa server's trigger_intent for the outbox worker's tests: it checks
the token, does what Rasa with action_send_outbound does to the outbox (marks the message
delivered, once) and counts every call. `fail_next` calls answer 500 first."""

import json
import threading
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.orm import sessionmaker

from shop.clock import now_utc
from shop.outbound import outbox

TOKEN = "stand-in-token"


class RasaStandIn:
    def __init__(self, sessions: sessionmaker, deliver: bool = True) -> None:
        self.calls: list[dict[str, Any]] = []
        self.delivered: Counter = Counter()  # message id -> times it reached a conversation
        self.fail_next = 0
        self.deliver = deliver
        self.on_call: Callable[[], None] | None = None  # e.g. a slow Rasa
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
                status = stand_in.handle(url.path, query, body, sessions)
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def handle(self, path: str, query: dict[str, str], body: dict[str, Any], sessions: sessionmaker) -> int:
        with self._lock:
            self.calls.append({"path": path, "query": query, "body": body})
            if query.get("token") != TOKEN:
                return 401
            if self.fail_next:
                self.fail_next -= 1
                return 500
        if self.on_call:
            self.on_call()
        if self.deliver:
            with sessions.begin() as session:
                delivered = outbox.deliver(session, int(body["entities"]["outbox_id"]), now_utc())
            if delivered is not None:
                with self._lock:
                    self.delivered[delivered.id] += 1
        return 200

    def __enter__(self) -> "RasaStandIn":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
