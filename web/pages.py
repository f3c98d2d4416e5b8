"""Static files and the health check of the web app."""

from pathlib import Path

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

STATIC_DIR = Path(__file__).resolve().parent / "static"

bp = Blueprint("pages")
bp.static("/static", str(STATIC_DIR), name="static")


@bp.get("/health")
async def health(request: Request) -> HTTPResponse:
    return response.json({"status": "ok"})
