"""How often what the shop sends first makes people leave: per channel and kind of message, the
share of sent messages followed by an opt-out on that channel within a week. Above 3% (the
funnel's own threshold) a warning is logged and the agent inbox shows it."""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop import consent
from shop.analytics.metrics import OPT_OUT_WARNING
from shop.clock import naive_utc
from shop.models import ConsentEvent, OutboundMessage

ATTRIBUTED_WITHIN = timedelta(days=7)  # an opt-out this soon after a message is put down to it
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OptOutRate:
    channel: str
    message_type: str
    sent: int
    opt_outs: int

    @property
    def rate(self) -> float:
        return self.opt_outs / self.sent if self.sent else 0.0

    @property
    def warning(self) -> bool:
        return self.rate > OPT_OUT_WARNING


def opt_out_rates(session: Session, since: datetime, until: datetime) -> list[OptOutRate]:
    """Messages sent in [since, until) and the opt-outs that followed them, by channel and type."""
    sent = session.execute(
        select(
            OutboundMessage.sender_id, OutboundMessage.channel, OutboundMessage.message_type, OutboundMessage.sent_at
        ).where(
            OutboundMessage.status == "sent",
            OutboundMessage.sent_at >= naive_utc(since),
            OutboundMessage.sent_at < naive_utc(until),
        )
    ).all()
    senders = {row.sender_id for row in sent}
    opt_outs: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    if senders:
        for sender_id, channel, at in session.execute(
            select(ConsentEvent.sender_id, ConsentEvent.channel, ConsentEvent.at).where(
                ConsentEvent.status == consent.OPTED_OUT, ConsentEvent.sender_id.in_(senders)
            )
        ):
            opt_outs[sender_id, channel].append(at)
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in sent:
        tally = counts[row.channel, row.message_type]
        tally[0] += 1
        left = any(row.sent_at <= at < row.sent_at + ATTRIBUTED_WITHIN for at in opt_outs[row.sender_id, row.channel])
        tally[1] += int(left)
    return [OptOutRate(channel, kind, *tally) for (channel, kind), tally in sorted(counts.items())]


def warn(rates: list[OptOutRate]) -> list[OptOutRate]:
    """Logs a warning for each rate above the threshold; returns those."""
    high = [r for r in rates if r.warning]
    for r in high:
        logger.warning(
            "%.1f%% of the %s messages sent on %s were followed by an opt-out (%d of %d; warning above %.0f%%)",
            100 * r.rate,
            r.message_type,
            r.channel,
            r.opt_outs,
            r.sent,
            100 * OPT_OUT_WARNING,
        )
    return high
