"""Cancelling a task, order status."""

import re

import pytest
from rasa_sdk.events import ActiveLoop, SlotSet
from sqlalchemy import select

from actions.conversation import ActionCancelTask
from actions.orders import STATUS_RESPONSES, ActionOrderStatus, ValidateOrderStatusForm
from shop.db import session_scope
from shop.formatting import short_date
from shop.models import Order
from tests.support.trackers import filled, make_tracker, responses, slot_events

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
    "order_id, expected, since",
    [
        ("A1001", "utter_order_status_placed", "placed_at"),  # paid
        ("A1002", "utter_order_status_shipped", "shipped_at"),
        ("A1003", "utter_order_status_delivered", "delivered_at"),
        ("A1006", "utter_order_status_refunded", "refunded_at"),
    ],
)
async def test_order_status(shop_db, dispatcher, domain, order_id, expected, since):
    await ActionOrderStatus().run(dispatcher, make_tracker(slots={"order_id": order_id.lower()}), domain)
    assert responses(dispatcher) == [expected]
    values = filled(dispatcher, expected)
    assert values["order_id"] == order_id
    with session_scope() as session:
        order = session.scalar(select(Order).where(Order.reference == order_id))
        assert values["date"] == short_date(getattr(order, since))


async def test_order_status_lists_the_items(shop_db, dispatcher, domain):
    await ActionOrderStatus().run(dispatcher, make_tracker(slots={"order_id": "A1002"}), domain)
    values = filled(dispatcher, "utter_order_status_shipped")
    assert (values["items"], values["total"]) == (
        "1 x Slim Jeans (blue, size 32) and 2 x Cotton T-Shirt (white, size M)",
        "$129.00",
    )


async def test_order_status_of_another_status_names_it(shop_db, dispatcher, domain):
    with session_scope() as session:
        session.scalar(select(Order).where(Order.reference == "A1001")).status = "cancelled"
    await ActionOrderStatus().run(dispatcher, make_tracker(slots={"order_id": "A1001"}), domain)
    assert filled(dispatcher, "utter_order_status_other")["status"] == "cancelled"


@pytest.mark.parametrize("told", sorted({*STATUS_RESPONSES.values(), "other"}))
def test_every_status_told_has_its_response(domain, told):
    [variation] = domain["responses"][f"utter_order_status_{told}"]
    assert set(re.findall(r"{(\w+)}", variation["text"])) <= {"order_id", "status", "date", "items", "total"}


@pytest.mark.parametrize(
    "value, expected, message",
    [
        ("a-1003", "A1003", None),
        ("A9999", None, "utter_order_not_found"),
    ],
)
def test_validate_order_status_form(shop_db, dispatcher, domain, value, expected, message):
    result = ValidateOrderStatusForm().validate_order_id(value, dispatcher, make_tracker(), domain)
    assert result == {"order_id": expected}
    assert responses(dispatcher) == ([message] if message else [])
    if message:
        assert filled(dispatcher, message) == {"order_id": "A9999"}


def test_validate_order_status_form_refuses_what_is_no_order_number(shop_db, dispatcher, domain):
    result = ValidateOrderStatusForm().validate_order_id("my order", dispatcher, make_tracker(), domain)
    assert result == {"order_id": None}
    assert responses(dispatcher) == ["utter_invalid_order_id"]


async def test_order_status_of_an_unknown_order(shop_db, dispatcher, domain):
    events = await ActionOrderStatus().run(dispatcher, make_tracker(slots={"order_id": "A9999"}), domain)
    assert responses(dispatcher) == ["utter_invalid_order_id"]
    assert events == [SlotSet("order_id", None)]
