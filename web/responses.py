"""The customer's words the web app sends through Rasa (an agent joined or left, a chat handed
back to the bot), taken from domain.yml's responses like every other sentence the bot says.
The web app adds them as bot events in one request (with the resume), so it fills them itself,
the way Rasa does: the first variation for any channel, `{name}` from the values given."""

import functools
import re
from typing import Any

import yaml

from shop.settings import PROJECT_ROOT

_PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")


@functools.cache
def _responses() -> dict[str, list[dict[str, Any]]]:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def render(name: str, **values: Any) -> dict[str, Any]:
    """{"text": ..., "buttons": [...]} of the response; a placeholder without a value is an error."""
    variations = _responses()[name]
    plain = next((v for v in variations if not v.get("channel") and not v.get("condition")), variations[0])

    def fill(match: re.Match) -> str:
        key = match.group(1).strip()
        if key not in values:
            raise KeyError(f"{name} needs a value for {{{key}}}")
        return str(values[key])

    return {"text": _PLACEHOLDER.sub(fill, plain.get("text") or ""), "buttons": list(plain.get("buttons") or [])}
