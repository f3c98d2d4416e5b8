"""One pass over the deliveries: claim due ones, hand each to its target's sender, mark it sent
once, or count the failure (retried with backoff, parked with the error after the last try).
Run by the outbox worker beside the outbound messages (`python -m shop.outbound`)."""

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import sessionmaker

from shop.clock import now_utc
from shop.integrations import deliveries
from shop.integrations.config import EMAIL, HUBSPOT, Integrations, configured
from shop.integrations.hubspot import HubSpotSender
from shop.integrations.mail import SmtpSender
from shop.integrations.senders import DeliveryFailed, Parcel, Sender
from shop.integrations.webhooks import WebhookSender
from shop.models import Delivery

logger = logging.getLogger(__name__)


def sender_for(integrations: Integrations, target: str) -> Sender | None:
    """The sender of a target as configured now; None when it is no longer configured."""
    if target == EMAIL:
        return SmtpSender(integrations.email) if integrations.email else None
    if target == HUBSPOT:
        return HubSpotSender(integrations.hubspot) if integrations.hubspot else None
    webhook = integrations.webhook(target)
    return WebhookSender(webhook) if webhook else None


def send_one(
    sessions: sessionmaker,
    integrations: Integrations,
    delivery_id: int,
    now: datetime,
    senders: Callable[[str], Sender | None],
) -> str:
    """One claimed delivery to its target; its status after."""
    with sessions() as session:
        row = session.get(Delivery, delivery_id)
        if row is None or row.status != deliveries.SENDING:
            return row.status if row is not None else "gone"
        parcel = Parcel(
            id=row.id,
            event_id=row.event_id,
            event=row.event,
            target=row.target,
            recipient=row.recipient,
            payload=deliveries.payload_of(row),
            attempt=row.attempts + 1,
        )
    sender = senders(parcel.target)
    try:
        if sender is None:
            raise DeliveryFailed(f"{parcel.target} is not configured any more (seed/integrations.yml, environment)")
        sender.send(parcel, deliveries.CrmRecords(sessions, parcel.target))
    except Exception as error:  # a sender's bug, too, is this delivery's failure, not the worker's end
        text = str(error) if isinstance(error, DeliveryFailed) else f"{error.__class__.__name__}: {error}"
        with sessions.begin() as session:
            status = deliveries.record_failure(session, integrations, delivery_id, text, now)
        logger.warning("Delivery %s (%s to %s) failed (%s): %s", delivery_id, parcel.event, parcel.target, status, text)
        return status or deliveries.SENT
    with sessions.begin() as session:
        deliveries.mark_sent(session, delivery_id, now)
    return deliveries.SENT


def run_once(
    sessions: sessionmaker,
    integrations: Integrations | None = None,
    now: Callable[[], datetime] = now_utc,
    batch: int = 5,
    senders: Callable[[str], Sender | None] | None = None,
) -> dict[int, str]:
    """Claims a batch of due deliveries and sends each; {delivery id: status after}."""
    integrations = integrations or configured()
    pick = senders or (lambda target: sender_for(integrations, target))
    with sessions.begin() as session:
        claimed = deliveries.claim(session, now(), limit=batch)
    return {delivery_id: send_one(sessions, integrations, delivery_id, now(), pick) for delivery_id in claimed}
