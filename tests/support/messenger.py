"""Helpers of the Messenger tests: a local stand-in for the Graph API's Send API that records
what it is sent, and webhook bodies in Messenger's format, signed as Meta signs them."""

import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from addons.messenger_output import GRAPH_API_VERSION

PAGE_ID = "1000000000000001"
_counter = itertools.count(1)


# The Messenger app of the end-to-end runs (tests/conftest.py starts the servers with it).
E2E_SECRET, E2E_VERIFY, E2E_TOKEN = secrets.token_hex(16), "e2e-verify", "e2e-page-token"
E2E_MESSENGER_ENV = {
    "FACEBOOK_VERIFY_TOKEN": E2E_VERIFY,
    "FACEBOOK_APP_SECRET": E2E_SECRET,
    "FACEBOOK_PAGE_ACCESS_TOKEN": E2E_TOKEN,
}


class GraphStandIn:
    """Answers POST /me/messages like the Send API (or with `status` and `error` when set) and
    keeps every request: {"path", "access_token", "body"}."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.status, self.error = 200, None
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                url = urlsplit(self.path)
                with stand_in._lock:
                    stand_in.calls.append(
                        {
                            "path": url.path,
                            "access_token": parse_qs(url.query).get("access_token", [None])[0],
                            "body": json.loads(raw or b"null"),
                        }
                    )
                    status, error = stand_in.status, stand_in.error
                answer = {"error": error} if error else {"recipient_id": "x", "message_id": "m"}
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/{GRAPH_API_VERSION}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> "GraphStandIn":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def bodies(self, psid: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            found = [c["body"] for c in self.calls]
        return [b for b in found if psid is None or b.get("recipient", {}).get("id") == psid]

    def messages(self, psid: str | None = None, with_notice: bool = False) -> list[dict[str, Any]]:
        """The message sends (not sender actions such as typing_on), in order; the privacy notice
        of a first contact is left out unless asked for (tests/e2e/test_privacy_notice.py)."""
        from tests.support.servers import NOTICE_START

        sent = [b for b in self.bodies(psid) if "message" in b]
        notice = lambda b: str(b["message"].get("text") or "").startswith(NOTICE_START)  # noqa: E731
        return sent if with_notice else [b for b in sent if not notice(b)]

    def actions(self, psid: str) -> list[str]:
        return [b["sender_action"] for b in self.bodies(psid) if "sender_action" in b]

    def wait_for(self, condition: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what or condition}; calls: {self.calls[-10:]}")

    def wait_for_turns(self, psid: str, turns: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The messages sent to `psid` once `turns` turns ended (the channel's typing_off)."""
        self.wait_for(lambda: self.actions(psid).count("typing_off") >= turns, timeout, f"{turns} turn(s) of {psid}")
        return self.messages(psid)


# --------------------------------------------------------------------------- webhook bodies


def sign(body: bytes, secret: str) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


def signed(payload: dict[str, Any], secret: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, sign(body, secret)


def webhook_body(*entries: list[dict[str, Any]]) -> dict[str, Any]:
    """A webhook call with one entry per list of messaging events."""
    now = int(time.time() * 1000)
    return {"object": "page", "entry": [{"id": PAGE_ID, "time": now, "messaging": list(events)} for events in entries]}


def _event(psid: str, **fields: Any) -> dict[str, Any]:
    return {
        "sender": {"id": psid},
        "recipient": {"id": PAGE_ID},
        "timestamp": int(time.time() * 1000) + next(_counter),
        **fields,
    }


def text_event(psid: str, text: str, mid: str | None = None) -> dict[str, Any]:
    return _event(psid, message={"mid": mid or f"m_{next(_counter)}", "text": text})


def quick_reply_event(psid: str, title: str, payload: str) -> dict[str, Any]:
    return _event(psid, message={"mid": f"m_{next(_counter)}", "text": title, "quick_reply": {"payload": payload}})


def postback_event(psid: str, payload: str, title: str = "Get Started", ref: str | None = None) -> dict[str, Any]:
    postback: dict[str, Any] = {"mid": f"m_{next(_counter)}", "title": title, "payload": payload}
    if ref:
        postback["referral"] = {"ref": ref, "source": "SHORTLINK", "type": "OPEN_THREAD"}
    return _event(psid, postback=postback)


def referral_event(psid: str, ref: str) -> dict[str, Any]:
    return _event(psid, referral={"ref": ref, "source": "SHORTLINK", "type": "OPEN_THREAD"})


def echo_event(psid: str, text: str) -> dict[str, Any]:
    # An echo is the page's own message: sent by the page, to the customer.
    return {
        "sender": {"id": PAGE_ID},
        "recipient": {"id": psid},
        "timestamp": int(time.time() * 1000),
        "message": {"mid": f"m_{next(_counter)}", "is_echo": True, "app_id": 1, "text": text},
    }


def delivery_event(psid: str) -> dict[str, Any]:
    return _event(psid, delivery={"mids": ["m_1"], "watermark": int(time.time() * 1000)})


def read_event(psid: str) -> dict[str, Any]:
    return _event(psid, read={"watermark": int(time.time() * 1000)})
