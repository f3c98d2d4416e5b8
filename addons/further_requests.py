"""Two requests in one message ("do you have the hoodie in black? also where is my order
A1003"): the message gets one intent, so the later requests are recorded under
`further_requests` in the parsed message, for an action to acknowledge or answer next, and the
intent is read from the leading request (LeadingRequestTokens)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from shop.parsing.ids import BOOKING_REF_PATTERN, ORDER_ID_PATTERN

FURTHER_REQUESTS = "further_requests"
MAX_CHARS = 2000  # a message longer than this is not split (it is not two quick requests)

# Where a new clause starts: after a sentence end (".", "!", "?" then a space: not in "10.5"
# or an email), and at "and also", "oh and", "btw", "by the way", "also" after a comma or a
# sentence end (not "do you also have it").
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)")
_CONNECTOR = re.compile(
    r"(?:^|(?<=[\s,;:]))(?:and\s+also|oh\s+and|btw|by\s+the\s+way)\b[\s,:]*"
    r"|(?:^|(?<=[,;:.!?…]))\s*also\b[\s,:]*"
    r"|(?<=[,;:])\s*and\s+(?=(?:where|when|how|can|could|do|does|is|are|what|i\b|my|please|pls)\b)"
    # "..., then I want to book", "... and after that unsubscribe me", "..., I also need"
    r"|(?:(?<=[,;:])\s*|\s+and\s+)then\b[\s,:]*|\s+and\s+after\s+that\b[\s,:]*"
    r"|(?<=[,;:])\s*(?:and\s+)?(?=i\s+also\b)",
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


# A clause of only these words opens a message ("hi! ...", "ok thanks. ...") and asks nothing.
_PLEASANTRIES = frozenset(
    """hi hello hey hiya there good morning afternoon evening day ok okay
    so um well yes yeah thanks thank you please sorry excuse me team guys folks all quick question
    hope you're doing great help""".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def further_requests(text: str, entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The clauses after the first (greetings aside) that hold a request of their own: an order
    id, a booking reference or an email, or request words ("where is", "refund", "do you have")."""
    clauses = _without_pleasantries(split_clauses(text))
    found = []
    for clause in clauses[1:]:
        inside = [
            e
            for e in entities or []
            if isinstance(e, dict)
            and isinstance(e.get("start"), int)
            and clause.start <= e["start"]
            and e.get("end", e["start"]) <= clause.end
        ]
        kinds = sorted({e.get("entity") for e in inside} & {"order_id", "booking_ref", "email"})
        if kinds or _REQUEST.search(clause.text):
            found.append(
                {
                    "text": clause.text,
                    "start": clause.start,
                    "end": clause.end,
                    "entities": [{k: e[k] for k in ("entity", "value", "start", "end") if k in e} for e in inside],
                    "reason": kinds or ["request"],
                }
            )
    return found


MAX_LEADING_CLAUSES = 2
# How a clause that asks or tells the bot to do something starts.
_ASKING = re.compile(
    r"(?:what(?:'s|s)?|how|when|where|which|who|why|is|are|do|does|can|could|would|"
    r"will|tell|show|give|get|let|send|stop|check|book|cancel|order|buy|track|"
    r"connect|find|put|add|pls|please)\b",
    re.IGNORECASE,
)
_ID = re.compile(rf"{ORDER_ID_PATTERN}|{BOOKING_REF_PATTERN}|@", re.IGNORECASE)


def _without_pleasantries(clauses: List[Clause]) -> List[Clause]:
    """The clauses from the first that is more than a greeting or a thank-you ("hi! ...")."""
    while len(clauses) > 1 and {w.lower() for w in _WORD.findall(clauses[0].text)} <= _PLEASANTRIES:
        clauses = clauses[1:]
    return clauses


def leading_request(text: str) -> Optional[Clause]:
    """The clause the message's intent should come from when it holds two requests: of two
    clauses (pleasantries aside), the first, when both ask something; else None (the message
    is one request, or a story around one, and is read whole)."""
    clauses = _without_pleasantries(split_clauses(text))
    # More clauses than two is a story with the request somewhere in it: read whole.
    if len(clauses) != MAX_LEADING_CLAUSES:
        return None
    first, later = clauses
    # "I ordered a month ago and never got it. I want a refund": the first clause tells, the
    # second asks; only a first clause that asks something leads.
    asks = (
        _REQUEST.search(first.text)
        or _ID.search(first.text)
        or _ASKING.match(first.text)
        or "?" in text[first.end : first.end + 3]
    )
    if not asks or not (_REQUEST.search(later.text) or _ID.search(later.text)):
        return None
    return first


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class FurtherRequestsRecorder(GraphComponent):
    """Records `further_requests` (see further_requests()); needs the entity extractors before
    it. Changes neither the intent nor the entities."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FurtherRequestsRecorder:
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


ALL_TOKENS = "further_requests_all_tokens"


class _TokenPass(GraphComponent):
    """A step over each message's tokens, the same in training and at parse time."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "_TokenPass":
        return cls()

    @staticmethod
    def apply(message: Message) -> None:
        raise NotImplementedError

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self.apply(message)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self.apply(message)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class LeadingRequestTokens(_TokenPass):
    """Before the featurizers: a message with two requests keeps only its leading request's
    tokens, so the featurizers and the intent classifier read that one ("track my order and
    then tell me your return policy" is an order status, not the return policy). The whole
    message's tokens are kept aside and put back by AllTokensRestored, after the classifiers
    and before the entity extractors, which read every clause."""

    @staticmethod
    def apply(message: Message) -> None:
        tokens = message.get(TOKENS_NAMES[TEXT])
        text = message.get(TEXT)
        if not tokens or not isinstance(text, str) or message.get(ALL_TOKENS):
            return
        clause = leading_request(text)
        if clause is None:
            return
        kept = [t for t in tokens if clause.start <= t.start and t.end <= clause.end]
        if kept:
            message.set(ALL_TOKENS, tokens)
            message.set(TOKENS_NAMES[TEXT], kept)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class AllTokensRestored(_TokenPass):
    """Puts back the whole message's tokens that LeadingRequestTokens kept aside."""

    @staticmethod
    def apply(message: Message) -> None:
        tokens = message.get(ALL_TOKENS)
        if tokens:
            message.set(TOKENS_NAMES[TEXT], tokens)
            message.data.pop(ALL_TOKENS, None)
