"""The life of a handed-over conversation: opened once per contact, assigned to an online agent of
its team (round robin, or fewest open), reassigned when the agent does not answer in time, taken,
answered and closed. State changes are conditional UPDATEs, so the action server and the web app
can both act on a handoff without trampling each other."""

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop.clock import naive_utc
from shop.handoff.routing import InboxConfig, agent_teams
from shop.integrations import events
from shop.models import Agent, Handoff, HandoffEvent

OPEN_STATUSES = ("queued", "assigned", "active")
HELD_STATUSES = ("assigned", "active")
CLOSING_NOTE_LIMIT = 2000


class HandoffError(ValueError):
    """An inbox request that cannot be done; the message says why, for the agent."""


def log(
    session: Session, handoff: Handoff, kind: str, now: datetime, agent_id: int | None = None, note: str | None = None
) -> None:
    session.add(HandoffEvent(handoff_id=handoff.id, kind=kind, agent_id=agent_id, at=naive_utc(now), note=note))


def open_handoff_of(session: Session, sender_id: str) -> Handoff | None:
    return session.scalar(select(Handoff).where(Handoff.sender_id == sender_id, Handoff.status.in_(OPEN_STATUSES)))


def _changed(session: Session, handoff: Handoff, guard: Sequence, **values) -> bool:
    """UPDATE the handoff only while `guard` still holds; refreshes it. True when it changed."""
    result = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff.id, *guard)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(handoff)
    return result.rowcount == 1


# --------------------------------------------------------------------------- opening


def open_handoff(
    session: Session,
    config: InboxConfig,
    *,
    sender_id: str,
    channel: str,
    team: str,
    reason: str,
    context: dict,
    now: datetime,
) -> tuple[Handoff, bool]:
    """The contact's open handoff, or a new one queued for `team` and assigned when an agent is
    free. Returns (handoff, created). Call it first in its transaction: losing the race to
    another process rolls the transaction back."""
    existing = open_handoff_of(session, sender_id)
    if existing is not None:
        return existing, False
    handoff = Handoff(
        sender_id=sender_id,
        channel=channel or "rest",
        team=team,
        reason=reason,
        status="queued",
        context=json.dumps(context, default=str),
        created_at=naive_utc(now),
    )
    session.add(handoff)
    try:
        session.flush()
    except IntegrityError:  # the same contact, at the same moment, from another process
        session.rollback()
        existing = open_handoff_of(session, sender_id)
        if existing is None:  # the other one was closed in between: nothing to join
            raise HandoffError("the conversation's handoff changed meanwhile; try again") from None
        return existing, False
    log(session, handoff, "queued", now, note=team)
    assign(session, config, handoff, now)
    events.handoff_opened(session, handoff)
    return handoff, True


# --------------------------------------------------------------------------- assignment


def is_present(agent: Agent, config: InboxConfig, now: datetime) -> bool:
    timeout = timedelta(seconds=config.assignment["presence_timeout_seconds"])
    return bool(agent.active and agent.online and agent.last_seen_at and agent.last_seen_at >= naive_utc(now) - timeout)


def online_agents(session: Session, config: InboxConfig, team: str, now: datetime) -> list[Agent]:
    agents = session.scalars(select(Agent).where(Agent.active.is_(True), Agent.online.is_(True)).order_by(Agent.id))
    return [a for a in agents if team in agent_teams(a.teams) and is_present(a, config, now)]


def held_counts(session: Session, agent_ids: Iterable[int]) -> dict[int, int]:
    """How many open conversations each agent holds (assigned or active)."""
    ids = list(agent_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Handoff.agent_id, func.count())
        .where(Handoff.agent_id.in_(ids), Handoff.status.in_(HELD_STATUSES))
        .group_by(Handoff.agent_id)
    )
    return {agent_id: count for agent_id, count in rows}  # noqa: C416 (a Row has keys(): dict() misreads it)


def pick_agent(strategy: str, candidates: Sequence[Agent], held: dict[int, int], cap: int) -> Agent | None:
    """Round robin: whoever was assigned longest ago. Least open: whoever holds fewest, then
    longest ago. Agents at their cap are skipped."""
    eligible = [a for a in candidates if held.get(a.id, 0) < cap]
    if not eligible:
        return None

    def last(agent: Agent) -> datetime:
        return agent.last_assigned_at or datetime.min  # noqa: DTZ901 (stored naive UTC)

    if strategy == "round_robin":
        return min(eligible, key=lambda a: (last(a), a.id))
    return min(eligible, key=lambda a: (held.get(a.id, 0), last(a), a.id))


def assign(
    session: Session,
    config: InboxConfig,
    handoff: Handoff,
    now: datetime,
    exclude: frozenset[int] | set[int] = frozenset(),
) -> Agent | None:
    """Gives a queued handoff to an online agent of its team; None when nobody is free."""
    candidates = [a for a in online_agents(session, config, handoff.team, now) if a.id not in exclude]
    agent = pick_agent(
        config.teams[handoff.team]["assignment"],
        candidates,
        held_counts(session, [a.id for a in candidates]),
        int(config.assignment["max_open_per_agent"]),
    )
    if agent is None:
        return None
    if not _changed(
        session, handoff, [Handoff.status == "queued"], status="assigned", agent_id=agent.id, assigned_at=naive_utc(now)
    ):
        return None
    agent.last_assigned_at = naive_utc(now)
    log(session, handoff, "assigned", now, agent_id=agent.id)
    return agent


def _unanswered_by(session: Session, handoff: Handoff) -> set[int]:
    """Agents this handoff was taken from because they did not answer."""
    return set(
        session.scalars(
            select(HandoffEvent.agent_id).where(
                HandoffEvent.handoff_id == handoff.id, HandoffEvent.kind == "unanswered"
            )
        )
    )


def sweep(session: Session, config: InboxConfig, now: datetime) -> None:
    """Reassigns what its agent left unanswered too long, then assigns the queue, oldest first."""
    late = naive_utc(now) - timedelta(seconds=config.assignment["reassign_after_seconds"])
    for handoff in session.scalars(
        select(Handoff).where(Handoff.status == "assigned", Handoff.assigned_at <= late).order_by(Handoff.id)
    ).all():
        previous = handoff.agent_id
        if _changed(
            session,
            handoff,
            [Handoff.status == "assigned", Handoff.agent_id == previous],
            status="queued",
            agent_id=None,
        ):
            log(session, handoff, "unanswered", now, agent_id=previous)
    for handoff in session.scalars(select(Handoff).where(Handoff.status == "queued").order_by(Handoff.id)).all():
        assign(session, config, handoff, now, exclude=_unanswered_by(session, handoff))


def overdue(session: Session, config: InboxConfig, now: datetime) -> list[int]:
    """Handoffs nobody has answered at all for too long: the bot should take them back."""
    give_up = naive_utc(now) - timedelta(minutes=config.assignment["return_to_bot_after_minutes"])
    return list(
        session.scalars(
            select(Handoff.id)
            .where(Handoff.status.in_(("queued", "assigned")), Handoff.created_at <= give_up)
            .order_by(Handoff.id)
        )
    )


# --------------------------------------------------------------------------- agents at work


def _get(session: Session, handoff_id: int) -> Handoff:
    handoff = session.get(Handoff, handoff_id)
    if handoff is None:
        raise HandoffError("There is no such conversation.")
    return handoff


def _check_team(agent: Agent, handoff: Handoff) -> None:
    if handoff.team not in agent_teams(agent.teams):
        raise HandoffError(f"This conversation belongs to the {handoff.team} team.")


def take(session: Session, handoff_id: int, agent: Agent, now: datetime) -> tuple[Handoff, bool]:
    """The agent takes the conversation (from the queue, or one assigned to anyone). Returns
    (handoff, joined): joined is True when the agent has just joined it."""
    handoff = _get(session, handoff_id)
    _check_team(agent, handoff)
    if handoff.status == "closed":
        raise HandoffError("This conversation is already closed.")
    if handoff.status == "active":
        if handoff.agent_id == agent.id:
            return handoff, False
        raise HandoffError(f"{handoff.agent.name} is already answering this conversation.")
    previous = handoff.status, handoff.agent_id
    guard = [
        Handoff.status == previous[0],
        Handoff.agent_id.is_(None) if previous[1] is None else Handoff.agent_id == previous[1],
    ]
    if not _changed(
        session, handoff, guard, status="active", agent_id=agent.id, assigned_at=handoff.assigned_at or naive_utc(now)
    ):
        raise HandoffError("Someone else took this conversation a moment ago.")
    log(session, handoff, "taken", now, agent_id=agent.id)
    return handoff, True


def record_reply(session: Session, handoff_id: int, agent: Agent, now: datetime) -> tuple[Handoff, bool]:
    """Checks the agent may reply (replying to an unanswered one takes it) and notes the first
    reply. Returns (handoff, joined)."""
    handoff, joined = take(session, handoff_id, agent, now)
    if handoff.first_reply_at is None:
        _changed(session, handoff, [Handoff.first_reply_at.is_(None)], first_reply_at=naive_utc(now))
    return handoff, joined


def close(
    session: Session,
    handoff_id: int,
    now: datetime,
    *,
    closed_by: str,
    agent: Agent | None = None,
    note: str | None = None,
) -> Handoff:
    """Closes an open handoff; an agent closes only their own, with a closing note."""
    handoff = _get(session, handoff_id)
    if handoff.status == "closed":
        raise HandoffError("This conversation is already closed.")
    if agent is not None:
        note = (note or "").strip()
        if not note:
            raise HandoffError("Add a closing note: what was done, and what is left.")
        if len(note) > CLOSING_NOTE_LIMIT:
            raise HandoffError(f"Keep the closing note under {CLOSING_NOTE_LIMIT} characters.")
        if handoff.agent_id != agent.id or handoff.status != "active":
            raise HandoffError("Take the conversation before closing it.")
    if not _changed(
        session,
        handoff,
        [Handoff.status.in_(OPEN_STATUSES)],
        status="closed",
        closed_at=naive_utc(now),
        closed_by=closed_by,
        closing_note=note,
    ):
        raise HandoffError("This conversation is already closed.")
    log(session, handoff, "closed", now, agent_id=agent.id if agent else None, note=note)
    events.handoff_closed(session, handoff)
    return handoff


def set_presence(session: Session, agent: Agent, now: datetime, online: bool | None = None) -> None:
    """A check-in from the agent's inbox; `online` switches availability when given."""
    if online is not None:
        agent.online = bool(online)
    agent.last_seen_at = naive_utc(now)


def inbox_of(session: Session, agent: Agent) -> list[Handoff]:
    """The open conversations of the agent's teams, oldest first."""
    return list(
        session.scalars(
            select(Handoff)
            .where(Handoff.team.in_(agent_teams(agent.teams)), Handoff.status.in_(OPEN_STATUSES))
            .order_by(Handoff.id)
        )
    )
