"""What a server's /health says: each dependency checked, "ok" or why not, and 503 when any is down,
so a load balancer or Kubernetes stops sending customers to a server that cannot serve them."""

from collections.abc import Mapping

from sqlalchemy import text

from shop.db import session_factory

OK = "ok"


def check_database(url: str | None = None) -> str:
    """ "ok", or "down: <error>" when the shop database does not answer a query."""
    try:
        with session_factory(url)() as session:
            session.execute(text("SELECT 1"))
    except Exception as error:  # any failure means down; the kind is what an operator needs
        return f"down: {type(error).__name__}"
    return OK


def report(checks: Mapping[str, str]) -> tuple[int, dict[str, str]]:
    """(HTTP status, body) of a health answer."""
    healthy = all(value == OK for value in checks.values())
    return (200 if healthy else 503), {"status": "ok" if healthy else "down", **checks}
