"""The web app's configuration, read through shop.settings (see .env.example)."""

import secrets
from dataclasses import dataclass

from shop import settings


@dataclass(frozen=True)
class Settings:
    rasa_url: str
    rasa_token: str
    secret_key: str
    db_url: str
    host: str = "127.0.0.1"
    port: int = 8000
    sweep_seconds: float = 5.0
    secure_cookies: bool = False
    # Where customers' browsers reach Rasa's socket.io channel (the chat widget).
    rasa_public_url: str = "http://localhost:5005"


def from_env(env: dict | None = None) -> Settings:
    token = settings.get("RASA_AUTH_TOKEN", env)
    if not token:
        raise SystemExit("RASA_AUTH_TOKEN is not set: the inbox reads conversations through Rasa's HTTP API.")
    return Settings(
        rasa_url=settings.get("RASA_URL", env) or f"http://127.0.0.1:{settings.rasa_port(env)}",
        rasa_token=token,
        # Without a configured key, sessions last until the web app restarts.
        secret_key=settings.get("WEB_SECRET_KEY", env) or secrets.token_hex(32),
        db_url=settings.database_url(),
        host=settings.get("WEB_HOST", env),
        port=int(settings.get("WEB_PORT", env)),
        sweep_seconds=float(settings.get("INBOX_SWEEP_SECONDS", env)),
        secure_cookies=settings.get("PUBLIC_BASE_URL", env).startswith("https://"),
        # The Rasa server's public address is also where its calendar-invite links point.
        rasa_public_url=(settings.get("RASA_PUBLIC_URL", env).rstrip("/") or settings.public_base_url(env)),
    )
