"""Answers in any order, as plain functions: which slots of a form one message fills.

A form asks one question at a time, but customers answer what they like ("thursday morning"
while the email is asked). Each slot of the form has a reader (a function over the text using
the shop's parsers); this module decides what the readings mean for the form."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

# Intents that are never an answer to a form's question: the form lets the rules handle them.
NOT_ANSWERS = frozenset(
    {
        "cancel",
        "opt_out",
        "opt_in",
        "skip",
        "affirm",
        "deny",
        "greet",
        "goodbye",
        "thank",
        "bot_challenge",
        "out_of_scope",
        "other_language",
        "faq",
    }
)
_ASKS_FOR_PERSON_RE = re.compile(
    r"\b(?:talk|speak|chat|connect me)\b.{0,20}\b(?:someone|somebody|person|human|agent|"
    r"representative|rep|people|team|staff)\b|\bhuman\b|\breal person\b|\b(?:live )?agent\b",
    re.IGNORECASE,
)

Reader = Callable[[str], Any]


def asks_for_person(text: str) -> bool:
    """'can I talk to a human?': a request for a person, never an answer to a question."""
    return bool(_ASKS_FOR_PERSON_RE.search(text or ""))


def may_answer(intent: str | None, text: str | None) -> bool:
    """Whether a message may hold answers for a form: typed text (a button payload names its
    values as entities), of an intent that can be an answer, and not asking for a person."""
    text = (text or "").strip()
    if not text or text.startswith("/"):
        return False
    if intent in NOT_ANSWERS:
        return False
    return not asks_for_person(text)


def read_all(text: str, readers: dict[str, Reader]) -> dict[str, Any]:
    """Every slot whose reader finds a value in the text (None means "nothing for me")."""
    readings = {}
    for slot, reader in readers.items():
        value = reader(text)
        if value is not None:
            readings[slot] = value
    return readings


@dataclass(frozen=True)
class Answers:
    """What one message answers: `taken` slots (validated next, then acknowledged when not the
    asked one), and whether the text still counts as the answer to the asked question."""

    taken: dict[str, Any] = field(default_factory=dict)
    keeps_requested: bool = True

    def out_of_turn(self, requested: str | None) -> dict[str, Any]:
        return {slot: value for slot, value in self.taken.items() if slot != requested}


def sort_answers(
    readings: dict[str, Any],
    requested: str | None,
    filled: Iterable[str],
    refillable: Iterable[str] = (),
    weak: Iterable[str] = (),
) -> Answers:
    """The readings of a message, as the form takes them.

    - a slot already filled keeps its value, except `refillable` ones (a need that grows);
    - the asked slot takes its reader's value when there is one (cleaner than the whole text:
      "it's M3001 and ana@x.com" is M3001), else the text as Rasa mapped it when nothing else
      was found (its own validation then says what is wrong and asks again);
    - text that fits another slot and not the asked one is not taken for the asked one;
    - a `weak` reading (a need read from "we want ...") counts only when nothing else was
      read: "we need it next month" is a timeline."""
    filled, refillable, weak = set(filled), set(refillable), set(weak)
    if any(slot not in weak for slot in readings):
        readings = {slot: value for slot, value in readings.items() if slot not in weak or slot == requested}
    taken = {
        slot: value for slot, value in readings.items() if slot == requested or slot not in filled or slot in refillable
    }
    keeps_requested = requested is None or requested in readings or not taken
    return Answers(taken=taken, keeps_requested=keeps_requested)
