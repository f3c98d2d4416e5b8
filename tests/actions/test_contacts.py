"""Opt-out and opt-in (actions/contacts.py): recorded for the contact, in any state."""

from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

from actions.contacts import ActionOptIn, ActionOptOut
from shop import consent
from shop.contacts import is_opted_out
from shop.db import session_scope
from shop.models import Contact
from shop.responses import variation
from tests.support.trackers import make_tracker, responses, slot_events


def contact(sender_id: str):
    with session_scope() as session:
        return session.scalar(select(Contact).where(Contact.sender_id == sender_id))


async def test_opt_out_is_recorded(shop_db, dispatcher, domain):
    tracker = make_tracker(
        sender_id="whatsapp:+15550001", intent="opt_out", text="STOP", slots={"email": "jane@example.com"}
    )
    events = await ActionOptOut().run(dispatcher, tracker, domain)

    stored = contact("whatsapp:+15550001")
    assert (stored.opted_out, stored.email) == (True, "jane@example.com")
    assert stored.opted_out_at is not None
    assert responses(dispatcher) == ["utter_opted_out"]
    assert events == [SlotSet("opted_out", True)]  # no form to stop
    with session_scope() as session:
        assert is_opted_out(session, "whatsapp:+15550001")
        assert not is_opted_out(session, "someone-else")


async def test_opt_out_and_opt_in_are_kept_as_consent_on_the_channel(shop_db, domain):
    sender = "+15550003"
    await ActionOptIn().run(
        CollectingDispatcher(), make_tracker(sender_id=sender, intent="opt_in", channel="twilio"), domain
    )
    await ActionOptOut().run(
        CollectingDispatcher(), make_tracker(sender_id=sender, intent="opt_out", channel="twilio"), domain
    )
    with session_scope() as session:
        changes = [(c.channel, c.status, c.source) for c in consent.history(session, sender)]
        assert changes == [("twilio", "opted_in", "chat"), ("twilio", "opted_out", "chat")]
        assert consent.history(session, sender)[0].wording == variation("utter_opted_in", "twilio")["text"]
        assert "Reply START to resubscribe" in consent.history(session, sender)[1].wording
        assert not consent.may_send(session, sender, "twilio", consent.TRANSACTIONAL).allowed


async def test_opt_out_stops_an_active_form(shop_db, dispatcher, domain):
    tracker = make_tracker(
        sender_id="web-7",
        intent="opt_out",
        text="unsubscribe me",
        slots={"product": "Hoodie", "requested_slot": "size"},
        active_loop="purchase_form",
    )
    events = await ActionOptOut().run(dispatcher, tracker, domain)
    assert ActiveLoop(None) in events
    assert SlotSet("requested_slot", None) in events
    assert slot_events(events)["opted_out"] is True
    assert contact("web-7").opted_out is True


async def test_opt_in_reverses_opt_out(shop_db, domain):
    sender = "sms:+15550002"
    await ActionOptOut().run(CollectingDispatcher(), make_tracker(sender_id=sender, intent="opt_out"), domain)
    assert contact(sender).opted_out is True

    dispatcher = CollectingDispatcher()
    events = await ActionOptIn().run(dispatcher, make_tracker(sender_id=sender, intent="opt_in"), domain)
    stored = contact(sender)
    assert (stored.opted_out, stored.opted_out_at) == (False, None)
    assert events == [SlotSet("opted_out", False)]
    assert responses(dispatcher) == ["utter_opted_in"]
    with session_scope() as session:
        assert session.scalar(select(func.count(Contact.id)).where(Contact.sender_id == sender)) == 1


async def test_opting_out_twice_keeps_one_contact(shop_db, domain):
    for _ in range(2):
        await ActionOptOut().run(CollectingDispatcher(), make_tracker(sender_id="web-9", intent="opt_out"), domain)
    with session_scope() as session:
        assert session.scalar(select(func.count(Contact.id))) == 1
    assert contact("web-9").opted_out is True


# --------------------------------------------------------------------------- the privacy notice


async def test_a_contacts_first_session_starts_with_the_privacy_notice_once(shop_db, domain):
    from rasa_sdk.events import ActionExecuted, SessionStarted

    from actions.contacts import ActionSessionStart
    from tests.support.trackers import filled

    first = CollectingDispatcher()
    events = await ActionSessionStart().run(first, make_tracker(sender_id="new-customer"), domain)
    assert events == [SessionStarted(), ActionExecuted("action_listen")]
    assert responses(first) == ["utter_privacy_notice"]
    assert filled(first, "utter_privacy_notice")["privacy_url"].endswith("/privacy")
    assert contact("new-customer").privacy_notice_at is not None
    again = CollectingDispatcher()
    await ActionSessionStart().run(again, make_tracker(sender_id="new-customer"), domain)
    assert responses(again) == []  # remembered for the contact: the next session starts quietly


async def test_a_new_session_keeps_the_slots_set_since_the_last_restart(shop_db, domain):
    from actions.contacts import ActionSessionStart

    tracker = make_tracker(sender_id="returning")
    tracker.events[:] = [
        {"event": "slot", "name": "product", "value": "Boots"},
        {"event": "restart"},
        {"event": "slot", "name": "product", "value": "Hoodie"},
        {"event": "slot", "name": "email", "value": "a@example.com"},
        {"event": "slot", "name": "product", "value": "Wool Coat"},
    ]
    events = await ActionSessionStart().run(CollectingDispatcher(), tracker, domain)
    assert slot_events(events) == {"product": "Wool Coat", "email": "a@example.com"}


async def test_a_carrier_keyword_is_recorded_as_the_source_with_the_confirmation_shown(shop_db, domain):
    sms = make_tracker(sender_id="+15550004", intent="opt_out", text="/opt_out", channel="twilio")
    sms.latest_message["metadata"] = {"keyword": "CANCEL", "typed": "cancel!"}  # as addons/twilio.py sends it
    await ActionOptOut().run(CollectingDispatcher(), sms, domain)
    web_stop = make_tracker(sender_id="web-9", intent="opt_out", text="Stop!", channel="socketio")
    await ActionOptOut().run(CollectingDispatcher(), web_stop, domain)
    web_words = make_tracker(sender_id="web-10", intent="opt_out", text="please stop emailing me", channel="socketio")
    await ActionOptOut().run(CollectingDispatcher(), web_words, domain)
    with session_scope() as session:
        [by_sms] = consent.history(session, "+15550004")
        assert (by_sms.channel, by_sms.source) == ("twilio", "keyword CANCEL")
        assert by_sms.wording == variation("utter_opted_out", "twilio")["text"] != variation("utter_opted_out")["text"]
        assert [c.source for c in consent.history(session, "web-9")] == ["keyword STOP"]
        assert [c.source for c in consent.history(session, "web-10")] == ["chat"]
        assert consent.history(session, "web-10")[0].wording == variation("utter_opted_out")["text"]
