"""The erasure API: POST /privacy/api/erase {"sender_id": ...} or {"email": ...} with
`Authorization: Bearer <PRIVACY_API_TOKEN>` deletes everything about that contact
(shop/erasure.py) and answers what went. Off (503) until the token is set."""

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from shop import calendars, erasure, settings
from web.auth import bearer_matches
from web.db_thread import in_thread

bp = Blueprint("privacy", url_prefix="/privacy")


@bp.post("/api/erase")
async def erase(request: Request) -> HTTPResponse:
    token = settings.get("PRIVACY_API_TOKEN")
    if not token:
        return response.json({"error": "the erasure API is off: set PRIVACY_API_TOKEN"}, status=503)
    if not bearer_matches(request.headers.get("authorization"), token):
        return response.json({"error": "unauthorized"}, status=401)
    try:
        body = request.json
    except Exception:  # sanic's own parse error: not JSON
        body = None
    sender, email = (body.get("sender_id"), body.get("email")) if isinstance(body, dict) else (None, None)
    if not (isinstance(sender, str) and sender) and not (isinstance(email, str) and "@" in email):
        return response.json({"error": 'give {"sender_id": "..."} or {"email": "..."}'}, status=400)

    def run(session) -> dict[str, int]:
        return erasure.erase(
            session,
            erasure.tracker_engine(),
            sender_id=sender if isinstance(sender, str) else None,
            email=email if isinstance(email, str) else None,
        )

    try:
        erased = await in_thread(request.app.ctx.settings.db_url, run)
    except calendars.CalendarUnavailable:
        return response.json(
            {"error": "a rep's calendar could not be reached to remove the meeting; nothing was erased, try again"},
            status=503,
        )
    return response.json({"erased": erased})
