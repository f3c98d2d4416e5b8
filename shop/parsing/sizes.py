"""Sizes and other picks among known words (colors) from free text."""

import re
from collections.abc import Iterable
from typing import Any

from shop.parsing import Parsed
from shop.parsing.numbers import NUMBER_RE

SIZE_WORDS = {
    "extra small": "XS",
    "xs": "XS",
    "small": "S",
    "sm": "S",
    "s": "S",
    "medium": "M",
    "med": "M",
    "m": "M",
    "large": "L",
    "lg": "L",
    "l": "L",
    "extra large": "XL",
    "x-large": "XL",
    "xl": "XL",
    "xxl": "XXL",
}


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
        number = NUMBER_RE.fullmatch(candidate)
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
