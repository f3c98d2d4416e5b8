"""Opt-out rates of what the shop sends first (shop/outbound/opt_outs.py): per channel and kind
of message, an opt-out counted against a message sent on that channel in the week before it;
above 3% a warning is logged."""

import logging
from datetime import datetime, timedelta

from shop import consent
from shop.db import session_scope
from shop.models import OutboundMessage
from shop.outbound.opt_outs import OptOutRate, opt_out_rates, warn

SENT = datetime(2026, 3, 2, 12, 0)


def sent(session, sender_id: str, channel: str, message_type: str, at: datetime = SENT) -> None:
    session.add(
        OutboundMessage(
            sender_id=sender_id,
            channel=channel,
            message_type=message_type,
            kind="transactional",
            response="utter_x",
            variables="{}",
            status="sent",
            attempts=0,
            sent_at=at,
        )
    )


def test_opt_outs_after_a_message_on_its_channel_count_against_it(shop_db):
    with session_scope() as session:
        for n in range(20):
            sent(session, f"+1555000{n:02d}", "twilio", "shipping_update")
        sent(session, "psid-1", "facebook", "meeting_reminder")
        consent.record(session, "+155500000", "twilio", consent.OPTED_OUT, "keyword STOP", at=SENT + timedelta(days=1))
        # Not put down to a message: before it, more than a week after, on another channel.
        consent.record(session, "+155500001", "twilio", consent.OPTED_OUT, "keyword STOP", at=SENT - timedelta(hours=1))
        consent.record(session, "+155500002", "twilio", consent.OPTED_OUT, "keyword STOP", at=SENT + timedelta(days=8))
        consent.record(session, "+155500003", "whatsapp", consent.OPTED_OUT, "keyword STOP", at=SENT)
        rates = opt_out_rates(session, SENT - timedelta(days=30), SENT + timedelta(days=30))
    assert rates == [
        OptOutRate("facebook", "meeting_reminder", 1, 0),
        OptOutRate("twilio", "shipping_update", 20, 1),
    ]
    assert rates[1].rate == 0.05 and rates[1].warning and not rates[0].warning


def test_a_rate_above_three_percent_is_logged(caplog):
    rates = [OptOutRate("twilio", "back_in_stock", 100, 4), OptOutRate("twilio", "shipping_update", 100, 3)]
    with caplog.at_level(logging.WARNING, logger="shop.outbound.opt_outs"):
        assert warn(rates) == rates[:1]
    assert "4.0% of the back_in_stock messages sent on twilio" in caplog.text
    assert "shipping_update" not in caplog.text
