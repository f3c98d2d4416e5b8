"""What every server counts for Prometheus (prometheus-client), and the text of its /metrics.

Rasa server (the channels): turns and their latency per channel, messages refused (rate limit,
bad input). Action server: actions run, failed and their latency. Web app: handoffs by status
and queue sizes (read from the database at each scrape), agents' replies."""

from collections.abc import Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

from shop import settings

TURNS = Counter("shop_turns_total", "Customer messages handled, by channel", ["channel"])
TURN_SECONDS = Histogram(
    "shop_turn_seconds",
    "Time from a customer's message to the bot's answer",
    ["channel"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
)
REFUSED = Counter("shop_messages_refused_total", "Customer messages refused, by channel and why", ["channel", "reason"])
ACTIONS = Counter("shop_actions_total", "Custom actions run, by action and outcome (ok, failed)", ["action", "outcome"])
ACTION_SECONDS = Histogram(
    "shop_action_seconds", "Time a custom action took", ["action"], buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 5, 30)
)
AGENT_REPLIES = Counter("shop_agent_replies_total", "Messages agents sent from the inbox, by outcome", ["outcome"])

CONTENT_TYPE = CONTENT_TYPE_LATEST


def may_scrape(authorization: str | None, client_address: str, token: str) -> bool:
    """Who may read /metrics: Prometheus with METRICS_TOKEN (Authorization: Bearer ...) when it
    is set, else only this machine."""
    if token:
        import hmac

        return hmac.compare_digest((authorization or "").encode(), f"Bearer {token}".encode())
    return client_address in ("127.0.0.1", "::1")


REFUSED_SCRAPE = b'{"error": "metrics are for Prometheus (METRICS_TOKEN)"}'


def scrape(
    authorization: str | None, client_address: str, refresh: Callable[[], None] | None = None
) -> tuple[int, bytes, str]:
    """(status, body, content type) of every server's /metrics: 403 for whoever may not scrape,
    else the exposition, after `refresh` (the web app's gauges read from the database)."""
    if not may_scrape(authorization, client_address, settings.get("METRICS_TOKEN")):
        return 403, REFUSED_SCRAPE, "application/json"
    if refresh is not None:
        refresh()
    return 200, exposition(), CONTENT_TYPE


def exposition() -> bytes:
    """The text format Prometheus scrapes."""
    return generate_latest()


HANDOFFS = Gauge("shop_handoffs", "Handoffs by status (read from the database at each scrape)", ["status"])
HANDOFF_QUEUE = Gauge("shop_handoff_queue", "Handoffs queued for an agent, by team", ["team"])


def read_handoffs(session: Any) -> None:
    """Sets the handoff gauges from the database (the web app calls it at each scrape)."""
    from sqlalchemy import func, select

    from shop.models import Handoff

    HANDOFFS.clear()
    HANDOFF_QUEUE.clear()
    for status, count in session.execute(select(Handoff.status, func.count()).group_by(Handoff.status)):
        HANDOFFS.labels(status).set(count)
    waiting = select(Handoff.team, func.count()).where(Handoff.status == "queued").group_by(Handoff.team)
    for team, count in session.execute(waiting):
        HANDOFF_QUEUE.labels(team).set(count)
