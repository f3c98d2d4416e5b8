"""Cancelling a task, order status."""

import pytest
from rasa_sdk.events import ActiveLoop, SlotSet

from actions.conversation import ActionCancelTask
from actions.orders import ActionOrderStatus, ValidateOrderStatusForm
from tests.support.trackers import make_tracker, responses, said, slot_events

# --------------------------------------------------------------------------- cancelling


async def test_cancel_with_an_active_form(dispatcher, domain):
    tracker = make_tracker(
        intent="cancel",
        text="never mind",
        active_loop="purchase_form",
        slots={"product": "Hoodie", "quantity": 2, "requested_slot": "email"},
    )
    events = await ActionCancelTask().run(dispatcher, tracker, domain)
    assert [m.get("response") for m in dispatcher.messages] == ["utter_cancelled"]
    assert events[0] == ActiveLoop(None)
    slots = slot_events(events)
    assert slots["requested_slot"] is None
    for slot in (
        "quantity",
        "purchase_confirmed",
        "refund_item",
        "refund_reason",
        "refund_eligible",
        "refund_block_reason",
    ):
        assert slots[slot] is None
    # what the customer told about the product stays for the rest of the conversation
    assert "product" not in slots


async def test_cancel_the_refund_form(dispatcher, domain):
    tracker = make_tracker(
        intent="cancel", active_loop="refund_form", slots={"order_id": "A1003", "refund_eligible": True}
    )
    events = await ActionCancelTask().run(dispatcher, tracker, domain)
    assert ActiveLoop(None) in events
    assert slot_events(events)["refund_eligible"] is None


async def test_cancel_without_an_active_form(dispatcher, domain):
    events = await ActionCancelTask().run(dispatcher, make_tracker(intent="cancel", text="cancel"), domain)
    assert events == []
    assert [m.get("response") for m in dispatcher.messages] == ["utter_nothing_to_cancel"]


# --------------------------------------------------------------------------- order status


@pytest.mark.parametrize(
    "order_id, expected",
    [
        ("A1001", "Order A1001 was placed on "),
        ("A1002", "Order A1002 shipped on "),
        ("A1003", "Order A1003 was delivered on "),
        ("A1006", "Order A1006 was refunded on "),
    ],
)
async def test_order_status(shop_db, dispatcher, domain, order_id, expected):
    await ActionOrderStatus().run(dispatcher, make_tracker(slots={"order_id": order_id.lower()}), domain)
    assert said(dispatcher).startswith(expected)


async def test_order_status_lists_the_items(shop_db, dispatcher, domain):
    await ActionOrderStatus().run(dispatcher, make_tracker(slots={"order_id": "A1002"}), domain)
    assert said(dispatcher).endswith(
        "It contains 1 x Slim Jeans (blue, size 32) and 2 x Cotton T-Shirt (white, size M) ($129.00)."
    )


@pytest.mark.parametrize(
    "value, expected, message",
    [
        ("a-1003", "A1003", None),
        ("A9999", None, "I couldn't find an order A9999."),
    ],
)
def test_validate_order_status_form(shop_db, dispatcher, domain, value, expected, message):
    result = ValidateOrderStatusForm().validate_order_id(value, dispatcher, make_tracker(), domain)
    assert result == {"order_id": expected}
    assert said(dispatcher).startswith(message) if message else dispatcher.messages == []


def test_validate_order_status_form_refuses_what_is_no_order_number(shop_db, dispatcher, domain):
    result = ValidateOrderStatusForm().validate_order_id("my order", dispatcher, make_tracker(), domain)
    assert result == {"order_id": None}
    assert responses(dispatcher) == ["utter_invalid_order_id"]


async def test_order_status_of_an_unknown_order(shop_db, dispatcher, domain):
    events = await ActionOrderStatus().run(dispatcher, make_tracker(slots={"order_id": "A9999"}), domain)
    assert responses(dispatcher) == ["utter_invalid_order_id"]
    assert events == [SlotSet("order_id", None)]
