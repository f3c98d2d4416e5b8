"""A message with two requests ("track my order, then tell me your return policy"): what of the
later one the bot quotes back when it says it will come to it (the NLU pipeline records it under
further_requests, addons/further_requests.py)."""

from typing import Any

# A later request quoted back longer than this is cut at a word.
QUOTE_CHARS = 80


def further_request_to_acknowledge(latest_message: dict[str, Any]) -> str | None:
    """The later request of a two-request message (recorded by the NLU pipeline under
    further_requests), as it should be quoted back: trimmed of connectors and cut to length."""
    requests = [
        r for r in latest_message.get("further_requests") or [] if isinstance(r, dict) and r.get("reason") != ["email"]
    ]  # an email is an answer, not a request
    first = requests[0] if requests else {}
    text = " ".join(str(first.get("text") or "").split()).strip(" ,;:-")
    if not text:
        return None
    if len(text) > QUOTE_CHARS:
        text = text[:QUOTE_CHARS].rsplit(" ", 1)[0] + "…"
    return text
