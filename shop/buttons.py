"""Buttons the bot offers: a title and a payload that Rasa parses without NLU
(/intent{"entity": "value"}), the same on every channel."""

import json
from collections.abc import Iterable
from typing import Any

from shop import catalog


def payload(intent: str, **entities: Any) -> str:
    """A button payload Rasa parses without NLU: /intent{"entity": "value"}."""
    values = {k: v for k, v in entities.items() if v not in (None, "")}
    return f"/{intent}{json.dumps(values)}" if values else f"/{intent}"


def button(title: str, intent: str, **entities: Any) -> dict[str, str]:
    return {"title": title, "payload": payload(intent, **entities)}


def alternative_buttons(alternatives: Iterable[catalog.Alternative]) -> list[dict[str, str]]:
    return [button(alt.label, "purchase", product=alt.product, size=alt.size, color=alt.color) for alt in alternatives]


def product_buttons(names: Iterable[str], intent: str = "product_info") -> list[dict[str, str]]:
    return [button(name, intent, product=name) for name in names]
