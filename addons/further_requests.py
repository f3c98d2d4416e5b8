"""Two requests in one message ("do you have the hoodie in black? also where is my order
A1003"): the message gets one intent, so the later requests are recorded under
`further_requests` in the parsed message, for an action to acknowledge or answer next."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

FURTHER_REQUESTS = "further_requests"
MAX_CHARS = 2000  # a message longer than this is not split (it is not two quick requests)

# Where a new clause starts: after a sentence end (".", "!", "?" then a space: not in "10.5"
# or an email), and at "and also", "oh and", "btw", "by the way", "also" after a comma or a
# sentence end (not "do you also have it").
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)")
_CONNECTOR = re.compile(
    r"(?:^|(?<=[\s,;:]))(?:and\s+also|oh\s+and|btw|by\s+the\s+way)\b[\s,:]*"
    r"|(?:^|(?<=[,;:.!?…]))\s*also\b[\s,:]*"
    r"|(?<=[,;:])\s*and\s+(?=(?:where|when|how|can|could|do|does|is|are|what|i\b|my|please|pls)\b)",
    re.IGNORECASE,
)

# Words that make a clause a request of its own even without an id or an email.
_REQUEST = re.compile(
    r"\b(where(?:'s| is)|track|status|refund|return|cancel|unsubscribe|human|agent|person|"
    r"book|meeting|demo|discount|price|cost|how much|in stock|do you (?:have|sell)|"
    r"can i|could you|i want|i need|i'd like|help)\b",
    re.IGNORECASE,
)
_CONTENT = re.compile(r"[^\W_]", re.UNICODE)


@dataclass(frozen=True)
class Clause:
    start: int
    end: int
    text: str


def split_clauses(text: str) -> List[Clause]:
    """The clauses of a message, trimmed, with their offsets; empty pieces dropped."""
    clauses: List[Clause] = []
    if not isinstance(text, str):
        return clauses
    if len(text) > MAX_CHARS:
        _add(clauses, text, 0, len(text))
        return clauses
    cuts = [(m.start(), m.end()) for m in _SENTENCE_END.finditer(text)]
    cuts += [(m.start(), m.end()) for m in _CONNECTOR.finditer(text) if m.end() > m.start()]
    position = 0
    for start, end in sorted(cuts) + [(len(text), len(text))]:
        if start < position:
            position = max(position, end)
            continue
        _add(clauses, text, position, start)
        position = end
    return clauses


def _add(clauses: List[Clause], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    stripped = piece.strip(" \t\n,;:-")
    if not _CONTENT.search(stripped):
        return
    offset = start + piece.index(stripped)
    clauses.append(Clause(offset, offset + len(stripped), stripped))


def further_requests(text: str, entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The clauses after the first that hold a request of their own: an order id, a booking
    reference or an email, or request words ("where is", "refund", "do you have")."""
    clauses = split_clauses(text)
    found = []
    for clause in clauses[1:]:
        inside = [e for e in entities or []
                  if isinstance(e, dict) and isinstance(e.get("start"), int)
                  and clause.start <= e["start"] and e.get("end", e["start"]) <= clause.end]
        kinds = sorted({e.get("entity") for e in inside} & {"order_id", "booking_ref", "email"})
        if kinds or _REQUEST.search(clause.text):
            found.append({
                "text": clause.text,
                "start": clause.start,
                "end": clause.end,
                "entities": [{k: e[k] for k in ("entity", "value", "start", "end") if k in e}
                             for e in inside],
                "reason": kinds or ["request"],
            })
    return found


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class FurtherRequestsRecorder(GraphComponent):
    """Records `further_requests` (see further_requests()); needs the entity extractors before
    it. Changes neither the intent nor the entities."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> FurtherRequestsRecorder:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text: Optional[str] = message.get(TEXT)
            if not isinstance(text, str) or text.lstrip().startswith(("/", "\u2215")):
                continue  # payloads are one request by construction
            found = further_requests(text, message.get(ENTITIES) or [])
            if found:
                message.set(FURTHER_REQUESTS, found, add_to_output=True)
        return messages
