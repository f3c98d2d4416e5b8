"""Cancelling a task, order status."""

import re

import pytest
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.conversation import ActionCancelTask
from actions.orders import STATUS_RESPONSES, ActionOrderStatus, ValidateOrderStatusForm
from shop.db import session_scope
from shop.formatting import short_date
from shop.models import Order
from tests.support.running import buttons_shown, run_form
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


EMAILS = {"A1001": "maria.lopez@example.com", "A1002": "daniel.kim@example.com", "A1003": "james.carter@example.com"}
EMAILS["A1006"] = "aiko.tanaka@example.com"


def owner(order_id: str, **slots) -> dict:
    return {"order_id": order_id, "email": EMAILS[order_id.upper()], **slots}


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
    await ActionOrderStatus().run(
        dispatcher, make_tracker(slots=owner(order_id) | {"order_id": order_id.lower()}), domain
    )
    assert responses(dispatcher) == [expected]
    values = filled(dispatcher, expected)
    assert values["order_id"] == order_id
    with session_scope() as session:
        order = session.scalar(select(Order).where(Order.reference == order_id))
        assert values["date"] == short_date(getattr(order, since))


async def test_order_status_lists_the_items(shop_db, dispatcher, domain):
    await ActionOrderStatus().run(dispatcher, make_tracker(slots=owner("A1002")), domain)
    values = filled(dispatcher, "utter_order_status_shipped")
    assert (values["items"], values["total"]) == (
        "1 x Slim Jeans (blue, size 32) and 2 x Cotton T-Shirt (white, size M)",
        "$129.00",
    )


async def test_order_status_of_another_status_names_it(shop_db, dispatcher, domain):
    with session_scope() as session:
        session.scalar(select(Order).where(Order.reference == "A1001")).status = "cancelled"
    await ActionOrderStatus().run(dispatcher, make_tracker(slots=owner("A1001")), domain)
    assert filled(dispatcher, "utter_order_status_other")["status"] == "cancelled"


@pytest.mark.parametrize("told", sorted({*STATUS_RESPONSES.values(), "other"}))
def test_every_status_told_has_its_response(domain, told):
    [variation] = domain["responses"][f"utter_order_status_{told}"]
    assert set(re.findall(r"{(\w+)}", variation["text"])) <= {"order_id", "status", "date", "items", "total"}


@pytest.mark.parametrize(
    "slots",
    [
        {"order_id": "A1001", "email": "daniel.kim@example.com"},  # another customer's email
        {"order_id": "A1001"},  # no email at all (a crafted call)
        {"order_id": "A9999", "email": "daniel.kim@example.com"},
        {"order_id": "A1001", "email": "not an email"},
    ],
)
async def test_order_status_shows_nothing_to_whoever_is_not_the_owner(shop_db, dispatcher, domain, slots):
    events = await ActionOrderStatus().run(dispatcher, make_tracker(slots=slots), domain)
    assert responses(dispatcher) == ["utter_order_not_shown"]
    assert events == [SlotSet("order_id", None)]


def test_validate_order_status_form_reads_an_order_number(shop_db, dispatcher, domain):
    assert ValidateOrderStatusForm().validate_order_id("a-1003", dispatcher, make_tracker(), domain) == {
        "order_id": "A1003"
    }
    assert responses(dispatcher) == []


def test_validate_order_status_form_refuses_what_is_no_order_number(shop_db, dispatcher, domain):
    result = ValidateOrderStatusForm().validate_order_id("my order", dispatcher, make_tracker(), domain)
    assert result == {"order_id": None}
    assert responses(dispatcher) == ["utter_invalid_order_id"]


async def test_the_order_status_form_takes_the_owners_number_and_email(shop_db, domain):
    form = ValidateOrderStatusForm()
    dispatcher, slots = await run_form(
        form, domain, {"email": "Daniel.Kim@example.com"}, slots={"order_id": "A1002"}, requested_slot="email"
    )
    assert slots["email"] == "daniel.kim@example.com"
    assert responses(dispatcher) == []


async def test_the_order_status_form_says_the_same_for_a_wrong_email_and_an_unknown_order(shop_db, domain):
    form = ValidateOrderStatusForm()
    said = []
    for order_id in ("A1002", "A9999"):
        dispatcher, slots = await run_form(
            form, domain, {"email": "maria.lopez@example.com"}, slots={"order_id": order_id}, requested_slot="email"
        )
        assert slots["email"] is None  # asked again
        said.append(responses(dispatcher))
    assert said == [["utter_order_email_mismatch"]] * 2


async def test_after_three_wrong_pairs_the_form_ends_and_a_person_is_offered(shop_db, domain):
    form = ValidateOrderStatusForm()
    for order_id in ("A1002", "A1003", "A1004"):
        dispatcher, slots = await run_form(
            form, domain, {"email": "maria.lopez@example.com"}, slots={"order_id": order_id}, requested_slot="email"
        )
    assert slots["requested_slot"] is None  # nothing more is asked: the form is done
    dispatcher = CollectingDispatcher()
    events = await ActionOrderStatus().run(dispatcher, make_tracker(slots=owner("A1001")), domain)
    assert responses(dispatcher) == ["utter_order_check_locked"]  # even the right pair, now
    assert events == [SlotSet("order_id", None), SlotSet("email", None)]
    assert buttons_shown(dispatcher, domain) == [{"title": "Talk to a person", "payload": "/human_handoff"}]


async def test_a_new_order_number_with_the_email_of_an_earlier_one_asks_for_its_email(shop_db, domain):
    from shop.models import OwnershipFailure

    dispatcher, slots = await run_form(
        ValidateOrderStatusForm(),
        domain,
        {"order_id": "A1001"},  # said now; the email is Daniel's, from his own order earlier
        slots={"email": "daniel.kim@example.com"},
        requested_slot="order_id",
    )
    assert responses(dispatcher) == ["utter_order_email_mismatch"]
    assert slots["email"] is None  # asked for
    with session_scope() as session:
        assert session.scalars(select(OwnershipFailure)).all() == []  # and not counted as a guess
