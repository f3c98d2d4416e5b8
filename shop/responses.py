"""The responses of domain.yml, read as plain YAML: the words every process gives the customer.
Rasa fills them for the actions; the web app adds its own (an agent joined or left, a chat
handed back) as bot events in one request with the resume, so it fills them here, the way Rasa
does: the first variation for any channel, `{name}` from the values given."""

import functools
import re
from typing import Any

import yaml

from shop.settings import PROJECT_ROOT

PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")


@functools.cache
def _responses() -> dict[str, list[dict[str, Any]]]:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def variation(name: str, channel: str | None = None) -> dict[str, Any]:
    """The response's first variation for `channel` (as Rasa picks it: one written for that
    channel, else one for any) and any condition (KeyError if none)."""
    variations = [v for v in _responses()[name] if not v.get("condition")] or _responses()[name]
    own = [v for v in variations if channel and v.get("channel") == channel]
    return next(iter(own), None) or next((v for v in variations if not v.get("channel")), variations[0])


def render(name: str, **values: Any) -> dict[str, Any]:
    """{"text": ..., "buttons": [...]} of the response; a placeholder without a value is an error."""
    plain = variation(name)

    def fill(match: re.Match) -> str:
        key = match.group(1).strip()
        if key not in values:
            raise KeyError(f"{name} needs a value for {{{key}}}")
        return str(values[key])

    return {"text": PLACEHOLDER.sub(fill, plain.get("text") or ""), "buttons": list(plain.get("buttons") or [])}
