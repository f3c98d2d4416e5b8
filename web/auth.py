"""Agent login: argon2id password hashes (older PBKDF2 ones still verify and are rehashed at the
next login), signed session tokens that logout can end, and a throttle on failed logins."""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from shop.clock import epoch_seconds

SESSION_SECONDS = 12 * 3600
MIN_PASSWORD_CHARS = 10
_HASHER = PasswordHasher()  # argon2id with the library's recommended cost


def bearer_matches(authorization: str | None, token: str) -> bool:
    """Whether an Authorization header is `Bearer <token>` for a token that is set, in constant time."""
    return bool(token) and hmac.compare_digest((authorization or "").encode(), f"Bearer {token}".encode())


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"A password needs at least {MIN_PASSWORD_CHARS} characters.")
    return _HASHER.hash(password)


def needs_rehash(stored: str) -> bool:
    """Whether a hash that just verified should be replaced: PBKDF2, or weaker argon2 settings."""
    return not stored.startswith("$argon2") or _HASHER.check_needs_rehash(stored)


def throttle_key(email: str, client_address: str) -> str:
    """Failed logins count per email and client address: a stranger elsewhere cannot lock an
    agent out with five wrong passwords."""
    return f"{email}|{client_address}"


def verify_password(password: str, stored: str | None) -> bool:
    if (stored or "").startswith("$argon2"):
        try:
            return _HASHER.verify(stored or "", password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
    return _verify_pbkdf2(password, stored)


def _verify_pbkdf2(password: str, stored: str | None) -> bool:
    """Hashes made before argon2: pbkdf2_sha256$iterations$salt$digest."""
    try:
        scheme, iterations, salt, digest = (stored or "").split("$")
        if scheme != "pbkdf2_sha256":
            return False
        expected = hashlib.pbkdf2_hmac("sha256", password.encode(), _unb64(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, _unb64(digest))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class SessionClaims:
    agent_id: int
    epoch: int
    expires: int


def make_token(
    secret: str, agent_id: int, epoch: int, now: float | None = None, lifetime: int = SESSION_SECONDS
) -> str:
    body = f"{agent_id}.{epoch}.{int((now or epoch_seconds()) + lifetime)}.{secrets.token_hex(8)}"
    return f"{body}.{_sign(secret, body)}"


def read_token(secret: str, token: str | None, now: float | None = None) -> SessionClaims | None:
    """The claims of a genuine, unexpired token; None otherwise."""
    # Ours are ASCII; compare_digest raises TypeError on other strings (a 500 instead of a 401).
    if not token or not token.isascii() or token.count(".") != 4:
        return None
    body, signature = token.rsplit(".", 1)
    if not hmac.compare_digest(signature, _sign(secret, body)):
        return None
    agent_id, epoch, expires, _nonce = body.split(".")
    if not (agent_id.isdigit() and epoch.isdigit() and expires.isdigit()):
        return None
    if int(expires) < (now or epoch_seconds()):
        return None
    return SessionClaims(int(agent_id), int(epoch), int(expires))


# Checked against when the email is unknown, so that a login takes as long either way.
DECOY_HASH = hash_password(secrets.token_urlsafe(24))


def _sign(secret: str, body: str) -> str:
    return _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())
