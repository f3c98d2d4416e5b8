"""The signature of a webhook delivery, and its check by a receiver.

Header `Shop-Signature: t=<unix seconds>,v1=<hex>` where hex is HMAC-SHA256 with the webhook's
secret over `<t>.<raw request body>`. A receiver recomputes it over the body exactly as it
arrived, compares in constant time, and refuses a timestamp older (or newer) than its
tolerance, so a captured request cannot be replayed later. Several v1= values may appear while
a secret is being rotated: any one matching is enough."""

import hashlib
import hmac
import time

HEADER = "Shop-Signature"
TOLERANCE_SECONDS = 300


def signature(secret: str, body: bytes, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The Shop-Signature header's value for `body`, signed now (or at `timestamp`)."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={timestamp},v1={signature(secret, body, timestamp)}"


def verify(
    secret: str, body: bytes, header: str | None, now: float | None = None, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """Whether `header` signs `body` with `secret`, at a time within `tolerance` of `now`."""
    timestamp, candidates = None, []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates or not secret:
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, body, timestamp)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
