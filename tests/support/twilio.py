"""Helpers of the Twilio tests: a local stand-in for Twilio's Messages API that records what it
is sent, field by field, and webhook calls in Twilio's form encoding, signed as Twilio signs them."""

import itertools
import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode

from shop.twilio_signature import signature

ACCOUNT_SID = "AC" + "0" * 30
SMS_NUMBER, WHATSAPP_NUMBER = "+15005550006", "+14155238886"
_counter = itertools.count(1)

# The Twilio account of the end-to-end runs (tests/conftest.py starts the servers with it).
E2E_AUTH_TOKEN = secrets.token_hex(16)
E2E_PUBLIC_URL = "https://chat.example.com"  # where Twilio calls the Rasa server, through a proxy
E2E_TWILIO_ENV = {
    "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
    "TWILIO_AUTH_TOKEN": E2E_AUTH_TOKEN,
    "TWILIO_SMS_NUMBER": SMS_NUMBER,
    "TWILIO_WHATSAPP_NUMBER": WHATSAPP_NUMBER,
}


class TwilioStandIn:
    """Answers POST /2010-04-01/Accounts/{sid}/Messages.json like Twilio (201 and the message's
    sid) and keeps every request: {"path", "auth", "fields"} (fields: name -> list of values)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                with stand_in._lock:
                    stand_in.calls.append(
                        {
                            "path": self.path,
                            "auth": self.headers.get("authorization"),
                            "content_type": self.headers.get("content-type"),
                            "fields": parse_qs(raw.decode(), keep_blank_values=True),
                        }
                    )
                data = f'{{"sid": "SM{secrets.token_hex(16)}", "status": "queued"}}'.encode()
                self.send_response(201)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> "TwilioStandIn":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sent(self, to: str | None = None) -> list[dict[str, Any]]:
        """Every message sent (to `to`), its fields as single values (MediaUrl stays a list)."""
        with self._lock:
            calls = list(self.calls)
        found = [{k: (v if k == "MediaUrl" else v[0]) for k, v in c["fields"].items()} for c in calls]
        return [f for f in found if to is None or f.get("To") == to]

    def wait_for(self, condition: Callable[[], Any], timeout: float = 30.0, what: str = "") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what or condition}; sent: {self.sent()[-10:]}")


def message_params(sender: str, body: str, to: str = SMS_NUMBER, sid: str | None = None, **more: str) -> dict[str, str]:
    """An inbound message's parameters as Twilio posts them."""
    whatsapp = sender.startswith("whatsapp:")
    return {
        "ToCountry": "US",
        "SmsMessageSid": sid or f"SM{next(_counter):032d}",
        "NumMedia": "0",
        "SmsSid": sid or "",
        "SmsStatus": "received",
        "Body": body,
        "To": f"whatsapp:{to}" if whatsapp and not to.startswith("whatsapp:") else to,
        "NumSegments": "1",
        "MessageSid": sid or f"SM{next(_counter):032d}",
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
        **more,
    }


def signed(url: str, params: dict[str, str], auth_token: str) -> tuple[bytes, dict[str, str]]:
    """The body and headers of Twilio's POST of `params` to `url`."""
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature(url, params.items(), auth_token),
        "User-Agent": "TwilioProxy/1.1",
    }
    return urlencode(params).encode(), headers
