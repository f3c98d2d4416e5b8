"""Local stand-ins for the targets of shop/integrations/: a webhook receiver that checks each
delivery's signature as a receiver would (shop.integrations.signing.verify), HubSpot's CRM v3
API answering as HubSpot does, and a real SMTP server (aiosmtpd) keeping what it is sent. Each
records every request so the tests check it field by field."""

import itertools
import json
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from scripts.processes import free_port
from shop.integrations.signing import HEADER, verify


class _Recorder:
    """An HTTP server on a free local port; `answer(method, path, body)` -> (status, json)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                call = {"method": self.command, "path": self.path, "headers": dict(self.headers), "raw": raw}
                with recorder.lock:
                    recorder.calls.append(call)
                    status, answer = recorder.answer(self.command, self.path, raw, call)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_PATCH = do_PUT = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def answer(self, method: str, path: str, raw: bytes, call: dict[str, Any]) -> tuple[int, Any]:
        raise NotImplementedError

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


class WebhookReceiver(_Recorder):
    """A receiver of signed webhooks: 401 for a bad signature, `status` (200) otherwise; each
    call notes whether its signature held (`verified`) and its JSON (`json`)."""

    def __init__(self, secret: str, status: int = 200) -> None:
        super().__init__()
        self.secret, self.status = secret, status

    def answer(self, method, path, raw, call):
        headers = {key.lower(): value for key, value in call["headers"].items()}
        call["verified"] = verify(self.secret, raw, headers.get(HEADER.lower()))
        call["json"] = json.loads(raw or b"null")
        if not call["verified"]:
            return 401, {"error": "bad signature"}
        return self.status, {"ok": self.status < 300}

    def received(self) -> list[dict[str, Any]]:
        """The JSON of each call whose signature held and that was answered 2xx."""
        with self.lock:
            return [c["json"] for c in self.calls if c.get("verified") and self.status < 300]


class HubSpotStandIn(_Recorder):
    """HubSpot's CRM v3 object API as far as the adapter uses it: batch upsert of contacts by
    email, create and PATCH of deals and meetings; 401 without the expected bearer token. Its
    records are kept: {"contacts": {id: properties}, "deals": ..., "meetings": ...} with their
    `associations`."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.records: dict[str, dict[str, dict[str, Any]]] = {"contacts": {}, "deals": {}, "meetings": {}}
        self._ids = itertools.count(1001)
        self.fail_with: int | None = None  # answer every call with this status (an outage)

    def answer(self, method, path, raw, call):
        headers = {key.lower(): value for key, value in call["headers"].items()}
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"status": "error", "category": "INVALID_AUTHENTICATION"}
        if self.fail_with:
            return self.fail_with, {"status": "error", "message": "stand-in outage"}
        body = json.loads(raw or b"{}")
        call["json"] = body
        parts = path.strip("/").split("/")  # crm v3 objects <kind> [<id> | batch upsert]
        kind = parts[3] if len(parts) > 3 else ""
        if kind not in self.records:
            return 404, {"status": "error", "message": f"no {path}"}
        if parts[4:] == ["batch", "upsert"] and method == "POST":
            results = []
            for item in body["inputs"]:
                found = next((i for i, p in self.records[kind].items() if p.get("email") == item["id"]), None)
                record_id = found or str(next(self._ids))
                self.records[kind].setdefault(record_id, {}).update(item["properties"])
                results.append({"id": record_id, "properties": self.records[kind][record_id], "new": found is None})
            return 200, {"status": "COMPLETE", "results": results}
        if len(parts) == 4 and method == "POST":
            record_id = str(next(self._ids))
            self.records[kind][record_id] = {**body["properties"], "associations": body.get("associations", [])}
            return 201, {"id": record_id, "properties": body["properties"]}
        if len(parts) == 5 and method == "PATCH":
            if parts[4] not in self.records[kind]:
                return 404, {"status": "error", "message": "Object not found"}
            self.records[kind][parts[4]].update(body["properties"])
            return 200, {"id": parts[4], "properties": self.records[kind][parts[4]]}
        return 405, {"status": "error", "message": f"{method} {path}"}


class SmtpServer:
    """A real SMTP server (aiosmtpd) on a free local port; `messages` are the parsed emails,
    `envelopes` (mail from, recipients) as the server saw them. stop() and start() again on the
    same port make an outage."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def start(self) -> "SmtpServer":
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def __enter__(self) -> "SmtpServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        """The environment of a shop sending email here (plain SMTP: a local relay)."""
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.port), "SMTP_SECURITY": "none"}
