"""Serves a booking's calendar invite (.ics) from the Rasa server, at
/webhooks/calendar/invite/<reference>.ics?t=<signed token>: REST and Messenger customers
get a link they can open; nothing else is exposed."""

from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse


class CalendarInvites(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "calendar"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        from sqlalchemy import select

        from shop import invites
        from shop.db import session_scope
        from shop.models import Booking

        blueprint = Blueprint("calendar_invites", __name__)

        @blueprint.route("/invite/<filename>", methods=["GET"])
        async def invite(request: Request, filename: Text) -> HTTPResponse:
            reference = filename[:-4] if filename.endswith(".ics") else filename
            if not invites.verify(reference, request.args.get("t", "")):
                return response.json({"error": "unknown or unsigned invite link"}, status=404)
            with session_scope() as session:
                booking = session.scalar(select(Booking).where(Booking.reference == reference))
                if booking is None or booking.status != "booked":
                    return response.json({"error": "no such booking"}, status=404)
                body = invites.ics(booking, booking.rep.name, booking.rep.email)
            return response.text(
                body,
                content_type="text/calendar; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{reference}.ics"'},
            )

        return blueprint
