"""Turn what a customer typed into clean values, or say precisely why it is not one."""
import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Optional

MAX_QUANTITY = 10  # per order line: larger orders are business orders for the sales team

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "single": 1, "just one": 1, "a single": 1,
    "two": 2, "a couple": 2, "couple": 2, "a pair": 2, "pair": 2,
    "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "a dozen": 12, "dozen": 12,
    "zero": 0, "none": 0, "no": 0,
    "twenty": 20, "fifty": 50, "hundred": 100, "a hundred": 100,
    "thousand": 1000, "a thousand": 1000, "million": 1_000_000, "a million": 1_000_000,
}
_NUMBER_RE = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")
_ORDER_ID_RE = re.compile(r"\b([a-z])\s*-?\s*(\d{4,6})\b", re.IGNORECASE)
# Customers often leave out the letter: every order number the shop issues starts with A.
_BARE_ORDER_NUMBER_RE = re.compile(r"(?<![\w@.])#?(\d{4,6})\b(?![@.]\w)")
ORDER_LETTER = "A"
# Pragmatic address check: one @, a dot in the domain, no spaces; the shop sends real mail
# only to addresses it already has on an order, so this only catches typos.
_EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_EMAIL_IN_TEXT_RE = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

SIZE_WORDS = {
    "extra small": "XS", "xs": "XS", "small": "S", "sm": "S", "s": "S",
    "medium": "M", "med": "M", "m": "M", "large": "L", "lg": "L", "l": "L",
    "extra large": "XL", "x-large": "XL", "xl": "XL", "xxl": "XXL",
}


@dataclass(frozen=True)
class Parsed:
    """A parsed value, or the reason there is none (a key the actions turn into words)."""

    value: Any = None
    error: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.error is None


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
        match = _NUMBER_RE.search(text)
        if match:
            try:
                number = float(match.group().replace(",", ""))
            except ValueError:
                return Parsed(error="not_a_number")
        else:
            words = re.sub(r"[^a-z ]", " ", text)
            words = re.sub(r"\s+", " ", words).strip()
            number = _number_from_words(words)
            if number is None:
                return Parsed(error="not_a_number")
    if not math.isfinite(number):  # "9" * 400 or a payload's 1e999: int() would raise
        return Parsed(error="not_a_number" if math.isnan(number) else
                      "too_many" if number > 0 else "not_positive")
    if number != int(number):
        return Parsed(error="not_whole")
    if number <= 0:
        return Parsed(error="not_positive")
    if number > max_quantity:
        return Parsed(error="too_many")
    return Parsed(value=int(number))


def _number_from_words(words: str) -> Optional[float]:
    if words in _NUMBER_WORDS:
        return _NUMBER_WORDS[words]
    # Longest phrase first, so "a couple" wins over "a".
    for phrase in sorted(_NUMBER_WORDS, key=len, reverse=True):
        if re.search(rf"\b{re.escape(phrase)}\b", words) and phrase not in {"a", "an", "no"}:
            return _NUMBER_WORDS[phrase]
    return None


def parse_order_id(raw: Any) -> Parsed:
    """'a1003', 'A-1003', 'order A1003', '1003' -> 'A1003'."""
    if raw is None or not str(raw).strip():
        return Parsed(error="missing")
    match = _ORDER_ID_RE.search(str(raw))
    if not match:
        bare = _BARE_ORDER_NUMBER_RE.search(str(raw))
        if bare:
            return Parsed(value=f"{ORDER_LETTER}{bare.group(1)}")
        return Parsed(error="malformed")
    return Parsed(value=f"{match.group(1).upper()}{match.group(2)}")


def parse_email(raw: Any) -> Parsed:
    if raw is None or not str(raw).strip():
        return Parsed(error="missing")
    text = str(raw).strip().strip(".,;:!?<>()[]\"'")
    if not _EMAIL_RE.match(text):
        found = _EMAIL_IN_TEXT_RE.search(str(raw))
        if not found:
            return Parsed(error="malformed")
        text = found.group()
    if ".." in text or len(text) > 254:
        return Parsed(error="malformed")
    return Parsed(value=text.lower())


def parse_size(raw: Any, allowed: Iterable[str]) -> Parsed:
    """Match what was said against the sizes a product comes in: 'size 10', 'medium', 'xl'."""
    allowed = list(allowed)
    if raw is None or not str(raw).strip():
        return Parsed(error="missing")
    text = str(raw).strip().lower()
    text = re.sub(r"\b(size|sz|a|an|in|the|please|actually|make it|i'm|im|i am)\b", " ", text)
    text = re.sub(r"[^a-z0-9.\- ]", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    by_lower = {size.lower(): size for size in allowed}
    candidates = [text] + text.split()
    for candidate in candidates:
        if candidate in by_lower:
            return Parsed(value=by_lower[candidate])
        word = SIZE_WORDS.get(candidate)
        if word and word.lower() in by_lower:
            return Parsed(value=by_lower[word.lower()])
        number = _NUMBER_RE.fullmatch(candidate)
        if number:
            normalized = candidate.rstrip("0").rstrip(".") if "." in candidate else candidate
            if normalized in by_lower:
                return Parsed(value=by_lower[normalized])
    return Parsed(error="unknown_size")


def parse_choice(raw: Any, allowed: Iterable[str]) -> Parsed:
    """A free-text pick among known words (colors): 'the navy one' -> 'navy'."""
    if raw is None or not str(raw).strip():
        return Parsed(error="missing")
    text = str(raw).strip().lower()
    for option in sorted(allowed, key=len, reverse=True):
        if re.search(rf"\b{re.escape(option.lower())}\b", text):
            return Parsed(value=option)
    return Parsed(error="unknown_choice")


_ORDER_ID_IN_TEXT_RE = re.compile(rf"\b{ORDER_LETTER}\s*-?\s*(\d{{4,6}})\b", re.IGNORECASE)
_BOOKING_REF_RE = re.compile(r"\bM\s*-?\s*(\d{4,6})\b", re.IGNORECASE)


def without_emails(text: Any) -> str:
    """The text with email addresses taken out: 'bob.friday@x.com' names no day or order."""
    return _EMAIL_IN_TEXT_RE.sub(" ", str(text or ""))


def find_order_id(text: Any) -> Optional[str]:
    """An order number written as the shop writes it ('A1003', 'a-1003') anywhere in a sentence;
    a bare number is not taken here, since out of turn it may as well be a year or a size."""
    match = _ORDER_ID_IN_TEXT_RE.search(without_emails(text))
    return f"{ORDER_LETTER}{match.group(1)}" if match else None


def find_booking_ref(text: Any) -> Optional[str]:
    """A meeting's booking reference ('M3001', 'm-3001') anywhere in a sentence."""
    match = _BOOKING_REF_RE.search(without_emails(text))
    return f"M{match.group(1)}" if match else None
