"""Customer-typed payloads ("/action_listen", "/opt_out"): never classified as what they name.

How Rasa 3.6 reads a message starting with "/": the RegexMessageHandler, which the default
recipe runs after the whole NLU pipeline, takes "/intent{...}" as that intent without NLU when
the domain has the intent (YAMLStoryReader.unpack_regex_message); anything else keeps what NLU
said about the text. So:
- SlashPayloadClassifier (in the pipeline) makes whatever "/..." text reaches NLU out_of_scope,
  so "/action_listen" is no longer classified (it was opt_out: unsubscribed!);
- guard_payload() (in our channels) lets through only the payloads the bot's own buttons send
  and turns any other payload of a domain intent into text, so Rasa does not take it as that
  intent and NLU gets it, and with it SlashPayloadClassifier.
"""

from __future__ import annotations

import ast
import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Collection, Dict, FrozenSet, Optional, Set, Text

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from addons.rule_based_classifier import RuleBasedIntentClassifier
from shop import settings

logger = logging.getLogger(__name__)

# What a payload turned into text starts with instead of "/": the division slash looks the
# same to a person reading the conversation, and Rasa does not read it as a payload.
TEXT_SLASH = "\u2215"
_PAYLOAD = re.compile(r"^\s*[/\u2215]\s*(?P<intent>[^\s{@]*)")


def payload_intent(text: Optional[str]) -> Optional[str]:
    """The intent a payload-shaped text names ("/purchase{...}" -> "purchase"), else None."""
    if not isinstance(text, str):
        return None
    match = _PAYLOAD.match(text)
    return match.group("intent") if match else None


def guard_payload(text: str, allowed_intents: Collection[str]) -> str:
    """The text to hand to Rasa: as typed, unless it is a payload naming an intent that no
    button of ours sends, which then goes to NLU as text."""
    intent = payload_intent(text)
    if intent is None or not text.lstrip().startswith("/") or intent in allowed_intents:
        return text
    stripped = text.lstrip()
    return TEXT_SLASH + stripped[1:]


# Payloads our channels send themselves: the widget's and Messenger's greeting.
CHANNEL_INTENTS = frozenset({"greet"})


PROJECT_ROOT = settings.PROJECT_ROOT


@lru_cache(maxsize=1)
def allowed_intents() -> Optional[FrozenSet[str]]:
    """The payload intents customers may send, read once per process; None (everything
    allowed, as before) when the project files cannot be read, so the buttons keep working."""
    if not (PROJECT_ROOT / "actions").is_dir():  # e.g. an image without the action code
        logger.error("No actions/ under %s: typed payloads are not guarded", PROJECT_ROOT)
        return None
    try:
        return frozenset(button_intents(PROJECT_ROOT))
    except (OSError, SyntaxError, yaml.YAMLError):
        logger.exception("Payload allow-list unreadable: typed payloads are not guarded")
        return None


def guard_typed_payload(text: str) -> str:
    """guard_payload with the project's allow-list: what the channels call."""
    allowed = allowed_intents()
    return text if allowed is None else guard_payload(text, allowed)


def button_intents(root: Path) -> Set[str]:
    """The intents of every payload the bot's own buttons send, read from the project at
    `root`: the domain's responses, the button(), payload() and product_buttons() calls and
    "payload" dict values in actions/, the web pages' data-chat-payload calls to action, and
    the channels' own greeting."""
    intents: Set[str] = set(CHANNEL_INTENTS)
    domain = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8")) or {}
    for variants in (domain.get("responses") or {}).values():
        for variant in variants or []:
            for button in (variant or {}).get("buttons") or []:
                intents.add(payload_intent(str(button.get("payload") or "")) or "")
    for path in sorted((root / "actions").glob("*.py")):
        intents |= intents_in_source(path.read_text(encoding="utf-8"))
    for path in sorted((root / "web" / "templates").rglob("*.html")):
        for value in re.findall(r"data-chat-payload=['\"]([^'\"]*)", path.read_text(encoding="utf-8")):
            intents.add(payload_intent(value) or "")
    intents.discard("")
    return intents


def intents_in_source(source: str) -> Set[str]:
    """Payload intents in Python source: button(title, "intent"), payload("intent"),
    product_buttons(names[, "intent"]) and product questions' `question = "intent"` (what
    they pass to product_buttons), and {"payload": "/intent..."} literals, f-strings too."""
    intents: Set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None) or ""
            position = {"button": 1, "payload": 0, "product_buttons": 1}.get(name)
            if position is None:
                continue
            if len(node.args) > position:
                intents.add(_constant(node.args[position]) or "")
            elif name == "product_buttons":
                intents.add("product_info")  # its default
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "question" for t in node.targets):
            intents.add(_constant(node.value) or "")
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=False):
                if _constant(key) == "payload":
                    first = value.values[0] if isinstance(value, ast.JoinedStr) and value.values else value
                    intents.add(payload_intent(_constant(first)) or "")
    intents.discard("")
    return intents


def _constant(node: Any) -> Optional[str]:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SlashPayloadClassifier(RuleBasedIntentClassifier):
    """Any text starting with "/" that reaches NLU is a payload the customer typed:
    out_of_scope, confidence 1.0, no entities. Payloads of domain intents never reach NLU."""

    clears_entities = True

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"intent": "out_of_scope"}

    def intent_for(self, text: str) -> Optional[str]:
        return self._intent if payload_intent(text) is not None else None
