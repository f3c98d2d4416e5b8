"""The inbox's clock: every few seconds it reassigns what agents left unanswered, assigns the
queue, gives the bot back what nobody answered at all, and closes what the customer left by
restarting the chat (Rasa unpauses a restarted or expired conversation)."""

import asyncio
import logging
from contextlib import nullcontext
from datetime import datetime, timedelta

from redis import RedisError
from sqlalchemy import select

from shop import clock, shared_state
from shop.clock import now_utc
from shop.handoff import assignment
from shop.handoff.assignment import OPEN_STATUSES, HandoffError
from shop.handoff.routing import load_config
from shop.models import Handoff
from shop.responses import render
from web.db_thread import Transaction, in_thread
from web.rasa_client import RasaClient, RasaError

logger = logging.getLogger(__name__)
# The trackers of open conversations are read every this many sweeps (the queue every sweep).
TRACKER_CHECK_EVERY = 6
SETTLE = timedelta(seconds=30)


def _held(lock: asyncio.Lock | None):
    """The web app's database lock (see web.inbox.with_agent), or nothing to hold."""
    return lock if lock is not None else nullcontext()


async def give_back_overdue(
    db_url: str, rasa: RasaClient, now: datetime, lock: asyncio.Lock | None = None
) -> list[int]:
    """Closes each overdue handoff and resumes its bot, one at a time: if Rasa cannot be reached
    the handoff stays open and the next sweep tries again."""
    config = load_config()
    due = await in_thread(db_url, assignment.overdue, config, now)
    returned = []
    for handoff_id in due:
        async with _held(lock):
            if await _give_back(db_url, rasa, config, handoff_id, now):
                returned.append(handoff_id)
    return returned


async def _give_back(db_url: str, rasa: RasaClient, config, handoff_id: int, now: datetime) -> bool:
    def close_it(session) -> tuple[str, str, str] | None:
        try:
            handoff = assignment.close(
                session,
                handoff_id,
                now,
                closed_by="timeout",
                note=(f"Nobody answered within {config.assignment['return_to_bot_after_minutes']} minutes."),
            )
        except HandoffError:  # closed meanwhile
            return None
        return handoff.sender_id, handoff.team, handoff.reference

    async with Transaction(db_url) as db:
        closed = await db.run(close_it)
        if closed is None:
            return False
        sender_id, team, reference = closed
        try:
            words = render("utter_handoff_returned", team_name=config.team_name(team))
            await rasa.resume(sender_id, words["text"], buttons=words["buttons"])
        except RasaError as problem:
            await db.rollback()
            logger.warning("Could not give handoff %s back to the bot: %s", reference, problem)
            return False
    return True


def _open_handoffs(session, settled: datetime) -> dict[int, str]:
    query = select(Handoff.id, Handoff.sender_id).where(
        Handoff.status.in_(OPEN_STATUSES), Handoff.created_at <= settled
    )
    return dict(session.execute(query).all())


def _close_left(session, handoff_id: int, now: datetime) -> bool:
    try:
        assignment.close(
            session, handoff_id, now, closed_by="customer", note="The customer restarted the chat, or it timed out."
        )
    except HandoffError:
        return False
    return True


async def close_abandoned(db_url: str, rasa: RasaClient, now: datetime, lock: asyncio.Lock | None = None) -> list[int]:
    """Closes open handoffs whose conversation Rasa no longer holds paused. A new handoff is
    left alone for a while: Rasa pauses the conversation just after the action has opened it."""
    open_ones = await in_thread(db_url, _open_handoffs, clock.naive_utc(now) - SETTLE)
    closed = []
    for handoff_id, sender_id in open_ones.items():
        try:
            paused = (await rasa.tracker(sender_id)).get("paused")
        except RasaError:
            continue
        if paused is False:
            async with _held(lock):
                if await in_thread(db_url, _close_left, handoff_id, now):
                    closed.append(handoff_id)
    return closed


async def sweep_once(
    db_url: str, rasa: RasaClient, now: datetime, check_trackers: bool, lock: asyncio.Lock | None = None
) -> None:
    async with _held(lock):
        await in_thread(db_url, assignment.sweep, load_config(), now)
    await give_back_overdue(db_url, rasa, now, lock)
    if check_trackers:
        await close_abandoned(db_url, rasa, now, lock)


async def run_forever(db_url: str, rasa: RasaClient, every: float, lock: asyncio.Lock | None = None) -> None:
    rounds = 0
    # One web app at a time sweeps (a lease in Redis when several share the inbox); the lease
    # lapses after a few missed rounds, so another takes over when its holder stops.
    turn = shared_state.lease("inbox:sweep")
    redis_down = False
    while True:
        await asyncio.sleep(every)
        try:
            if await asyncio.to_thread(turn.acquire, max(3 * every, 5.0)):
                await sweep_once(db_url, rasa, now_utc(), rounds % TRACKER_CHECK_EVERY == 0, lock)
                rounds += 1
            if redis_down:
                logger.warning("Inbox sweep: Redis answers again")
            redis_down = False
        except RedisError as error:  # an outage is said once, not with a traceback every round
            if not redis_down:
                logger.warning("Inbox sweep paused: Redis cannot be reached (%s); trying every %s s", error, every)
            redis_down = True
        except Exception:
            logger.exception("Inbox sweep failed; trying again in %s s", every)
