"""Local stand-ins for the targets of shop/integrations/: a webhook receiver that checks each
delivery's signature as a receiver would (shop.integrations.signing.verify), HubSpot's CRM v3
API answering as HubSpot does, and a real SMTP server (aiosmtpd) keeping what it is sent. Each
records every request so the tests check it field by field."""

import ipaddress
import itertools
import json
import ssl
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

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
    same port make an outage. With `tls_dir`, it demands STARTTLS with a certificate of its own
    for localhost (`ca_file`) and a login (`credentials`) before it takes a message."""

    def __init__(self, tls_dir: Path | None = None, credentials: tuple[str, str] = ("shop", "smtp-secret")) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.logins: list[str] = []
        self.controller: Controller | None = None
        self.credentials = credentials
        self.ca_file: Path | None = self_signed_certificate(tls_dir) if tls_dir else None

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append(login)
        return AuthResult(success=(login, password) == self.credentials, handled=False)

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def start(self) -> "SmtpServer":
        tls: dict[str, Any] = {}
        if self.ca_file is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.ca_file, self.ca_file.with_suffix(".key"))
            tls = {
                "tls_context": context,
                "require_starttls": True,
                "authenticator": self._authenticate,
                "auth_required": True,
            }
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **tls)
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
        """The environment of a shop sending email here: plain SMTP to a local relay, or
        STARTTLS to localhost with the login and this server's certificate."""
        if self.ca_file is None:
            return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.port), "SMTP_SECURITY": "none"}
        return {
            "SMTP_HOST": "localhost",
            "SMTP_PORT": str(self.port),
            "SMTP_SECURITY": "starttls",
            "SMTP_USERNAME": self.credentials[0],
            "SMTP_PASSWORD": self.credentials[1],
            "SMTP_CA_FILE": str(self.ca_file),
        }


def self_signed_certificate(folder: Path) -> Path:
    """A certificate for localhost and 127.0.0.1 (its key beside it, .key): its own CA."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "smtp.pem"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    path.with_suffix(".key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return path
