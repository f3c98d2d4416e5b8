"""Signed links the customer can open without logging in (calendar invites): the token proves
the link came from us, so references cannot be enumerated."""
import hashlib
import hmac
import os


def _secret() -> bytes:
    secret = os.environ.get("BOOKING_LINK_SECRET", "")
    if not secret:
        raise RuntimeError("BOOKING_LINK_SECRET is not set (make run generates one)")
    return secret.encode()


def sign(reference: str) -> str:
    return hmac.new(_secret(), reference.encode(), hashlib.sha256).hexdigest()[:32]


def verify(reference: str, token: str) -> bool:
    return hmac.compare_digest(sign(reference), token or "")


def invite_url(reference: str) -> str:
    base = os.environ.get("PUBLIC_BASE_URL", "http://localhost:5005").rstrip("/")
    return f"{base}/webhooks/calendar/invite/{reference}.ics?t={sign(reference)}"
