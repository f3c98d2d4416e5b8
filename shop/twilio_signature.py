"""Twilio's request signature (X-Twilio-Signature): base64 of the HMAC-SHA1, keyed with the
account's auth token, of the full URL Twilio called followed by each POST parameter's name and
value, sorted by name. Shared by the Rasa server's channel and the web app's status callback."""

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import parse_qsl


def signature(url: str, params: Iterable[tuple[str, str]], auth_token: str) -> str:
    """The signature Twilio sends for a POST of `params` to `url`."""
    data = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signature_ok(url: str, params: Iterable[tuple[str, str]], auth_token: str, header: str | None) -> bool:
    if not header or not auth_token:
        return False
    expected = signature(url, params, auth_token)
    return hmac.compare_digest(expected.encode(), header.strip().encode("utf-8", "replace"))


def public_url(base_url: str, path: str, query: str = "") -> str:
    """The URL as Twilio called it: behind a proxy the server sees another host and scheme."""
    return base_url.rstrip("/") + path + (f"?{query}" if query else "")


def form_params(body: bytes) -> list[tuple[str, str]] | None:
    """The POST parameters of a form-encoded body, None when it is not one."""
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        return None
