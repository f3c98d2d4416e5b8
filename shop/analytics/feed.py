"""Published events into conversation_events: each kept once, whatever order they come in
and however often (the consumer may be handed an event again after a restart)."""

from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.analytics.facts import Fact, fact_from_event
from shop.models import ConversationEvent


def record_events(session: Session, events: Iterable[Any]) -> int:
    """Keeps the facts of `events` not kept yet; returns how many were new. In the caller's
    transaction."""
    facts: dict[str, Fact] = {}
    for event in events:
        fact = fact_from_event(event)
        if fact is not None:
            facts.setdefault(fact.key, fact)
    if not facts:
        return 0
    known = set(session.scalars(select(ConversationEvent.key).where(ConversationEvent.key.in_(list(facts)))))
    new = [fact for key, fact in facts.items() if key not in known]
    session.add_all(ConversationEvent(**asdict(fact)) for fact in new)
    session.flush()
    return len(new)
