"""action_send_outbound (actions/outbound.py): says the outbox message the worker triggered,
with its values and Messenger tag, sets the slots the reply needs, and says it only once."""

from datetime import datetime, timezone

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.outbound import ActionSendOutbound
from shop.db import session_scope
from shop.models import OutboundMessage
from shop.outbound import outbox
from shop.outbound.rules import configured
from tests.support.trackers import make_tracker, slot_events

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=timezone.utc)


def claimed_reminder(tag: str | None) -> int:
    with session_scope() as session:
        message = outbox.enqueue(
            session,
            configured(),
            "psid-5",
            "meeting_reminder",
            "utter_outbound_meeting_reminder_hour",
            {"reference": "M3001", "rep": "Nora York", "when": "Wednesday 11 March, 4:00 PM CET"},
            NOW,
            channel="facebook",
            slots={"booking_ref": "M3001", "email": "jo@example.com"},
        )
        outbox.claim(session, NOW)
        outbox.set_tag(session, message.id, tag)
        return message.id


def triggered(message_id) -> object:
    entities = [{"entity": "outbox_id", "value": message_id}]
    return make_tracker(sender_id="psid-5", intent="EXTERNAL_outbound", entities=entities, channel="facebook")


async def test_the_message_is_said_with_its_values_and_tag_and_its_slots_set(shop_db, domain):
    message_id = claimed_reminder("CONFIRMED_EVENT_UPDATE")
    dispatcher = CollectingDispatcher()
    events = await ActionSendOutbound().run(dispatcher, triggered(message_id), domain)
    [said] = dispatcher.messages
    assert said["response"] == "utter_outbound_meeting_reminder_hour"
    assert (said["reference"], said["rep"], said["messenger_tag"], said["outbound"]) == (
        "M3001",
        "Nora York",
        "CONFIRMED_EVENT_UPDATE",
        True,
    )
    assert slot_events(events) == {"booking_ref": "M3001", "email": "jo@example.com"}
    with session_scope() as session:
        assert session.get(OutboundMessage, message_id).status == "sent"


async def test_during_a_form_the_message_is_said_but_sets_no_slot(shop_db, domain):
    message_id = claimed_reminder(None)
    entities = [{"entity": "outbox_id", "value": message_id}]
    tracker = make_tracker(
        sender_id="psid-5", intent="EXTERNAL_outbound", entities=entities, active_loop="purchase_form"
    )
    dispatcher = CollectingDispatcher()
    assert await ActionSendOutbound().run(dispatcher, tracker, domain) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_outbound_meeting_reminder_hour"]


async def test_a_second_trigger_of_the_same_message_says_nothing(shop_db, domain):
    message_id = claimed_reminder(None)
    await ActionSendOutbound().run(CollectingDispatcher(), triggered(message_id), domain)
    again = CollectingDispatcher()
    assert await ActionSendOutbound().run(again, triggered(message_id), domain) == []
    assert again.messages == []


async def test_a_trigger_without_a_message_id_says_nothing(shop_db, domain):
    for value in (None, "not a number", 999):
        dispatcher = CollectingDispatcher()
        entities = [] if value is None else [{"entity": "outbox_id", "value": value}]
        tracker = make_tracker(intent="EXTERNAL_outbound", entities=entities)
        assert await ActionSendOutbound().run(dispatcher, tracker, domain) == []
        assert dispatcher.messages == []


async def test_a_product_chosen_in_the_purchase_form_writes_the_unfinished_purchase_reminder(shop_db, domain):
    from actions.orders import ValidatePurchaseForm

    tracker = make_tracker(
        sender_id="web-8",
        intent="purchase",
        text="I want to buy a hoodie",
        entities=[{"entity": "product", "value": "hoodie"}],
        active_loop="purchase_form",
        channel="socketio",
    )
    ValidatePurchaseForm().validate_product("hoodie", CollectingDispatcher(), tracker, domain)
    with session_scope() as session:
        [message] = session.scalars(select(OutboundMessage))
        assert (message.sender_id, message.channel, message.message_type) == ("web-8", "socketio", "abandoned_purchase")
        assert outbox.variables_of(message) == {"product": "Hoodie"}


async def test_let_me_know_keeps_the_wish_and_asks_for_consent_when_there_is_none(shop_db, domain):
    from actions.catalog import ActionNotifyRestock
    from shop import consent
    from shop.models import RestockWish

    slots = {"product": "Hoodie", "size": "M", "color": "black"}
    first = CollectingDispatcher()
    tracker = make_tracker(sender_id="web-9", intent="notify_restock", slots=slots, channel="socketio")
    await ActionNotifyRestock().run(first, tracker, domain)
    assert [m["response"] for m in first.messages] == ["utter_restock_noted_needs_opt_in"]
    with session_scope() as session:
        consent.record(session, "web-9", "socketio", consent.OPTED_IN, "chat")
    again = CollectingDispatcher()
    await ActionNotifyRestock().run(again, tracker, domain)
    assert [(m["response"], m["item"]) for m in again.messages] == [("utter_restock_noted", "Hoodie (black, size M)")]
    with session_scope() as session:
        assert len(session.scalars(select(RestockWish)).all()) == 1
    unknown = CollectingDispatcher()
    await ActionNotifyRestock().run(unknown, make_tracker(intent="notify_restock"), domain)
    assert [m["response"] for m in unknown.messages] == ["utter_restock_which_product"]
