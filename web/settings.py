"""The web app's configuration, from the environment (see .env.example)."""
import os
import secrets
from dataclasses import dataclass
from typing import Optional

from actions.shop.db import database_url


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


def from_env(env: Optional[dict] = None) -> Settings:
    env = os.environ if env is None else env
    token = env.get("RASA_AUTH_TOKEN")
    if not token:
        raise SystemExit("RASA_AUTH_TOKEN is not set: the inbox reads conversations through Rasa's HTTP API.")
    return Settings(
        rasa_url=env.get("RASA_URL") or f"http://127.0.0.1:{env.get('RASA_PORT', '5005')}",
        rasa_token=token,
        # Without a configured key, sessions last until the web app restarts.
        secret_key=env.get("WEB_SECRET_KEY") or secrets.token_hex(32),
        db_url=database_url(),
        host=env.get("WEB_HOST", "127.0.0.1"),
        port=int(env.get("WEB_PORT", "8000")),
        sweep_seconds=float(env.get("INBOX_SWEEP_SECONDS", "5")),
        secure_cookies=(env.get("PUBLIC_BASE_URL") or "").startswith("https://"),
        # The Rasa server's public address is also where its calendar-invite links point.
        rasa_public_url=(env.get("RASA_PUBLIC_URL") or env.get("PUBLIC_BASE_URL")
                         or f"http://localhost:{env.get('RASA_PORT', '5005')}").rstrip("/"),
    )
