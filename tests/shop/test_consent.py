"""Consent per contact and channel (shop/consent.py): marketing only after an opt-in on that
channel, nothing at all after an opt-out there, every change kept."""

from datetime import datetime

import pytest

from shop import consent
from shop.contacts import is_opted_out, set_opted_out
from shop.db import session_scope

AT = datetime(2026, 12, 1, 9, 30)


def test_a_contact_who_never_opted_in_gets_transactional_messages_only(shop_db):
    with session_scope() as session:
        assert consent.current(session, "+15550001", "twilio") is None
        assert consent.may_send(session, "+15550001", "twilio", consent.TRANSACTIONAL).allowed
        decision = consent.may_send(session, "+15550001", "twilio", consent.MARKETING)
        assert decision == consent.Decision(False, "no opt-in to marketing on twilio")


def test_an_opt_in_on_one_channel_is_none_on_another(shop_db):
    with session_scope() as session:
        consent.record(session, "+15550001", "socketio", consent.OPTED_IN, "widget checkbox", wording="Send me offers")
        assert consent.may_send(session, "+15550001", "socketio", consent.MARKETING).allowed
        assert not consent.may_send(session, "+15550001", "twilio", consent.MARKETING).allowed


def test_an_opt_out_stops_everything_on_the_channel_and_an_opt_in_after_it_counts(shop_db):
    with session_scope() as session:
        consent.record(session, "+15550001", "twilio", consent.OPTED_IN, "keyword START", at=AT)
        consent.record(session, "+15550001", "twilio", consent.OPTED_OUT, "keyword STOP")
        assert consent.current(session, "+15550001", "twilio") == consent.OPTED_OUT
        assert is_opted_out(session, "+15550001")
        for kind in (consent.MARKETING, consent.TRANSACTIONAL):
            assert consent.may_send(session, "+15550001", "twilio", kind) == consent.Decision(
                False, "opted out on twilio"
            )
        consent.record(session, "+15550001", "twilio", consent.OPTED_IN, "keyword UNSTOP")
        assert consent.may_send(session, "+15550001", "twilio", consent.MARKETING).allowed
        assert not is_opted_out(session, "+15550001")


def test_a_chat_opt_out_recorded_before_consent_existed_still_stops_messages(shop_db):
    with session_scope() as session:
        set_opted_out(session, "web-1", True)  # the contact's flag alone, no consent record
        assert not consent.may_send(session, "web-1", "socketio", consent.TRANSACTIONAL).allowed


def test_every_change_is_kept_with_its_time_source_and_wording(shop_db):
    with session_scope() as session:
        consent.record(session, "p1", "facebook", consent.OPTED_IN, "chat", wording="Offers on Messenger?", at=AT)
        consent.record(session, "p1", "facebook", consent.OPTED_OUT, "chat")
        changes = consent.history(session, "p1")
        assert [(c.status, c.source, c.wording) for c in changes] == [
            (consent.OPTED_IN, "chat", "Offers on Messenger?"),
            (consent.OPTED_OUT, "chat", None),
        ]
        assert changes[0].at == AT and changes[1].at >= AT


def test_an_unknown_status_or_kind_is_refused(shop_db):
    with session_scope() as session:
        with pytest.raises(ValueError):
            consent.record(session, "p1", "facebook", "maybe", "chat")
        with pytest.raises(ValueError):
            consent.may_send(session, "p1", "facebook", "newsletter")
