"""The funnel for the marketing team (shop/analytics/metrics.py):
- GET /analytics/: the dashboard (web/static/analytics.*), for inbox agents with the analytics
  role; GET /analytics/api/me says who is logged in and whether they have it;
- GET /analytics/api/funnel?from=YYYY-MM-DD&to=YYYY-MM-DD[&channel=&page=&campaign=]: the
  figures as JSON, for the shop's BI (`Authorization: Bearer <ANALYTICS_API_TOKEN>`) or an
  inbox agent with the analytics role (seed/inbox.yml): 401 without either, 403 for an agent
  without the role;
- POST /analytics/widget-opened {"session_id", "page", "campaign"}: the chat widget saying it
  was opened (the engagement rate's denominator); once per session id, bounded."""

import contextlib
import json
import re
from datetime import date
from typing import Any

from redis import RedisError
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shop import settings, shared_state
from shop.analytics.metrics import BadRange, Filters, funnel
from shop.analytics.metrics import date_range as metrics_date_range
from shop.clock import naive_now
from shop.models import Agent, WidgetSession
from shop.visit import clean_value
from web.auth import bearer_matches
from web.db_thread import in_thread
from web.inbox import current_agent
from web.pages import STATIC_DIR

bp = Blueprint("analytics", url_prefix="/analytics")

ROLE = "analytics"
DEFAULT_DAYS = 30
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
WIDGET_OPENS_PER_MINUTE = 30  # per client address


def date_range(args: dict[str, Any], today: date) -> tuple[date, date]:
    """from/to (inclusive) of a request; the last 30 days by default."""
    return metrics_date_range(args.get("from"), args.get("to"), today, DEFAULT_DAYS)


def filters_of(args: dict[str, Any]) -> Filters:
    return Filters(**{name: clean_value(args.get(name)) for name in ("channel", "page", "campaign")})


def _has_token(request: Request) -> bool:
    return bearer_matches(request.headers.get("authorization"), settings.get("ANALYTICS_API_TOKEN"))


def has_role(agent: Agent) -> bool:
    return ROLE in json.loads(agent.roles or "[]")


def funnel_access(request: Request, session) -> int:
    """200 for the BI's token or an agent's session with the analytics role; 403 for an agent
    without it; 401 for anyone else."""
    if _has_token(request):
        return 200
    agent = current_agent(request, session)
    if agent is None:
        return 401
    return 200 if has_role(agent) else 403


def may_see_funnel(request: Request, session) -> bool:
    return funnel_access(request, session) == 200


# The dashboard's page: its own scripts and styles, and calls to this server, only.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'"
)


@bp.get("/")
async def dashboard(request: Request) -> HTTPResponse:
    """The page is the same for everyone: its script asks /api/me who is there (a login form, the
    analytics role missing, or the figures)."""
    return await response.file(
        STATIC_DIR / "analytics.html",
        headers={"Cache-Control": "no-store", "Content-Security-Policy": PAGE_POLICY, "X-Frame-Options": "DENY"},
    )


@bp.get("/api/me")
async def me(request: Request) -> HTTPResponse:
    def read(session) -> dict[str, Any] | None:
        agent = current_agent(request, session)
        return None if agent is None else {"name": agent.name, "email": agent.email, "analytics": has_role(agent)}

    agent = await in_thread(request.app.ctx.settings.db_url, read)
    if agent is None:
        return response.json({"error": "Log in first."}, status=401, headers={"Cache-Control": "no-store"})
    return response.json({"agent": agent, "role": ROLE}, headers={"Cache-Control": "no-store"})


@bp.get("/api/funnel")
async def funnel_api(request: Request) -> HTTPResponse:
    args = {name: request.args.get(name) for name in ("from", "to", "channel", "page", "campaign")}
    try:
        start, end = date_range(args, naive_now().date())
    except BadRange as error:
        return response.json({"error": str(error)}, status=400)

    def read(session) -> tuple[int, dict[str, Any] | None]:
        status = funnel_access(request, session)
        return status, funnel(session, start, end, filters_of(args)) if status == 200 else None

    status, figures = await in_thread(request.app.ctx.settings.db_url, read)
    if status == 403:
        return response.json({"error": f"the {ROLE} role is needed"}, status=403)
    if figures is None:
        return response.json({"error": "unauthorized"}, status=401)
    return response.json(figures, headers={"Cache-Control": "no-store"})


_opens = None


def _widget_opens() -> shared_state.RateLimit:
    global _opens
    if _opens is None:
        _opens = shared_state.rate_limit("widget-opens", WIDGET_OPENS_PER_MINUTE)
    return _opens


@bp.post("/widget-opened")
async def widget_opened(request: Request) -> HTTPResponse:
    try:
        body = request.json
    except Exception:  # sanic's own parse error: not JSON
        body = None
    session_id = body.get("session_id") if isinstance(body, dict) else None
    if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
        return response.json({"error": 'give {"session_id": "..."} (8 to 64 letters, digits, - or _)'}, status=400)
    try:
        allowed = _widget_opens().hit(request.remote_addr or request.ip or "unknown")
    except RedisError:  # the shared limit cannot be asked: refuse rather than count unlimited
        return response.json({"error": "try again later"}, status=503)
    if not allowed:
        return response.json({"error": "too many"}, status=429, headers={"Retry-After": "60"})
    page, campaign = clean_value(body.get("page")), clean_value(body.get("campaign"))

    def record(session) -> None:
        if session.scalar(select(WidgetSession.id).where(WidgetSession.session_id == session_id)) is None:
            session.add(WidgetSession(session_id=session_id, page=page, campaign=campaign))

    with contextlib.suppress(IntegrityError):  # the same session reported twice at once: recorded
        await in_thread(request.app.ctx.settings.db_url, record)
    return response.json({"ok": True}, status=202)
