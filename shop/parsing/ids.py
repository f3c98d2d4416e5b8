"""Order ids, booking references and email addresses, alone or inside a sentence."""

import re
from typing import Any

from shop.parsing import Parsed

_ORDER_ID_RE = re.compile(r"\b([a-z])\s*-?\s*(\d{4,6})\b", re.IGNORECASE)
# Customers often leave out the letter: every order number the shop issues starts with A.
_BARE_ORDER_NUMBER_RE = re.compile(r"(?<![\w@.])#?(\d{4,6})\b(?![@.]\w)")
ORDER_LETTER = "A"
# Pragmatic address check: one @, a dot in the domain, no spaces; the shop sends real mail
# only to addresses it already has on an order, so this only catches typos.
EMAIL_PATTERN = r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_EMAIL_RE = re.compile(rf"^{EMAIL_PATTERN}$")
_EMAIL_IN_TEXT_RE = re.compile(EMAIL_PATTERN)
# References as the shop writes them, the way the NLU pattern extractor finds them
# (addons/pattern_entity_extractor.py); the parsers here also take looser forms.
ORDER_ID_PATTERN = r"\bA-?\d{4,6}\b"
BOOKING_REF_PATTERN = r"\bM-?\d{4,6}\b"
ENTITY_PATTERNS = {"order_id": ORDER_ID_PATTERN, "booking_ref": BOOKING_REF_PATTERN, "email": EMAIL_PATTERN}
UPPER_CASE_ENTITIES = ("order_id", "booking_ref")


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


_ORDER_ID_IN_TEXT_RE = re.compile(rf"\b{ORDER_LETTER}\s*-?\s*(\d{{4,6}})\b", re.IGNORECASE)
_BOOKING_REF_RE = re.compile(r"\bM\s*-?\s*(\d{4,6})\b", re.IGNORECASE)


def without_emails(text: Any) -> str:
    """The text with email addresses taken out: 'bob.friday@x.com' names no day or order."""
    return _EMAIL_IN_TEXT_RE.sub(" ", str(text or ""))


def find_order_id(text: Any) -> str | None:
    """An order number written as the shop writes it ('A1003', 'a-1003') anywhere in a sentence;
    a bare number is not taken here, since out of turn it may as well be a year or a size."""
    match = _ORDER_ID_IN_TEXT_RE.search(without_emails(text))
    return f"{ORDER_LETTER}{match.group(1)}" if match else None


def find_booking_ref(text: Any) -> str | None:
    """A meeting's booking reference ('M3001', 'm-3001') anywhere in a sentence."""
    match = _BOOKING_REF_RE.search(without_emails(text))
    return f"M{match.group(1)}" if match else None
