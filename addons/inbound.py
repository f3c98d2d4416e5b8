"""What every customer channel accepts (REST, socket.io, Messenger): bounded requests, a real
sender, and text NLU can always handle. One long message must not stall the server (NLU time
grows with the square of the tokens), and a lone surrogate or a NUL byte must not crash it."""

import hashlib
import hmac
import json
import re
import unicodedata
import uuid
from typing import Any, Dict, Optional

from sanic import Blueprint
from sanic.request import Request

from shop import settings, shared_state

MAX_BODY_BYTES = 64 * 1024
MAX_MESSAGE_CHARS = 1000
MAX_SENDER_CHARS = 128
MAX_METADATA_CHARS = 4000

# Lone surrogates (no UTF-8 exists for them), controls other than tab and newline, zero-width
# characters and the bidirectional overrides that make text read differently from what it is.
_UNSAFE = re.compile(
    "[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_SENDER = re.compile(r"^[\w.:@+\-]+$")


def clean_text(text: str) -> str:
    """The customer's text as NLU gets it: unsafe characters out, NFC, at most 1,000 characters."""
    cleaned = unicodedata.normalize("NFC", _UNSAFE.sub("", text)).strip()
    return cleaned[:MAX_MESSAGE_CHARS]


def valid_sender(value: Any) -> bool:
    """A conversation id a client may name: 1-128 letters, digits and . : @ + - _."""
    return isinstance(value, str) and 0 < len(value) <= MAX_SENDER_CHARS and bool(_SENDER.match(value))


def issue_session_id(secret: str) -> str:
    """A web chat conversation id only this server could have made: a random id and its HMAC."""
    nonce = uuid.uuid4().hex
    return f"{nonce}.{_session_mac(nonce, secret)}"


def session_id_ok(value: Any, secret: str) -> bool:
    """Whether a widget's stored conversation id is one we issued (so nobody joins another's
    conversation by naming it: a REST sender, a Messenger id, a guess)."""
    if not isinstance(value, str) or len(value) > MAX_SENDER_CHARS:
        return False
    nonce, _, mac = value.partition(".")
    return bool(nonce) and hmac.compare_digest(mac.encode(), _session_mac(nonce, secret).encode())


def _session_mac(nonce: str, secret: str) -> str:
    return hmac.new(secret.encode(), f"webchat:{nonce}".encode(), hashlib.sha256).hexdigest()[:32]


def bounded_metadata(raw: Any) -> Dict[str, Any]:
    """Page metadata (page, url, UTM): an object, or a JSON string of one, of at most 4,000
    characters; anything else is dropped rather than stored in the tracker."""
    if isinstance(raw, str):
        if len(raw) > MAX_METADATA_CHARS:
            return {}
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    if not isinstance(raw, dict):
        return {}
    try:
        size = len(json.dumps(raw, default=str))
    except (TypeError, ValueError):
        return {}
    return raw if size <= MAX_METADATA_CHARS else {}


def rest_problem(body: Any) -> Optional[str]:
    """Why a REST webhook body is refused (400), or None when it is a message."""
    if not isinstance(body, dict):
        return 'the body must be a JSON object: {"sender": "...", "message": "..."}'
    if not valid_sender(body.get("sender")):
        return f"sender must be a conversation id: 1-{MAX_SENDER_CHARS} letters, digits and . : @ + - _"
    message = body.get("message")
    if not isinstance(message, str) or not clean_text(message):
        return "message must be non-empty text"
    return None


class MessageLimits:
    """Messages a minute per conversation and per client address (RATE_LIMIT_PER_SENDER, _CLIENT),
    counted across servers when Redis is configured; nginx limits the cluster in front too."""

    def __init__(self, channel: str) -> None:
        self.per_sender = shared_state.rate_limit(f"{channel}:rate:sender", int(settings.get("RATE_LIMIT_PER_SENDER")))
        self.per_client = shared_state.rate_limit(f"{channel}:rate:client", int(settings.get("RATE_LIMIT_PER_CLIENT")))

    def allowed(self, sender: str, client: Optional[str]) -> bool:
        """Counts a message; False when its conversation or its client address (when known) is over."""
        sender_ok = self.per_sender.hit(sender)
        return (client is None or self.per_client.hit(client)) and sender_ok


def limit_request_size(blueprint: Blueprint) -> None:
    """Requests to the server of this channel larger than 64 KiB get 413 (sanic's default: 100 MB)."""

    @blueprint.listener("before_server_start")
    async def cap(app: Any, _loop: Any) -> None:
        app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, MAX_BODY_BYTES)


async def read_body(request: Request, limit: int) -> Optional[bytes]:
    """The raw body of a streamed request, or None as soon as it is larger than `limit`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    while True:
        chunk = await request.stream.read()
        if chunk is None:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
