"""Twilio's status callbacks: POST /twilio/status, signed like every Twilio webhook, records
each message's delivery status (queued, sent, delivered, undelivered, failed; ErrorCode) in
twilio_messages (shop/twilio_messages.py). The channel asks for them with every message it
sends (StatusCallback); off (404) until TWILIO_AUTH_TOKEN is set."""

import logging

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from shop import settings, twilio_messages
from shop.twilio_signature import form_params, public_url, signature_ok
from web.db_thread import in_thread

logger = logging.getLogger(__name__)

bp = Blueprint("twilio_status", url_prefix="/twilio")
PATH = "/twilio/status"


@bp.post("/status")
async def status(request: Request) -> HTTPResponse:
    token = settings.get("TWILIO_AUTH_TOKEN")
    if not token:
        return response.text("Twilio is not configured", status=404)
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return response.text("the body must be form-encoded, as Twilio sends it", status=400)
    params = form_params(request.body)
    if params is None:
        return response.text("the body is not form-encoded", status=400)
    # Twilio signs the URL it called, the public one: behind a proxy this server sees another.
    url = public_url(settings.web_public_url(), request.path, request.query_string)
    if not signature_ok(url, params, token, request.headers.get("x-twilio-signature")):
        logger.warning("Twilio status callback without a valid X-Twilio-Signature for %s.", url)
        return response.text("invalid signature", status=403)
    form = dict(params)
    problem = twilio_messages.status_problem(form)
    if problem:
        return response.text(problem, status=400)
    callback = twilio_messages.callback_from(form)
    await in_thread(request.app.ctx.settings.db_url, twilio_messages.record_status, callback)
    return response.empty()
