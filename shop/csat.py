"""Customer satisfaction (CSAT): once a conversation reached an outcome (an order placed, a
refund filed, a meeting booked, an agent's chat closed), the customer is asked once for a
rating from 1 to 5 and an optional comment. Never a contact who opted out, never twice in a
day. The question and the answer are kept in csat_responses; the funnel reads them."""

import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.contacts import is_opted_out
from shop.models import CsatResponse
from shop.parsing.numbers import CARDINALS

FORM = "csat_form"  # the form that asks it (actions/csat.py); the web app asks it as that form does
OUTCOMES = ("order", "refund", "booking", "agent_closed")
ASK_AGAIN_AFTER = timedelta(days=1)
MAX_COMMENT = 500
LOWEST, HIGHEST = 1, 5

# Words that say a rating on their own ("great" is a 5, "meh" a 3).
RATING_WORDS = {
    **{word: value for word, value in CARDINALS.items() if LOWEST <= value <= HIGHEST},
    "terrible": 1,
    "awful": 1,
    "horrible": 1,
    "useless": 1,
    "bad": 2,
    "poor": 2,
    "not great": 2,
    "meh": 3,
    "ok": 3,
    "okay": 3,
    "average": 3,
    "fine": 3,
    "good": 4,
    "pretty good": 4,
    "great": 5,
    "excellent": 5,
    "amazing": 5,
    "perfect": 5,
    "awesome": 5,
    "fantastic": 5,
}
_OUT_OF = re.compile(r"\d\s*(?:/|out of)\s*5\b")
_STAR = "\u2b50"


def parse_rating(text: object) -> int | None:
    """'4', '4/5', '4 out of 5', 'four stars', 'great', '⭐⭐⭐' -> 1..5; anything else None
    ('10', '0', '3.5', two different numbers, an unrelated sentence)."""
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, int):
        return text if LOWEST <= text <= HIGHEST else None
    value = str(text).strip().lower()
    if value and set(value) <= {_STAR, "*", " ", "\ufe0f"}:
        stars = value.count(_STAR) + value.count("*")
        return stars if LOWEST <= stars <= HIGHEST else None
    numbers = re.findall(r"\d+(?:\.\d+)?", value)
    if numbers:
        # "4/5" and "4 out of 5" hold the scale's 5 too: the rating is the first number.
        on_the_scale = len(numbers) == 2 and numbers[1] == "5" and _OUT_OF.search(value)
        if (len(numbers) == 1 or on_the_scale) and numbers[0] in ("1", "2", "3", "4", "5"):
            return int(numbers[0])
        return None
    words = re.sub(r"[^a-z ]", " ", value)
    words = re.sub(r"\s+", " ", words).strip()
    words = re.sub(r"\s*\bstars?\b", "", words).strip()
    return RATING_WORDS.get(words)


def may_ask(session: Session, sender_id: str, now: datetime) -> bool:
    """Whether the customer may be asked now: not opted out, not asked in the last day."""
    if is_opted_out(session, sender_id):
        return False
    last = session.scalar(
        select(CsatResponse.asked_at)
        .where(CsatResponse.sender_id == sender_id)
        .order_by(CsatResponse.asked_at.desc())
        .limit(1)
    )
    return last is None or now - last >= ASK_AGAIN_AFTER


def record_asked(session: Session, sender_id: str, outcome: str, now: datetime) -> CsatResponse:
    question = CsatResponse(sender_id=sender_id, outcome=outcome if outcome in OUTCOMES else "order", asked_at=now)
    session.add(question)
    session.flush()
    return question


def latest_question(session: Session, sender_id: str) -> CsatResponse | None:
    return session.scalar(
        select(CsatResponse)
        .where(CsatResponse.sender_id == sender_id)
        .order_by(CsatResponse.asked_at.desc(), CsatResponse.id.desc())
        .limit(1)
    )


def record_answer(
    session: Session, sender_id: str, rating: int | None, comment: str | None, now: datetime
) -> CsatResponse | None:
    """The answer to the latest question (a rating outside 1..5 is not kept); None if never asked."""
    question = latest_question(session, sender_id)
    if question is None:
        return None
    if rating is not None and LOWEST <= rating <= HIGHEST:
        question.rating = rating
        question.answered_at = now
    cleaned = (comment or "").strip()[:MAX_COMMENT]
    if cleaned and question.rating is not None:
        question.comment = cleaned
    session.flush()
    return question
