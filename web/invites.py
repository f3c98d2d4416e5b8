"""Calendar invites of booked meetings: /invites/<reference>.ics?t=<signed token>, the meeting as it
is now (moved: the new time; cancelled: its CANCEL). REST, web chat and Messenger customers get
the link with their booking; nothing else is exposed."""

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from shop import invites
from web.db_thread import in_thread

bp = Blueprint("invites")


@bp.get("/invites/<filename>")
async def invite(request: Request, filename: str) -> HTTPResponse:
    reference = filename.removesuffix(".ics")
    try:
        body = await in_thread(request.app.ctx.settings.db_url, invites.invite_of, reference, request.args.get("t", ""))
    except RuntimeError:  # BOOKING_LINK_SECRET missing: a deployment error, said as such
        return response.json({"error": "calendar invites are not configured on this server"}, status=503)
    if body is None:  # unsigned, forged or unknown: all look the same from outside
        return response.json({"error": "unknown or unsigned invite link"}, status=404)
    return response.text(
        body,
        content_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{reference}.ics"'},
    )
