"""Static files and the health check of the web app."""

import asyncio
from pathlib import Path

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from shop import metrics, shared_state
from shop.db import check_database, session_scope
from shop.health import OK, down, report
from web.rasa_client import RasaError

STATIC_DIR = Path(__file__).resolve().parent / "static"

bp = Blueprint("pages")
bp.static("/static", str(STATIC_DIR), name="static")


@bp.get("/metrics")
async def prometheus(request: Request) -> HTTPResponse:
    def read_handoffs() -> None:  # called by scrape, on its worker thread
        with session_scope(request.app.ctx.settings.db_url) as session:
            metrics.read_handoffs(session)

    authorization = request.headers.get("authorization")
    status, body, content_type = await asyncio.to_thread(metrics.scrape, authorization, request.ip, read_handoffs)
    return response.raw(body, status=status, content_type=content_type)


@bp.get("/health")
async def health(request: Request) -> HTTPResponse:
    """200 when the shop database, the Rasa server (the inbox reads it) and the shared Redis, when
    configured (logins are throttled there), answer; else 503 and which."""
    try:
        await request.app.ctx.rasa.status()
        rasa = OK
    except RasaError:
        rasa = down("unreachable")
    checks = {"database": await asyncio.to_thread(check_database, request.app.ctx.settings.db_url), "rasa": rasa}
    shared = await asyncio.to_thread(shared_state.check_redis)
    if shared is not None:
        checks["redis"] = shared
    status, body = report(checks)
    return response.json(body, status=status)
