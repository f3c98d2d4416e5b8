"""Refunds in the chat: the refund form's checks and the refund request, on real SQLite."""

import asyncio
import re
import threading

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

import shop.refunds as refunds_module
from actions.refunds import (
    REFUND_SLOTS,
    ActionAskRefundConfirmed,
    ActionAskRefundItem,
    ActionSubmitRefund,
    ValidateRefundForm,
)
from shop.db import session_scope
from shop.models import Order, Refund
from shop.refunds import REFUSAL_REASONS, create_refund
from tests.support.trackers import buttons_of, filled, form_tracker, make_tracker, responses, slot_events

FORM = "refund_form"
EMAILS = {
    "A1001": "maria.lopez@example.com",
    "A1002": "daniel.kim@example.com",
    "A1003": "james.carter@example.com",
    "A1004": "priya.shah@example.com",
    "A1005": "tom.becker@example.com",
    "A1006": "aiko.tanaka@example.com",
    "A1007": "sam.okafor@example.com",
    "A1008": "lena.fischer@example.com",
}


def refunds() -> list:
    with session_scope() as session:
        return [
            (r.reference, r.item.order.reference, r.item.variant.product.name, r.reason, r.amount_cents)
            for r in session.scalars(select(Refund).order_by(Refund.id))
        ]


def mark_refunded(reference: str, product: str) -> None:
    with session_scope() as session:
        order = session.scalar(select(Order).where(Order.reference == reference))
        next(i for i in order.items if i.variant.product.name == product).refunded = True


@pytest.fixture
def form():
    return ValidateRefundForm()


async def run_form(form, domain, new_slots, slots=None, requested_slot="email", text=None, intent="inform"):
    dispatcher = CollectingDispatcher()
    tracker = form_tracker(FORM, new_slots, slots=slots, requested_slot=requested_slot, text=text, intent=intent)
    events = await form.run(dispatcher, tracker, domain)
    return dispatcher, slot_events(events)


# --------------------------------------------------------------------------- the form


async def test_malformed_order_id(shop_db, form, domain):
    dispatcher, slots = await run_form(form, domain, {"order_id": "my order"}, requested_slot="order_id")
    assert slots["order_id"] is None
    assert responses(dispatcher) == ["utter_invalid_order_id"]
    assert "refund_eligible" not in slots or slots["refund_eligible"] is None


async def test_order_id_is_normalized(shop_db, form, domain):
    dispatcher, slots = await run_form(form, domain, {"order_id": "a-1003"}, requested_slot="order_id")
    assert slots["order_id"] == "A1003"
    assert dispatcher.messages == []


async def test_malformed_email(shop_db, form, domain):
    dispatcher, slots = await run_form(form, domain, {"email": "james at example"}, slots={"order_id": "A1003"})
    assert slots["email"] is None
    assert responses(dispatcher) == ["utter_invalid_email"]
    assert slots.get("refund_eligible") is None


async def test_wrong_email_for_the_order(shop_db, form, domain):
    dispatcher, slots = await run_form(form, domain, {"email": "priya.shah@example.com"}, slots={"order_id": "A1003"})
    assert slots["email"] is None  # asked again
    assert slots.get("refund_eligible") is None
    assert filled(dispatcher, "utter_order_email_mismatch") == {
        "order_id": "A1003",
        "email": "priya.shah@example.com",
    }


async def test_three_wrong_pairs_end_the_refund_form_with_a_person_offered(shop_db, form, domain):
    for order_id in ("A1001", "A1002", "A1004"):
        dispatcher, slots = await run_form(
            form, domain, {"email": "james.carter@example.com"}, slots={"order_id": order_id}
        )
    assert slots["requested_slot"] is None  # nothing more is asked
    assert slots.get("refund_eligible") is None
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"order_id": "A1003", "email": "james.carter@example.com", "refund_confirmed": True})
    await ActionSubmitRefund().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_order_check_locked"]
    with session_scope() as session:
        assert session.scalars(select(Refund)).all() == []


async def test_eligible_order(shop_db, form, domain):
    dispatcher, slots = await run_form(form, domain, {"email": "James.Carter@example.com"}, slots={"order_id": "A1003"})
    assert slots["email"] == "james.carter@example.com"
    assert slots["refund_eligible"] is True
    assert slots.get("refund_item") is None  # two refundable items: the customer picks one
    assert slots["requested_slot"] == "refund_item"
    assert dispatcher.messages == []


async def test_order_id_and_email_in_one_message(shop_db, form, domain):
    _, slots = await run_form(
        form, domain, {"order_id": "A1007", "email": "sam.okafor@example.com"}, requested_slot="order_id"
    )
    assert (slots["order_id"], slots["refund_eligible"]) == ("A1007", True)


async def test_the_only_refundable_item_is_chosen_and_named(shop_db, form, domain):
    mark_refunded("A1003", "Classic Dress Shoes")
    dispatcher, slots = await run_form(form, domain, {"email": "james.carter@example.com"}, slots={"order_id": "A1003"})
    assert slots["refund_eligible"] is True
    assert slots["refund_item"] == "Linen Shirt"
    # Not chosen silently: the customer hears which item the return is for.
    [message] = dispatcher.messages
    assert message["response"] == "utter_refund_only_item"
    assert (message["item"], message["order_id"]) == ("Linen Shirt (blue, size M)", "A1003")


@pytest.mark.parametrize(
    "order_id, reason",
    [
        ("A1004", "window_expired"),  # delivered 90 days ago
        ("A1005", "final_sale"),
        ("A1006", "already_refunded"),
        ("A1001", "not_delivered"),  # paid
        ("A1002", "not_delivered"),  # shipped
        ("A1008", "not_delivered"),  # shipped
    ],
)
async def test_refused_orders_end_the_form(shop_db, form, domain, order_id, reason):
    dispatcher, slots = await run_form(form, domain, {"email": EMAILS[order_id]}, slots={"order_id": order_id})
    assert slots["refund_eligible"] is False
    assert slots["refund_block_reason"] == reason
    # no item or reason is asked for: action_submit_refund explains the refusal
    assert slots["requested_slot"] is None
    assert dispatcher.messages == []


async def test_a_new_order_id_is_checked_again(shop_db, form, domain):
    earlier = {"order_id": "A1003", "email": "james.carter@example.com", "refund_eligible": True}
    dispatcher, slots = await run_form(form, domain, {"order_id": "A1004"}, slots=earlier, requested_slot="refund_item")
    assert slots["order_id"] == "A1004"
    # A1004 is not James's order: the email is asked again instead of trusting the old check
    assert slots["email"] is None
    assert slots.get("refund_eligible") is None
    assert filled(dispatcher, "utter_order_email_mismatch")["order_id"] == "A1004"


async def test_later_answers_do_not_repeat_the_check(shop_db, form, domain):
    earlier = {"order_id": "A1003", "email": "james.carter@example.com", "refund_eligible": True}
    _dispatcher, slots = await run_form(
        form, domain, {"refund_reason": "doesn't fit"}, slots=earlier, requested_slot="refund_reason"
    )
    # No second order check: only the answer, and the next question (the item was never given).
    assert slots == {"refund_reason": "doesn't fit", "requested_slot": "refund_item"}


@pytest.mark.parametrize(
    "value, expected",
    [
        ("Classic Dress Shoes", "Classic Dress Shoes"),
        ("the linen shirt please", "Linen Shirt"),
        ("dress shoes", "Classic Dress Shoes"),
        ("hoodie", None),  # not in this order
    ],
)
def test_validate_refund_item(shop_db, form, dispatcher, domain, value, expected):
    tracker = make_tracker(
        slots={"order_id": "A1003", "email": "james.carter@example.com", "refund_eligible": True}, active_loop=FORM
    )
    assert form.validate_refund_item(value, dispatcher, tracker, domain) == {"refund_item": expected}
    if expected is None:
        assert filled(dispatcher, "utter_refund_not_an_item") == {
            "order_id": "A1003",
            "items": "Classic Dress Shoes and Linen Shirt",
        }
    else:
        assert dispatcher.messages == []


def test_validate_refund_item_refuses_a_line_that_is_not_refundable(shop_db, form, dispatcher, domain):
    mark_refunded("A1003", "Classic Dress Shoes")
    tracker = make_tracker(slots={"order_id": "A1003", "email": "james.carter@example.com"}, active_loop=FORM)
    assert form.validate_refund_item("Classic Dress Shoes", dispatcher, tracker, domain) == {"refund_item": None}
    assert responses(dispatcher) == ["utter_refund_item_refused_already_refunded"]  # then another is asked for
    assert filled(dispatcher, "utter_refund_item_refused_already_refunded") == {
        "item": "Classic Dress Shoes (black, size 9)",
        "order_id": "A1003",
        "days": 30,
        "deadline": "",  # refunded: no deadline to tell
    }


@pytest.mark.parametrize(
    "value, expected",
    [
        ("doesn't fit", "doesn't fit"),
        ("  arrived   damaged ", "arrived damaged"),
        ("no", None),
        ("", None),
        ("/deny", None),
        ("x" * 600, "x" * 500),
    ],
)
def test_validate_refund_reason(form, dispatcher, domain, value, expected):
    assert form.validate_refund_reason(value, dispatcher, make_tracker(), domain) == {"refund_reason": expected}
    assert responses(dispatcher) == ([] if expected else ["utter_refund_reason_too_short"])


async def test_ask_refund_item_offers_only_refundable_items(shop_db, dispatcher, domain):
    mark_refunded("A1007", "Leather Wallet")
    tracker = make_tracker(slots={"order_id": "A1007", "email": "sam.okafor@example.com"}, active_loop=FORM)
    await ActionAskRefundItem().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_which_item_to_return"]
    assert [b["title"] for b in buttons_of(dispatcher)] == ["Hoodie (green, size L)", "Chino Pants (khaki, size 32)"]
    assert buttons_of(dispatcher)[0]["payload"] == '/inform{"product": "Hoodie"}'


# --------------------------------------------------------------------------- submitting


def submit_tracker(order_id="A1003", eligible=True, item="Classic Dress Shoes", reason="doesn't fit", email=None):
    slots = {
        "order_id": order_id,
        "email": email or EMAILS[order_id],
        "refund_eligible": eligible,
        "refund_item": item,
        "refund_reason": reason,
        "refund_confirmed": True,
    }
    return make_tracker(slots=slots)


async def test_submit_refund_creates_the_refund(shop_db, dispatcher, domain):
    events = await ActionSubmitRefund().run(dispatcher, submit_tracker(), domain)

    assert refunds() == [("R5001", "A1003", "Classic Dress Shoes", "doesn't fit", 8900)]
    assert filled(dispatcher, "utter_refund_filed") == {
        "reference": "R5001",
        "item": "Classic Dress Shoes (black, size 9)",
        "amount": "$89.00",
    }
    assert slot_events(events) == {**dict.fromkeys(REFUND_SLOTS), "csat_outcome": "refund"}
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "csat_form"}  # how did I do?
    with session_scope() as session:
        order = session.scalar(select(Order).where(Order.reference == "A1003"))
        assert [i.refunded for i in order.items] == [True, False]


async def test_submit_refund_twice_creates_one_refund(shop_db, domain):
    first, second = CollectingDispatcher(), CollectingDispatcher()
    await ActionSubmitRefund().run(first, submit_tracker(), domain)
    await ActionSubmitRefund().run(second, submit_tracker(), domain)
    assert [r[0] for r in refunds()] == ["R5001"]
    assert responses(second) == ["utter_refund_no_longer_possible"]
    assert offers_a_person(domain, "utter_refund_no_longer_possible")


def offers_a_person(domain, response) -> bool:
    [variation] = domain["responses"][response]
    return (variation.get("buttons") or [None])[0] == {"title": "Talk to a person", "payload": "/human_handoff"}


@pytest.mark.parametrize(
    "order_id, reason, item",
    [
        ("A1004", "window_expired", "Wool Coat (grey, size L)"),
        ("A1005", "final_sale", "Sunglasses (black)"),
        ("A1006", "already_refunded", "Running Shoes (blue, size 10)"),
        ("A1001", "not_delivered", "Hoodie (black, size M)"),
    ],
)
async def test_submit_refund_refuses_ineligible_orders(shop_db, dispatcher, domain, order_id, reason, item):
    events = await ActionSubmitRefund().run(
        dispatcher, submit_tracker(order_id, eligible=False, item=None, reason=None), domain
    )
    response = f"utter_refund_refused_{reason}"
    assert responses(dispatcher) == [response]
    values = filled(dispatcher, response)
    assert (values["item"], values["order_id"], values["days"]) == (item, order_id, 30)
    assert bool(values["deadline"]) is (reason in ("window_expired", "final_sale"))  # delivered: a deadline
    assert "Would you like to talk to a person about it?" in domain["responses"][response][0]["text"]
    assert offers_a_person(domain, response)
    assert refunds() == []
    assert slot_events(events) == dict.fromkeys(REFUND_SLOTS)


async def test_submit_refund_checks_the_policy_again_when_writing(shop_db, dispatcher, domain):
    mark_refunded("A1003", "Classic Dress Shoes")  # refunded in another conversation meanwhile
    await ActionSubmitRefund().run(dispatcher, submit_tracker(), domain)
    assert responses(dispatcher) == ["utter_refund_no_longer_possible"]
    assert offers_a_person(domain, "utter_refund_no_longer_possible")
    assert refunds() == []


async def test_submit_refund_with_the_wrong_email_changes_nothing(shop_db, dispatcher, domain):
    await ActionSubmitRefund().run(dispatcher, submit_tracker(email="someone@example.com"), domain)
    assert responses(dispatcher) == ["utter_refund_order_gone"]
    assert refunds() == []


def test_two_simultaneous_refunds_of_one_line_create_one_refund(shop_db, domain, monkeypatch):
    """Both requests pass the policy check before either writes: the database decides."""
    barrier = threading.Barrier(2)

    def create_after_both_checked(session, item, reason):
        barrier.wait(timeout=10)
        return create_refund(session, item, reason)

    monkeypatch.setattr(refunds_module, "create_refund", create_after_both_checked)
    dispatchers = [CollectingDispatcher(), CollectingDispatcher()]
    threads = [
        threading.Thread(target=lambda d=d: asyncio.run(ActionSubmitRefund().run(d, submit_tracker(), domain)))
        for d in dispatchers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(refunds()) == 1
    assert sorted(responses(d)[0] for d in dispatchers) == ["utter_refund_filed", "utter_refund_taken_meanwhile"]


# --------------------------------------------------------------------------- out of turn, confirmation

A1007 = {"order_id": "A1007", "email": "sam.okafor@example.com", "refund_eligible": True}


async def test_order_id_and_email_said_in_a_sentence_while_the_order_is_asked(shop_db, form, domain):
    text = "it's A1007, my email is sam.okafor@example.com"
    dispatcher, slots = await run_form(form, domain, {"order_id": text}, requested_slot="order_id", text=text)
    assert (slots["order_id"], slots["email"], slots["refund_eligible"]) == ("A1007", "sam.okafor@example.com", True)
    assert [m["response"] for m in dispatcher.messages] == ["utter_noted_email"]


async def test_an_email_while_the_order_is_asked_is_kept(shop_db, form, domain):
    text = "sam.okafor@example.com"
    dispatcher, slots = await run_form(form, domain, {"order_id": text}, requested_slot="order_id", text=text)
    assert slots["order_id"] is None and slots["email"] == text
    assert "utter_invalid_order_id" not in responses(dispatcher)
    assert responses(dispatcher) == ["utter_noted_email"]


async def test_the_reason_naming_another_refundable_item_takes_that_item(shop_db, form, domain):
    text = "actually it's the Chino Pants, they don't fit"
    dispatcher, slots = await run_form(
        form,
        domain,
        {"refund_reason": text},
        requested_slot="refund_reason",
        slots={**A1007, "refund_item": "Hoodie"},
        text=text,
    )
    assert slots["refund_item"] == "Chino Pants"
    assert slots["refund_reason"] is None  # asked again, for the chinos
    [message] = dispatcher.messages
    assert (message["response"], message["item"]) == ("utter_noted_refund_item", "Chino Pants (khaki, size 32)")


async def test_the_reason_naming_a_refunded_item_says_why_not(shop_db, form, domain):
    mark_refunded("A1007", "Leather Wallet")
    text = "the Leather Wallet broke"
    dispatcher, slots = await run_form(
        form,
        domain,
        {"refund_reason": text},
        requested_slot="refund_reason",
        slots={**A1007, "refund_item": "Hoodie"},
        text=text,
    )
    assert "refund_item" not in slots  # still the hoodie
    assert slots["refund_reason"] is None
    assert responses(dispatcher) == ["utter_refund_other_item_refused_already_refunded"]
    values = filled(dispatcher, "utter_refund_other_item_refused_already_refunded")
    assert (values["item"], values["order_id"]) == ("Leather Wallet (brown)", "A1007")  # why not that one
    assert values["kept_item"] == "Hoodie"


async def test_the_reason_naming_the_same_item_is_the_reason(shop_db, form, domain):
    text = "the Hoodie is too small"
    _, slots = await run_form(
        form,
        domain,
        {"refund_reason": text},
        requested_slot="refund_reason",
        slots={**A1007, "refund_item": "Hoodie"},
        text=text,
    )
    assert slots["refund_reason"] == text


async def test_the_request_is_read_back_before_it_is_filed(shop_db, dispatcher, domain):
    tracker = make_tracker(slots={**A1007, "refund_item": "Hoodie", "refund_reason": "It was too small."})
    assert await ActionAskRefundConfirmed().run(dispatcher, tracker, domain) == []
    [message] = dispatcher.messages
    assert message["response"] == "utter_ask_refund_confirmed"
    assert (message["item"], message["order_id"], message["reason"]) == (
        "Hoodie (green, size L)",
        "A1007",
        "it was too small",
    )
    [variation] = domain["responses"]["utter_ask_refund_confirmed"]
    assert [b["payload"] for b in variation["buttons"]] == ["/affirm", "/deny"]


async def required(form, domain, slots):
    return await form.required_slots(
        form.domain_slots(domain), CollectingDispatcher(), make_tracker(slots=slots), domain
    )


async def test_confirmation_is_required_and_a_no_asks_what_to_change(shop_db, form, domain):
    slots = {**A1007, "refund_item": "Hoodie", "refund_reason": "too small"}
    assert await required(form, domain, slots) == [
        "order_id",
        "email",
        "refund_item",
        "refund_reason",
        "refund_confirmed",
    ]  # what to change only after a no
    _dispatcher, new = await run_form(
        form,
        domain,
        {"refund_confirmed": False},
        slots=slots,
        requested_slot="refund_confirmed",
        text="no",
        intent="deny",
    )
    assert new["refund_confirmed"] is False
    # The form's own list now: Rasa asks its first empty slot, what to change.
    assert "requested_slot" not in new
    assert await required(form, domain, {**slots, "refund_confirmed": False}) == [
        "order_id",
        "email",
        "refund_item",
        "refund_reason",
        "refund_change",
        "refund_confirmed",
    ]


@pytest.mark.parametrize(
    "answer, emptied, asked",
    [("item", "refund_item", "refund_item"), ("change the reason", "refund_reason", "refund_reason")],
)
async def test_changing_the_item_or_the_reason(shop_db, form, domain, answer, emptied, asked):
    slots = {**A1007, "refund_item": "Hoodie", "refund_reason": "too small", "refund_confirmed": False}
    dispatcher, new = await run_form(
        form, domain, {"refund_change": answer}, slots=slots, requested_slot="refund_change", text=answer
    )
    assert new[emptied] is None and new["refund_confirmed"] is None and new["refund_change"] is None
    # The usual slots again: Rasa's form asks the first empty one, then the confirmation.
    remaining = {**slots, **new}
    required_now = await required(form, domain, remaining)
    assert [slot for slot in required_now if remaining.get(slot) is None] == [asked, "refund_confirmed"]
    assert dispatcher.messages == []


async def test_an_unclear_change_is_asked_again(shop_db, form, domain):
    slots = {**A1007, "refund_item": "Hoodie", "refund_reason": "too small", "refund_confirmed": False}
    dispatcher, new = await run_form(
        form, domain, {"refund_change": "hmm"}, slots=slots, requested_slot="refund_change", text="hmm"
    )
    assert new["refund_change"] is None and "requested_slot" not in new  # Rasa asks refund_change again
    assert responses(dispatcher) == ["utter_refund_change_unclear"]
    payloads = [b["payload"] for b in domain["responses"]["utter_ask_refund_change"][0]["buttons"]]
    assert payloads == ['/inform{"refund_change": "item"}', '/inform{"refund_change": "reason"}', "/cancel"]


async def test_an_unconfirmed_refund_is_not_written(shop_db, dispatcher, domain):
    tracker = make_tracker(
        slots={**A1007, "refund_item": "Hoodie", "refund_reason": "too small", "refund_confirmed": False}
    )
    events = await ActionSubmitRefund().run(dispatcher, tracker, domain)
    assert refunds() == []
    assert responses(dispatcher) == ["utter_refund_not_filed"]
    assert slot_events(events) == dict.fromkeys(REFUND_SLOTS)


@pytest.mark.parametrize("reason", REFUSAL_REASONS)
@pytest.mark.parametrize(
    "told, more",
    [("refused", set()), ("item_refused", set()), ("other_item_refused", {"kept_item"})],
)
def test_every_refusal_has_its_response_filled_by_the_refusal_values(domain, reason, told, more):
    [variation] = domain["responses"][f"utter_refund_{told}_{reason}"]
    assert set(re.findall(r"{(\w+)}", variation["text"])) <= {"item", "order_id", "days", "deadline"} | more
    # Refusing the whole order offers a person; refusing an item asks for another instead.
    assert offers_a_person(domain, f"utter_refund_{told}_{reason}") is (told == "refused")
