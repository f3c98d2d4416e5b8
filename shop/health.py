"""What a server's /health says: each dependency checked, "ok" or why not, and 503 when any is down,
so a load balancer or Kubernetes stops sending customers to a server that cannot serve them."""

from collections.abc import Mapping

OK = "ok"


def down(error: BaseException | str) -> str:
    """How a failed check reads: "down: <what failed>"."""
    return f"down: {error if isinstance(error, str) else type(error).__name__}"


def report(checks: Mapping[str, str]) -> tuple[int, dict[str, str]]:
    """(HTTP status, body) of a health answer."""
    healthy = all(value == OK for value in checks.values())
    return (200 if healthy else 503), {"status": "ok" if healthy else "down", **checks}
