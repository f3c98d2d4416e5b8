"""Rows that workers take in turn, shared by the outbox of messages (shop/outbound/outbox.py)
and the deliveries that leave the database (shop/integrations/deliveries.py): a table whose rows
have `status`, `due_at`, `attempts`, `locked_until` and `last_error`.

Workers claim due rows for a lease (`claim`): on PostgreSQL with SELECT ... FOR UPDATE SKIP
LOCKED, so workers side by side take different rows; everywhere, the claim itself is a
conditional UPDATE that only one worker can win. A claim whose worker died runs out and the row
is claimed again: a restart loses nothing. A failure is retried after a delay doubling each
time (`backoff`) and the row parked with its error after the last attempt."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from shop.clock import naive_utc

PENDING, SENDING, SENT, PARKED = "pending", "sending", "sent", "parked"
LEASE = timedelta(minutes=2)  # longer than one send may take (every sender's timeout is below it)


def backoff(failures: int, attempts: int, first_delay: timedelta, max_delay: timedelta) -> timedelta | None:
    """How long to wait after the `failures`-th failed attempt; None: park the row."""
    if failures >= attempts:
        return None
    return min(first_delay * 2 ** (failures - 1), max_delay)


def _due(model: Any, now: datetime):
    now = naive_utc(now)
    return or_(
        and_(model.status == PENDING, model.due_at <= now),
        and_(model.status == SENDING, model.locked_until <= now),  # its worker died
    )


def claim(session: Session, model: Any, now: datetime, limit: int = 10, lease: timedelta = LEASE) -> list[int]:
    """The ids of up to `limit` due rows, now this worker's until the lease ends; the caller
    commits. Oldest due first."""
    query = select(model.id, model.status, model.locked_until).where(_due(model, now))
    query = query.order_by(model.due_at, model.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for row_id, status, locked_until in session.execute(query).all():
        # Only the claim that still sees the row as it was read wins (SQLite has no row locks).
        seen = model.locked_until.is_(None) if locked_until is None else model.locked_until == locked_until
        won = session.execute(
            update(model)
            .where(model.id == row_id, model.status == status, seen)
            .values(status=SENDING, locked_until=naive_utc(now + lease))
            .execution_options(synchronize_session=False)
        )
        if won.rowcount == 1:
            claimed.append(row_id)
    return claimed


def settle(session: Session, model: Any, row_id: int, **values: Any) -> bool:
    """Changes a row this worker holds; False when it is no longer being sent (settled already)."""
    result = session.execute(
        update(model)
        .where(model.id == row_id, model.status == SENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def record_failure(
    session: Session,
    model: Any,
    row_id: int,
    error: str,
    now: datetime,
    delay_after: Callable[[int], timedelta | None],
) -> str | None:
    """A failed send: one more attempt counted, pending again after `delay_after(attempts)`, or
    parked with the error when that is None (see `backoff`). The status it got, None when it was
    settled after all."""
    row = session.get(model, row_id)
    if row is None or row.status != SENDING:
        return None
    delay = delay_after(row.attempts + 1)
    status = PARKED if delay is None else PENDING
    due_at = row.due_at if delay is None else naive_utc(now + delay)
    settled = settle(
        session,
        model,
        row_id,
        status=status,
        attempts=row.attempts + 1,
        due_at=due_at,
        locked_until=None,
        last_error=error[:2000],
    )
    return status if settled else None
