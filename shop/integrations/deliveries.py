"""The deliveries of what leaves the database (Delivery rows): written in the caller's
transaction, so a delivery exists exactly when the change it tells of was committed, and taken
by workers in turn (shop/work_queue.py: claim for a lease, backoff, parking). One change gives
one delivery per target that takes it; they share the change's `event_id`."""

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shop import work_queue
from shop.clock import naive_utc, now_utc
from shop.integrations.config import EMAIL, Integrations
from shop.models import CrmRecord, Delivery

PENDING, SENDING, SENT, PARKED = work_queue.PENDING, work_queue.SENDING, work_queue.SENT, work_queue.PARKED
STATUSES = (PENDING, SENDING, SENT, PARKED)


def _row(event_id: str, event: str, target: str, payload: dict[str, Any], subject: str | None, now: datetime):
    return Delivery(
        event_id=event_id,
        event=event,
        target=target,
        subject=subject,
        sender_id=None,
        payload=json.dumps(payload, default=str),
        status=PENDING,
        due_at=naive_utc(now),
        attempts=0,
    )


def enqueue(
    session: Session,
    integrations: Integrations,
    event: str,
    data: dict[str, Any],
    *,
    subject: str | None = None,
    sender_id: str | None = None,
    emails: Sequence[tuple[str, dict[str, Any]]] = (),
    now: datetime | None = None,
) -> list[Delivery]:
    """One delivery of `event` to each target that takes it, and one email per (recipient,
    message) of `emails` when email takes it; [] when nothing is configured for it."""
    now = now or now_utc()
    event_id = str(uuid.uuid4())
    envelope = {"id": event_id, "event": event, "occurred_at": now.isoformat(timespec="seconds"), "data": data}
    rows = [_row(event_id, event, target, envelope, subject, now) for target in integrations.targets_of(event)]
    if integrations.emails(event):
        for recipient, message in emails:
            if not recipient:
                continue
            row = _row(event_id, event, EMAIL, message, subject, now)
            row.recipient = recipient[:254]
            rows.append(row)
    for row in rows:
        row.sender_id = sender_id
    session.add_all(rows)
    session.flush()
    return rows


def payload_of(delivery: Delivery) -> dict[str, Any]:
    return json.loads(delivery.payload or "{}")


def claim(session: Session, now: datetime, limit: int = 10) -> list[int]:
    return work_queue.claim(session, Delivery, now, limit)


def mark_sent(session: Session, delivery_id: int, now: datetime) -> bool:
    """Sent, once: False when another worker settled it first."""
    return work_queue.settle(
        session, Delivery, delivery_id, status=SENT, sent_at=naive_utc(now), locked_until=None, last_error=None
    )


def record_failure(
    session: Session, integrations: Integrations, delivery_id: int, error: str, now: datetime
) -> str | None:
    """Retried after a delay doubling each time; parked with the error after the last attempt."""
    return work_queue.record_failure(
        session,
        Delivery,
        delivery_id,
        error,
        now,
        lambda failures: work_queue.backoff(
            failures, integrations.attempts, integrations.first_delay, integrations.max_delay
        ),
    )


def retry(session: Session, delivery_id: int, now: datetime) -> bool:
    """A parked delivery sent again at once (support fixed the receiver): attempts start over."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.status != PARKED:
        return False
    delivery.status, delivery.attempts, delivery.due_at = PENDING, 0, naive_utc(now)
    session.flush()
    return True


def recent(
    session: Session, status: str | None = None, sender_id: str | None = None, limit: int = 100
) -> list[Delivery]:
    """The latest deliveries, newest first, of one status or conversation when given (the inbox)."""
    query = select(Delivery)
    if status:
        query = query.where(Delivery.status == status)
    if sender_id:
        query = query.where(Delivery.sender_id == sender_id)
    return list(session.scalars(query.order_by(Delivery.id.desc()).limit(limit)))


def counts(session: Session) -> dict[str, int]:
    """How many deliveries are in each status."""
    found = dict(session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all())
    return {status: int(found.get(status, 0)) for status in STATUSES}


class CrmRecords:
    """The ids a CRM gave our records, for one target; each remembered at once in its own
    transaction, so a delivery failing halfway does not make the record twice when retried."""

    def __init__(self, sessions: sessionmaker, target: str) -> None:
        self.sessions, self.target = sessions, target

    def get(self, key: str) -> str | None:
        with self.sessions() as session:
            query = select(CrmRecord.remote_id).where(CrmRecord.target == self.target, CrmRecord.key == key)
            return session.scalar(query)

    def remember(self, key: str, remote_id: str) -> None:
        try:
            with self.sessions.begin() as session:
                known = session.scalar(select(CrmRecord).where(CrmRecord.target == self.target, CrmRecord.key == key))
                if known is None:
                    session.add(CrmRecord(target=self.target, key=key[:160], remote_id=str(remote_id)[:64]))
                else:
                    known.remote_id = str(remote_id)[:64]
        except IntegrityError:  # remembered by another worker at the same moment: theirs stands
            pass
