"""Builds the sanic web app: pages, the agent inbox, calendar invites, and the inbox's background sweep."""

import asyncio
from urllib.parse import unquote

from sanic import Sanic, response

from web import analytics, inbox, invites, pages, privacy, shop, sweeper, twilio_status
from web.rasa_client import RasaClient
from web.settings import Settings


def create_app(settings: Settings, name: str = "shop_web") -> Sanic:
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = 64 * 1024  # agents type messages; nothing here takes uploads
    app.ctx.settings = settings
    app.ctx.rasa = RasaClient(settings.rasa_url, settings.rasa_token)
    app.blueprint(pages.bp)
    app.blueprint(inbox.bp)
    app.blueprint(shop.bp)
    app.blueprint(invites.bp)
    app.blueprint(privacy.bp)
    app.blueprint(analytics.bp)
    app.blueprint(twilio_status.bp)

    @app.before_server_start
    async def make_db_lock(app_, _loop) -> None:
        # Held by each inbox transaction that may wait for Rasa, and by the sweep's writes.
        app_.ctx.db_lock = asyncio.Lock()

    @app.after_server_start
    async def start_sweeping(app_, _loop) -> None:
        app_.add_task(sweeper.run_forever(settings.db_url, app_.ctx.rasa, settings.sweep_seconds, app_.ctx.db_lock))

    @app.on_request
    async def refuse_nul_paths(request):
        # No file or route has a NUL in its name; the static handler would fail on one with a 500.
        if "\x00" in unquote(request.path):
            return response.json({"error": "bad path"}, status=400)

    @app.on_response
    async def security_headers(request, response) -> None:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.path.startswith(("/inbox", "/analytics")):  # the agents' pages are never framed
            response.headers.setdefault("X-Frame-Options", "DENY")

    return app
