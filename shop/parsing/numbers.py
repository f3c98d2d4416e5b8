"""Numbers in words (one table for every parser) and quantities: '2', 'two', 'a couple' -> 2, or why not."""

import math
import re
from typing import Any

from shop.parsing import Parsed

MAX_QUANTITY = 10  # per order line: larger orders are business orders for the sales team

_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
)
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety"
# The number words every parser reads (quantities, team sizes, durations): this table only.
CARDINALS = {
    **{word: n for n, word in enumerate(_UNITS.split())},
    **{word: 10 * n for n, word in enumerate(_TENS.split(), start=2)},
}
_NUMBER_WORDS = {
    **CARDINALS,
    "a": 1,
    "an": 1,
    "single": 1,
    "just one": 1,
    "a single": 1,
    "a couple": 2,
    "couple": 2,
    "a pair": 2,
    "pair": 2,
    "a dozen": 12,
    "dozen": 12,
    "none": 0,
    "no": 0,
    "hundred": 100,
    "a hundred": 100,
    "thousand": 1000,
    "a thousand": 1000,
    "million": 1_000_000,
    "a million": 1_000_000,
}
NUMBER_RE = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")


def parse_quantity(raw: Any, max_quantity: int = MAX_QUANTITY) -> Parsed:
    """'2', 'two', 'a couple', 2.0 -> 2; zero, negative, fractional or huge -> an error key."""
    if raw is None:
        return Parsed(error="missing")
    if isinstance(raw, bool):
        return Parsed(error="not_a_number")
    if isinstance(raw, (int, float)):
        number = float(raw)
    else:
        text = str(raw).strip().lower()
        match = NUMBER_RE.search(text)
        if match:
            try:
                number = float(match.group().replace(",", ""))
            except ValueError:
                return Parsed(error="not_a_number")
        else:
            words = re.sub(r"[^a-z ]", " ", text)
            words = re.sub(r"\s+", " ", words).strip()
            from_words = _number_from_words(words)
            if from_words is None:
                return Parsed(error="not_a_number")
            number = from_words
    if not math.isfinite(number):  # "9" * 400 or a payload's 1e999: int() would raise
        return Parsed(error="not_a_number" if math.isnan(number) else "too_many" if number > 0 else "not_positive")
    if number != int(number):
        return Parsed(error="not_whole")
    if number <= 0:
        return Parsed(error="not_positive")
    if number > max_quantity:
        return Parsed(error="too_many")
    return Parsed(value=int(number))


def _number_from_words(words: str) -> float | None:
    if words in _NUMBER_WORDS:
        return _NUMBER_WORDS[words]
    # Longest phrase first, so "a couple" wins over "a".
    for phrase in sorted(_NUMBER_WORDS, key=len, reverse=True):
        if re.search(rf"\b{re.escape(phrase)}\b", words) and phrase not in {"a", "an", "no"}:
            return _NUMBER_WORDS[phrase]
    return None
