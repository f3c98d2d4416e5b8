"""The outbox worker's one pass: claim due messages, ask the rules about each, and send it
through Rasa, hold it until it may go, move it to another channel, or drop it with the reason.
A failed send is retried with backoff and parked after the last attempt (shop/outbound/outbox).
Nothing is kept in memory between passes: the database is the schedule."""

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from shop.clock import now_utc
from shop.models import OutboundMessage
from shop.outbound import facts, outbox
from shop.outbound.rasa_api import SendFailed
from shop.outbound.rules import DROP, ELSEWHERE, SEND, WAIT, Rules, decide

logger = logging.getLogger(__name__)


class Sender(Protocol):
    def send(self, sender_id: str, channel: str, message_id: int) -> None: ...


def _moved_elsewhere(session: Session, message: OutboundMessage, reason: str) -> str:
    """Offers the message on the person's first other channel that may take it; the reason kept."""
    others = facts.other_channels(session, message)
    if not others:
        outbox.drop(session, message.id, f"{reason}; no other channel opted in")
        return DROP
    copy = OutboundMessage(
        **{
            column: getattr(message, column)
            for column in ("message_type", "kind", "response", "variables", "slots", "subject", "due_at")
        },
        sender_id=others[0].sender_id,
        channel=others[0].channel,
        timezone=others[0].timezone or message.timezone,
        status=outbox.PENDING,
        attempts=0,
    )
    session.add(copy)
    session.flush()
    outbox.drop(session, message.id, f"{reason}; offered on {copy.channel} instead (message {copy.id})")
    return ELSEWHERE


def _prepare(session: Session, rules: Rules, message_id: int, now: datetime) -> OutboundMessage | None:
    """The message when it is to be sent now; otherwise it is held, moved or dropped here."""
    message = session.get(OutboundMessage, message_id)
    if message is None or message.status != outbox.SENDING:
        return None
    verdict = decide(rules, facts.situation(session, rules, message, now), now)
    if verdict.action == WAIT and verdict.at is not None:
        outbox.postpone(session, message_id, verdict.at, verdict.reason)
        logger.info("Outbound message %s waits until %s: %s.", message_id, verdict.at.isoformat(), verdict.reason)
    elif verdict.action == ELSEWHERE:
        _moved_elsewhere(session, message, verdict.reason)
    elif verdict.action == SEND:
        outbox.set_tag(session, message_id, verdict.tag)
        return message
    else:
        outbox.drop(session, message_id, verdict.reason)
        logger.info("Outbound message %s dropped: %s.", message_id, verdict.reason)
    return None


def send_one(sessions: sessionmaker, rules: Rules, sender: Sender, message_id: int, now: datetime) -> str:
    """One claimed message through the rules and, if they allow, to Rasa; its status after."""
    with sessions.begin() as session:
        message = _prepare(session, rules, message_id, now)
        if message is None:
            return str(session.get(OutboundMessage, message_id).status)
        sender_id, channel = message.sender_id, message.channel
    try:
        sender.send(sender_id, channel, message_id)
    except SendFailed as error:
        error_text = str(error)
    else:
        with sessions.begin() as session:
            status = session.get(OutboundMessage, message_id).status
            if status == outbox.SENT:
                return outbox.SENT
        # Rasa answered, yet no action delivered it: e.g. a model without the EXTERNAL_ rule.
        error_text = "Rasa answered but action_send_outbound did not deliver the message"
    with sessions.begin() as session:
        status = outbox.record_failure(session, rules, message_id, error_text, now)
        logger.warning("Outbound message %s failed (%s): %s", message_id, status, error_text)
        return status or outbox.SENT


def run_once(
    sessions: sessionmaker,
    rules: Rules,
    sender: Sender,
    now: Callable[[], datetime] = now_utc,
    batch: int = 5,
) -> dict[int, str]:
    """Claims a batch of due messages and handles each; {message id: status after}."""
    with sessions.begin() as session:
        claimed = outbox.claim(session, now(), limit=batch)
    return {message_id: send_one(sessions, rules, sender, message_id, now()) for message_id in claimed}
