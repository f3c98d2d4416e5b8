"""The configuration of every process: the one place that reads the environment, with each
default written once (`.env.example` documents the variables). Values are read at each call,
so a test or a deployment that sets a variable is seen at once."""

import os
from collections.abc import Mapping
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = PROJECT_ROOT / "seed"

DEFAULTS = {
    "SHOP_DB_URL": f"sqlite:///{PROJECT_ROOT / 'var' / 'shop.db'}",
    "RASA_PORT": "5005",
    "PUBLIC_BASE_URL": "",  # empty: http://localhost:RASA_PORT
    "RASA_PUBLIC_URL": "",  # empty: PUBLIC_BASE_URL
    "RASA_URL": "",  # empty: http://127.0.0.1:RASA_PORT
    "RASA_AUTH_TOKEN": "",
    "BOOKING_LINK_SECRET": "",
    "ACTION_SERVER_URL": "http://localhost:5055/webhook",  # where the Rasa server calls it
    "METRICS_TOKEN": "",  # empty: /metrics answers this machine only
    "TRACKER_STORE_URL": f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}",
    # Where Rasa publishes every event for the analytics consumer: a database (Rasa's SQL event
    # broker) or amqp://user:password@host:5672/ (RabbitMQ, with several Rasa servers).
    "EVENT_BROKER_URL": f"sqlite:///{PROJECT_ROOT / 'var' / 'events.db'}",
    "ANALYTICS_POLL_SECONDS": "1",  # how often the consumer reads the SQL event broker
    "ANALYTICS_HEARTBEAT": "",  # a file the consumer touches while it runs (its liveness probe)
    "ANALYTICS_API_TOKEN": "",  # empty: the funnel API answers only agents with the analytics role
    "OUTBOUND_RULES": str(SEED_DIR / "outbound.yml"),  # what the shop sends first, when and where
    "OUTBOUND_POLL_SECONDS": "2",  # how often the outbox worker looks for due messages
    "OUTBOUND_HEARTBEAT": "",  # a file the worker touches while it runs (its liveness probe)
    # What leaves the database (shop/integrations/): which events go where (seed/integrations.yml);
    # a target whose address or token is empty is off, and nothing is written for it.
    "INTEGRATIONS_CONFIG": str(SEED_DIR / "integrations.yml"),
    "WEBHOOK_URL": "",  # the webhook of seed/integrations.yml: where events are POSTed, signed
    "WEBHOOK_SECRET": "",  # the HMAC-SHA256 key they are signed with
    "HUBSPOT_TOKEN": "",  # a HubSpot private app's access token: leads, deals, meetings to HubSpot
    "HUBSPOT_BASE_URL": "https://api.hubapi.com",
    "SMTP_HOST": "",  # empty: no email is sent (nor written to the outbox)
    "SMTP_PORT": "587",
    "SMTP_SECURITY": "starttls",  # starttls, tls (implicit, port 465) or none (a local relay)
    "SMTP_USERNAME": "",
    "SMTP_PASSWORD": "",
    "SMTP_CA_FILE": "",  # a private CA's certificates for the server's; empty: the system's
    "EMAIL_FROM": "Shop <hello@shop.example>",
    "EMAIL_REPLY_TO": "",  # empty: replies go to EMAIL_FROM
    "RETENTION_DAYS": "365",  # conversations last active longer ago are deleted (make retention)
    "PRIVACY_API_TOKEN": "",  # empty: the erasure API is off (the command still works)
    "RATE_LIMIT_PER_SENDER": "30",  # messages a minute one conversation may send
    "RATE_LIMIT_PER_CLIENT": "120",  # messages a minute one client address may send
    "STATE_DIR": str(PROJECT_ROOT / "var" / "state"),  # without Redis: what must survive a restart
    "REDIS_URL": "",  # redis://host:6379/0: state shared by every process (shop/shared_state.py)
    "LOCK_STORE_TYPE": "in_memory",
    "LOCK_STORE_HOST": "",
    "LOCK_STORE_PORT": "6379",
    "ACTION_HOST": "127.0.0.1",  # the action server answers the Rasa server only
    "ACTION_PORT": "5055",
    "ACTION_SERVER_TOKEN": "",
    "CHAT_SESSION_SECRET": "",  # empty: a new one per process (web chat sessions end at restart)
    "INBOX_CONFIG": str(SEED_DIR / "inbox.yml"),
    "INBOX_DEMO_PASSWORD": "",
    "INBOX_SWEEP_SECONDS": "5",
    "CATALOG_PATH": "",  # empty: the catalog_path of the NLU component's config
    "WEB_HOST": "127.0.0.1",
    "WEB_PORT": "8000",
    "WEB_SECRET_KEY": "",
    "WEB_PUBLIC_URL": "",  # empty: http://localhost:WEB_PORT
    # SMS and WhatsApp through Twilio (scripts/make_credentials.py; the web app checks status callbacks).
    "TWILIO_ACCOUNT_SID": "",
    "TWILIO_AUTH_TOKEN": "",  # empty: the status callback endpoint is off
    "TWILIO_SMS_NUMBER": "",
    "TWILIO_WHATSAPP_NUMBER": "",
    "TWILIO_WEBHOOK_BASE_URL": "",  # empty: PUBLIC_BASE_URL
    "TWILIO_API_BASE_URL": "https://api.twilio.com",
    # Sales meetings: days without them, and the reps' own CalDAV calendars (none listed: the
    # shop database alone says who is free).
    "CLOSED_DATES": str(SEED_DIR / "closed_dates.yml"),
    "REP_CALENDARS": str(SEED_DIR / "calendars.yml"),
    "CALDAV_TIMEOUT_SECONDS": "5",  # to connect to a rep's calendar server, and between its answer's bytes
}


def get(name: str, env: Mapping[str, str] | None = None) -> str:
    """The variable's value, or its default when unset or empty."""
    env = os.environ if env is None else env
    return env.get(name) or DEFAULTS[name]


def named(name: str, env: Mapping[str, str] | None = None) -> str:
    """A variable a configuration file names (a webhook's URL or secret): its default when it
    is one of ours, else "" when unset."""
    env = os.environ if env is None else env
    return env.get(name) or DEFAULTS.get(name, "")


def database_url() -> str:
    return get("SHOP_DB_URL")


def rasa_port(env: Mapping[str, str] | None = None) -> str:
    return get("RASA_PORT", env)


def public_base_url(env: Mapping[str, str] | None = None) -> str:
    """Where customers reach the Rasa server (its calendar-invite links point there)."""
    return (get("PUBLIC_BASE_URL", env) or f"http://localhost:{rasa_port(env)}").rstrip("/")


def web_public_url(env: Mapping[str, str] | None = None) -> str:
    """Where customers reach the web app (the shop pages, calendar invites)."""
    return (get("WEB_PUBLIC_URL", env) or f"http://localhost:{get('WEB_PORT', env)}").rstrip("/")


def rasa_url(env: Mapping[str, str] | None = None) -> str:
    """Where the other processes reach the Rasa server's HTTP API."""
    return (get("RASA_URL", env) or f"http://127.0.0.1:{rasa_port(env)}").rstrip("/")


def booking_link_secret() -> str:
    secret = get("BOOKING_LINK_SECRET")
    if not secret:
        raise RuntimeError("BOOKING_LINK_SECRET is not set (make run generates one)")
    return secret


def action_server_token() -> str:
    """The secret the Rasa server sends with every action call (endpoints.yml `token`)."""
    token = get("ACTION_SERVER_TOKEN")
    if not token:
        raise RuntimeError("ACTION_SERVER_TOKEN is not set (make run generates one)")
    return token


def inbox_config_path() -> Path:
    """seed/inbox.yml, or a deployment's own teams and hours."""
    return Path(get("INBOX_CONFIG"))


def closed_dates_path() -> Path:
    """seed/closed_dates.yml, or a deployment's own holidays and closed dates."""
    return Path(get("CLOSED_DATES"))


def rep_calendars_path() -> Path:
    """seed/calendars.yml, or a deployment's own list of the reps' CalDAV calendars."""
    return Path(get("REP_CALENDARS"))


def caldav_timeout() -> float:
    return float(get("CALDAV_TIMEOUT_SECONDS"))


def named_secret(variable: str) -> str:
    """A secret in the variable a configuration file names (a rep's CalDAV password): the file
    says which variable, the environment holds the value, so no secret is written to disk."""
    return os.environ.get(variable, "")


def catalog_path(configured: str) -> str:
    """The catalog the NLU components read: CATALOG_PATH, else the path in config.yml."""
    return get("CATALOG_PATH") or configured
