"""Buying in the chat: the purchase form's validation and placing the order, on real SQLite."""

import asyncio
import json
import re
import threading

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select, update

from actions.orders import (
    ActionAskPurchaseConfirmed,
    ActionAskSize,
    ActionPlaceOrder,
    ValidatePurchaseForm,
)
from shop import catalog
from shop.db import session_scope
from shop.models import Order, Product, Variant
from shop.orders import QUANTITY_PROBLEMS
from tests.support.trackers import buttons_of, entity, filled, form_tracker, make_tracker, responses, slot_events

FORM = "purchase_form"
PURCHASE_SLOTS = ["product", "size", "color", "quantity", "email", "purchase_confirmed"]


def stock(name, size, color) -> int:
    with session_scope() as session:
        product = session.scalar(select(Product).where(Product.name == name))
        return catalog.find_variant(product, size, color).stock


def set_stock(name, size, color, value) -> None:
    with session_scope() as session:
        product = session.scalar(select(Product).where(Product.name == name))
        vid = catalog.find_variant(product, size, color).id
        session.execute(update(Variant).where(Variant.id == vid).values(stock=value))


def order_count() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count(Order.id)))


def purchase_payloads(dispatcher):
    """The entities of each /purchase button: {"product": ..., "size": ..., "color": ...}."""
    payloads = [b["payload"] for b in buttons_of(dispatcher)]
    assert all(p.startswith("/purchase") for p in payloads), payloads
    return [json.loads(p[len("/purchase") :] or "{}") for p in payloads]


def assert_all_in_stock(alternatives) -> None:
    for alt in alternatives:
        assert stock(alt["product"], alt.get("size"), alt["color"]) > 0, alt


@pytest.fixture
def form():
    return ValidatePurchaseForm()


def tracker_with(**slots):
    return make_tracker(slots=slots, active_loop=FORM)


def answering(slot, **slots):
    """The customer's latest message is the answer to the form's question for `slot`."""
    return make_tracker(slots={**slots, "requested_slot": slot}, active_loop=FORM)


# --------------------------------------------------------------------------- product


@pytest.mark.parametrize("value", ["flux capacitor", "a unicorn", "socks"])
def test_validate_product_unknown(shop_db, form, dispatcher, domain, value):
    assert form.validate_product(value, dispatcher, answering("product"), domain) == {"product": None}
    [name] = responses(dispatcher)  # with near names or without
    assert name.startswith("utter_product_not_found") and filled(dispatcher, name)["name"] == value


def test_validate_product_unknown_suggests_close_names(shop_db, form, dispatcher, domain):
    # two edits from "hoodie" ("hoddie", one edit, is simply the Hoodie: see test_inventory)
    assert form.validate_product("hoddei", dispatcher, answering("product"), domain) == {"product": None}
    assert filled(dispatcher, "utter_product_not_found_did_you_mean")["similar"].startswith("Hoodie")
    assert purchase_payloads(dispatcher)[0] == {"product": "Hoodie"}


def test_validate_product_sold_out(shop_db, form, dispatcher, domain):
    assert form.validate_product("Suede Loafers", dispatcher, answering("product"), domain) == {"product": None}
    assert filled(dispatcher, "utter_product_sold_out_similar") == {"product": "Suede Loafers"}
    alternatives = purchase_payloads(dispatcher)
    assert len(alternatives) == 3
    assert all(alt["product"] != "Suede Loafers" for alt in alternatives)
    assert_all_in_stock(alternatives)


@pytest.mark.parametrize(
    "value, earlier_slots, expected",
    [
        ("dress shoes", {}, {"product": "Classic Dress Shoes", "size": None, "color": None}),
        ("Hoodie", {}, {"product": "Hoodie", "size": None, "color": None}),
        ("hoodies", {}, {"product": "Hoodie", "size": None, "color": None}),
        # answers given before the product are kept when they fit it ...
        (
            "dress shoes",
            {"size": "size 10", "color": "black"},
            {"product": "Classic Dress Shoes", "size": "10", "color": "black"},
        ),
        # ... and dropped when they don't
        (
            "dress shoes",
            {"size": "M", "color": "green"},
            {"product": "Classic Dress Shoes", "size": None, "color": None},
        ),
        # the only color there is is chosen without asking
        ("denim jacket", {}, {"product": "Denim Jacket", "size": None, "color": "blue"}),
        # no sizes at all
        ("backpack", {"size": "10"}, {"product": "Canvas Backpack", "size": None, "color": None}),
    ],
)
def test_validate_product_good(shop_db, form, dispatcher, domain, value, earlier_slots, expected):
    assert form.validate_product(value, dispatcher, answering("product", **earlier_slots), domain) == expected
    assert dispatcher.messages == []


# --------------------------------------------------------------------------- size


def test_validate_size_unknown(shop_db, form, dispatcher, domain):
    tracker = answering("size", product="Classic Dress Shoes")
    assert form.validate_size("13", dispatcher, tracker, domain) == {"size": None}
    assert filled(dispatcher, "utter_size_not_offered") == {
        "product": "Classic Dress Shoes",
        "sizes": "7, 8, 9, 10, 11 or 12",
        "value": "13",
    }


def test_validate_size_sold_out_offers_in_stock_alternatives(shop_db, form, dispatcher, domain):
    tracker = tracker_with(product="Classic Dress Shoes", color="brown")
    assert form.validate_size("10", dispatcher, tracker, domain) == {"size": None}
    assert filled(dispatcher, "utter_option_sold_out_alternatives") == {"item": "Classic Dress Shoes (brown, size 10)"}
    alternatives = purchase_payloads(dispatcher)
    assert {"product": "Classic Dress Shoes", "size": "10", "color": "black"} in alternatives
    assert {"product": "Classic Dress Shoes", "size": "10", "color": "brown"} not in alternatives
    assert_all_in_stock(alternatives)


@pytest.mark.parametrize(
    "slots, value, expected",
    [
        ({"product": "Classic Dress Shoes", "color": "brown"}, "size 9", "9"),
        ({"product": "Classic Dress Shoes"}, "10", "10"),  # color still open: black 10 is in stock
        ({"product": "Hoodie"}, "medium", "M"),
        ({"product": "Chino Pants", "color": "khaki"}, "32", "32"),
    ],
)
def test_validate_size_good(shop_db, form, dispatcher, domain, slots, value, expected):
    assert form.validate_size(value, dispatcher, answering("size", **slots), domain) == {"size": expected}
    assert dispatcher.messages == []


def test_validate_size_without_product(shop_db, form, dispatcher, domain):
    assert form.validate_size("10", dispatcher, answering("size"), domain) == {"size": None}


# --------------------------------------------------------------------------- color


def test_validate_color(shop_db, form, dispatcher, domain):
    tracker = answering("color", product="Classic Dress Shoes", size="10")
    assert form.validate_color("the black ones", CollectingDispatcher(), tracker, domain) == {"color": "black"}

    assert form.validate_color("white", dispatcher, tracker, domain) == {"color": None}
    assert filled(dispatcher, "utter_color_not_offered") == {
        "product": "Classic Dress Shoes",
        "colors": "black or brown",
        "value": "white",
    }

    sold_out = CollectingDispatcher()
    assert form.validate_color("brown", sold_out, tracker, domain) == {"color": None}
    assert filled(sold_out, "utter_option_sold_out_alternatives") == {"item": "Classic Dress Shoes (brown, size 10)"}
    assert_all_in_stock(purchase_payloads(sold_out))


# --------------------------------------------------------------------------- quantity


@pytest.mark.parametrize(
    "value, expected, message",
    [
        ("1", 1, None),
        ("two", 2, None),
        ("a couple", 2, None),
        (3, 3, None),
        ("10", 10, None),
        (0, None, "utter_quantity_not_positive"),
        ("0", None, "utter_quantity_not_positive"),
        (-3, None, "utter_quantity_not_positive"),
        ("-3", None, "utter_quantity_not_positive"),
        ("a million", None, "utter_quantity_too_many"),
        ("11", None, "utter_quantity_too_many"),
        ("9" * 400, None, "utter_quantity_too_many"),
        ("2.5", None, "utter_quantity_not_whole"),
        ("lots", None, "utter_quantity_not_a_number"),
        (None, None, "utter_quantity_not_a_number"),  # said, but no quantity at all
    ],
)
def test_validate_quantity(shop_db, form, dispatcher, domain, value, expected, message):
    tracker = answering("quantity", product="Hoodie", size="M", color="black")  # 20 in stock
    assert form.validate_quantity(value, dispatcher, tracker, domain) == {"quantity": expected}
    if message is None:
        assert dispatcher.messages == []
    else:
        assert responses(dispatcher) == [message]
        assert filled(dispatcher, message) == {"most": 10}  # the most the chat sells, for utter_quantity_too_many


@pytest.mark.parametrize("problem", QUANTITY_PROBLEMS)
def test_every_quantity_problem_has_its_response(domain, problem):
    [variation] = domain["responses"][f"utter_quantity_{problem}"]
    assert set(re.findall(r"{(\w+)}", variation["text"])) <= {"most"}


def test_a_bare_number_answers_the_quantity_asked_though_tagged_as_a_size(shop_db, form, dispatcher, domain):
    # The entity tagger reads a lone "0" as a size; asked for a quantity, it is the quantity.
    tracker = make_tracker(
        slots={"product": "Canvas Backpack", "color": "olive", "requested_slot": "quantity"},
        active_loop=FORM,
        text="0",
        entities=[{"entity": "size", "value": "0", "start": 0, "end": 1}],
    )
    assert form.validate_size("0", dispatcher, tracker, domain) == {"size": None}
    assert form.validate_quantity("0", dispatcher, tracker, domain) == {"quantity": None}
    assert responses(dispatcher) == ["utter_quantity_not_positive"]


def test_validate_quantity_too_many_points_to_sales(shop_db, form, dispatcher, domain):
    form.validate_quantity("a million", dispatcher, answering("quantity", product="Hoodie"), domain)
    assert responses(dispatcher) == ["utter_quantity_too_many"]
    assert '"book a meeting"' in domain["responses"]["utter_quantity_too_many"][0]["text"]


def test_validate_quantity_more_than_in_stock(shop_db, form, dispatcher, domain):
    tracker = answering("quantity", product="Classic Dress Shoes", size="11", color="brown")  # 3 in stock
    assert form.validate_quantity("4", dispatcher, tracker, domain) == {"quantity": None}
    assert filled(dispatcher, "utter_quantity_more_than_stock") == {
        "stock": 3,
        "item": "Classic Dress Shoes (brown, size 11)",
    }
    assert form.validate_quantity("3", CollectingDispatcher(), tracker, domain) == {"quantity": 3}


def test_validate_quantity_checks_stock_of_a_product_without_sizes(shop_db, form, dispatcher, domain):
    tracker = answering("quantity", product="Canvas Backpack", color="olive")  # 2 in stock
    assert form.validate_quantity("3", dispatcher, tracker, domain) == {"quantity": None}
    assert filled(dispatcher, "utter_quantity_more_than_stock") == {"stock": 2, "item": "Canvas Backpack (olive)"}


# --------------------------------------------------------------------------- email, confirmation


@pytest.mark.parametrize(
    "value, expected",
    [
        ("Jane@Example.com", "jane@example.com"),
        ("it's jane.doe@example.co.uk", "jane.doe@example.co.uk"),
        ("jane@example", None),
        ("no email", None),
        ("", None),
    ],
)
def test_validate_email(form, dispatcher, domain, value, expected):
    assert form.validate_email(value, dispatcher, answering("email"), domain) == {"email": expected}
    assert (responses(dispatcher) == ["utter_invalid_email"]) is (expected is None)


@pytest.mark.parametrize("value, expected", [(True, True), (False, False), (None, False)])
def test_validate_purchase_confirmed(form, dispatcher, domain, value, expected):
    result = form.validate_purchase_confirmed(value, dispatcher, tracker_with(), domain)
    assert result == {"purchase_confirmed": expected}


# --------------------------------------------------------------------------- required slots, run


@pytest.mark.parametrize(
    "product, expected",
    [
        (None, PURCHASE_SLOTS),
        ("Classic Dress Shoes", PURCHASE_SLOTS),
        ("Canvas Backpack", ["product", "color", "quantity", "email", "purchase_confirmed"]),
        ("Leather Wallet", ["product", "color", "quantity", "email", "purchase_confirmed"]),
    ],
)
async def test_required_slots(shop_db, form, dispatcher, domain, product, expected):
    assert form.domain_slots(domain) == PURCHASE_SLOTS
    tracker = tracker_with(product=product)
    assert await form.required_slots(form.domain_slots(domain), dispatcher, tracker, domain) == expected


async def test_form_run_validates_the_product(shop_db, form, dispatcher, domain):
    tracker = form_tracker(FORM, {"product": "dress shoes"}, slots={"color": "black"}, requested_slot="product")
    events = await form.run(dispatcher, tracker, domain)
    # all of the domain's slots are required for shoes, so Rasa picks the next slot itself
    assert slot_events(events) == {"product": "Classic Dress Shoes", "size": None, "color": "black"}
    assert dispatcher.messages == []


async def test_form_run_skips_the_size_of_a_backpack(shop_db, form, dispatcher, domain):
    tracker = form_tracker(FORM, {"product": "backpack"}, slots={"size": "10"}, requested_slot="product")
    events = await form.run(dispatcher, tracker, domain)
    assert slot_events(events) == {"product": "Canvas Backpack", "size": None, "color": None, "requested_slot": "color"}


async def test_form_run_ends_when_a_backpack_order_is_complete(shop_db, form, dispatcher, domain):
    known = {"product": "Canvas Backpack", "color": "navy", "quantity": 1, "email": "jane@example.com"}
    tracker = form_tracker(
        FORM, {"purchase_confirmed": True}, slots=known, requested_slot="purchase_confirmed", intent="affirm"
    )
    events = await form.run(dispatcher, tracker, domain)
    assert slot_events(events) == {"purchase_confirmed": True, "requested_slot": None}


async def test_form_run_rejects_a_sold_out_size_and_asks_again(shop_db, form, dispatcher, domain):
    tracker = form_tracker(
        FORM, {"size": "10"}, slots={"product": "Classic Dress Shoes", "color": "brown"}, requested_slot="size"
    )
    events = await form.run(dispatcher, tracker, domain)
    assert slot_events(events) == {"size": None}
    assert responses(dispatcher) == ["utter_option_sold_out_alternatives"]


async def test_form_run_validates_several_answers_in_one_message(shop_db, form, dispatcher, domain):
    tracker = form_tracker(
        FORM,
        {"size": "size 9", "color": "brown", "quantity": "two"},
        slots={"product": "Classic Dress Shoes"},
        requested_slot="size",
    )
    events = await form.run(dispatcher, tracker, domain)
    assert slot_events(events) == {"size": "9", "color": "brown", "quantity": 2}


# --------------------------------------------------------------------------- asking


async def test_ask_size_offers_only_sizes_in_stock(shop_db, dispatcher, domain):
    tracker = make_tracker(slots={"product": "Classic Dress Shoes", "color": "brown"}, active_loop=FORM)
    await ActionAskSize().run(dispatcher, tracker, domain)
    assert [b["title"] for b in buttons_of(dispatcher)] == ["7", "8", "9", "11", "12"]
    assert filled(dispatcher, "utter_which_size_some_sold_out") == {
        "item": "Classic Dress Shoes (brown)",
        "sold_out": "10",
    }


async def test_ask_purchase_confirmed_shows_the_total(shop_db, dispatcher, domain):
    slots = {"product": "Hoodie", "size": "M", "color": "black", "quantity": "2", "email": "jane@example.com"}
    await ActionAskPurchaseConfirmed().run(dispatcher, make_tracker(slots=slots, active_loop=FORM), domain)
    assert filled(dispatcher, "utter_ask_to_place_the_order") == {
        "quantity": 2,
        "item": "Hoodie (black, size M)",
        "price": "$65.00",
        "total": "$130.00",
        "email": "jane@example.com",
    }
    [variation] = domain["responses"]["utter_ask_to_place_the_order"]
    assert [b["payload"] for b in variation["buttons"]] == ["/affirm", "/deny"]


# --------------------------------------------------------------------------- placing the order


def confirmed_purchase(confirmed=True, sender_id="buyer-1", **overrides):
    slots = {
        "product": "Classic Dress Shoes",
        "size": "11",
        "color": "black",
        "quantity": 2,
        "email": "jane@example.com",
        "purchase_confirmed": confirmed,
        **overrides,
    }
    return make_tracker(sender_id=sender_id, slots=slots, intent="affirm")


async def test_place_order_confirmed(shop_db, dispatcher, domain):
    assert stock("Classic Dress Shoes", "11", "black") == 3
    events = await ActionPlaceOrder().run(dispatcher, confirmed_purchase(), domain)

    assert stock("Classic Dress Shoes", "11", "black") == 1
    assert filled(dispatcher, "utter_order_placed") == {
        "order_id": "A1009",
        "quantity": 2,
        "item": "Classic Dress Shoes (black, size 11)",
        "total": "$178.00",
        "email": "jane@example.com",
    }
    assert slot_events(events) == {
        "quantity": None,
        "purchase_confirmed": None,
        "order_id": "A1009",
        "csat_outcome": "order",
    }
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "csat_form"}  # how did I do?
    with session_scope() as session:
        order = session.scalar(select(Order).where(Order.reference == "A1009"))
        assert (order.email, order.sender_id, order.status, order.total_cents) == (
            "jane@example.com",
            "buyer-1",
            "placed",
            17800,
        )
        assert [(i.variant.size, i.variant.color, i.quantity) for i in order.items] == [("11", "black", 2)]


async def test_place_order_of_a_product_without_sizes(shop_db, dispatcher, domain):
    tracker = confirmed_purchase(product="Canvas Backpack", size=None, color="navy", quantity="1")
    await ActionPlaceOrder().run(dispatcher, tracker, domain)
    assert filled(dispatcher, "utter_order_placed")["order_id"] == "A1009"
    assert stock("Canvas Backpack", None, "navy") == 16


async def test_place_order_not_confirmed_writes_nothing(shop_db, dispatcher, domain):
    events = await ActionPlaceOrder().run(dispatcher, confirmed_purchase(confirmed=False), domain)
    assert responses(dispatcher) == ["utter_order_not_placed"]
    assert slot_events(events) == {"quantity": None, "purchase_confirmed": None}
    assert order_count() == 8
    assert stock("Classic Dress Shoes", "11", "black") == 3


async def test_place_order_when_the_stock_went_meanwhile(shop_db, dispatcher, domain):
    set_stock("Classic Dress Shoes", "11", "black", 0)
    events = await ActionPlaceOrder().run(dispatcher, confirmed_purchase(), domain)

    assert filled(dispatcher, "utter_order_sold_out_meanwhile_alternatives") == {
        "item": "Classic Dress Shoes (black, size 11)"
    }
    alternatives = purchase_payloads(dispatcher)
    assert alternatives
    assert_all_in_stock(alternatives)
    assert slot_events(events) == {"quantity": None, "purchase_confirmed": None, "size": None, "color": None}
    assert order_count() == 8
    assert stock("Classic Dress Shoes", "11", "black") == 0


async def test_place_order_when_less_is_left_than_asked(shop_db, dispatcher, domain):
    set_stock("Classic Dress Shoes", "11", "black", 1)
    await ActionPlaceOrder().run(dispatcher, confirmed_purchase(quantity=2), domain)
    assert responses(dispatcher) == ["utter_order_sold_out_meanwhile_alternatives"]
    assert order_count() == 8
    assert stock("Classic Dress Shoes", "11", "black") == 1


def test_two_customers_confirm_the_last_unit_at_once(shop_db, domain):
    """Two conversations, two action calls at the same moment: one order, one apology."""
    assert stock("Classic Dress Shoes", "10", "black") == 1
    barrier = threading.Barrier(2)
    dispatchers = {name: CollectingDispatcher() for name in ("ann", "bob")}
    errors = []

    def customer(name: str) -> None:
        try:
            tracker = confirmed_purchase(sender_id=name, size="10", quantity=1)
            barrier.wait(timeout=10)
            asyncio.run(ActionPlaceOrder().run(dispatchers[name], tracker, domain))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=customer, args=(name,)) for name in dispatchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    answers = sorted(responses(d)[0] for d in dispatchers.values())
    assert answers == ["utter_order_placed", "utter_order_sold_out_meanwhile_alternatives"]
    assert stock("Classic Dress Shoes", "10", "black") == 0
    with session_scope() as session:
        new = list(session.scalars(select(Order).where(Order.reference > "A1008")))
    winner = next(name for name, d in dispatchers.items() if responses(d) == ["utter_order_placed"])
    assert [o.sender_id for o in new] == [winner]


def test_values_carried_over_from_earlier_turns_are_dropped_quietly(shop_db, form, dispatcher, domain):
    """A size and color from an earlier product are validated again when the form starts: if
    they do not fit the new product the form just asks, without blaming the customer."""
    tracker = answering("product", product="Hoodie", size="10", color="brown")
    assert form.validate_size("10", dispatcher, tracker, domain) == {"size": None}
    assert form.validate_color("brown", dispatcher, tracker, domain) == {"color": None}
    assert form.validate_quantity("me@example.com", dispatcher, tracker, domain) == {"quantity": None}
    assert dispatcher.messages == []


def test_an_answer_to_another_question_is_not_a_quantity(shop_db, form, dispatcher, domain):
    tracker = make_tracker(
        slots={"requested_slot": "quantity", "product": "Hoodie"},
        active_loop=FORM,
        text="actually size L",
        entities=[{"entity": "size", "value": "L"}],
    )
    assert form.validate_quantity("actually size L", dispatcher, tracker, domain) == {"quantity": None}
    assert dispatcher.messages == []


# --------------------------------------------------------------------------- answers in any order


async def test_an_email_while_the_size_is_asked_is_kept_with_the_size_entity(shop_db, domain):
    text = "M, and it's sam.lee@example.com"
    tracker = form_tracker(
        "purchase_form",
        {"size": "M"},
        slots={"product": "Hoodie"},
        requested_slot="size",
        text=text,
        entities=[entity("size", "M")],
    )
    dispatcher = CollectingDispatcher()
    slots = slot_events(await ValidatePurchaseForm().run(dispatcher, tracker, domain))
    assert (slots["size"], slots["email"]) == ("M", "sam.lee@example.com")
    assert [m.get("response") for m in dispatcher.messages] == ["utter_noted_email"]


async def test_an_email_while_the_color_is_asked_is_not_taken_for_a_color(shop_db, domain):
    text = "sam.lee@example.com"
    tracker = form_tracker(
        "purchase_form", {"color": text}, slots={"product": "Hoodie", "size": "M"}, requested_slot="color", text=text
    )
    dispatcher = CollectingDispatcher()
    slots = slot_events(await ValidatePurchaseForm().run(dispatcher, tracker, domain))
    assert slots["color"] is None and slots["email"] == text
    assert "utter_color_not_offered" not in responses(dispatcher)


def user_says(text, intent, **entities):
    return {
        "event": "user",
        "text": text,
        "parse_data": {"intent": {"name": intent}, "entities": [entity(k, v) for k, v in entities.items()]},
    }


@pytest.mark.parametrize(
    "earlier, expected",
    [
        ([user_says("i want to return something", "refund")], "refund_form"),
        ([user_says("where is my order", "order_status"), user_says("a@b.co", "inform")], "order_status_form"),
        ([user_says("refund please", "refund"), user_says("where is my order", "order_status")], "order_status_form"),
        ([user_says("hi", "greet")], None),
        ([], None),
        # Too long ago: the refund was three messages before.
        ([user_says("refund", "refund"), *[user_says("hm", "inform")] * 3], None),
    ],
)
def test_order_task_of_an_order_number_said_on_its_own(earlier, expected):
    from actions.orders import order_task_of

    assert order_task_of([*earlier, user_says("A1003", "inform", order_id="A1003")]) == expected


async def test_an_order_number_after_a_refused_refund_goes_on_with_the_refund(shop_db, domain):
    from actions.orders import ActionOrderNumberGiven

    events = [user_says("i want to return something", "refund"), user_says("A1003", "inform", order_id="A1003")]
    tracker = make_tracker(slots={"order_id": "A1003"}, events=events)
    dispatcher = CollectingDispatcher()
    assert await ActionOrderNumberGiven().run(dispatcher, tracker, domain) == [
        {"event": "followup", "timestamp": None, "name": "refund_form"}
    ]
    assert responses(dispatcher) == []


async def test_an_order_number_out_of_the_blue_asks_what_for_with_buttons(shop_db, domain):
    from actions.orders import ActionOrderNumberGiven

    tracker = make_tracker(slots={"order_id": "a1003"}, events=[user_says("a1003", "inform", order_id="a1003")])
    dispatcher = CollectingDispatcher()
    assert await ActionOrderNumberGiven().run(dispatcher, tracker, domain) == []
    assert filled(dispatcher, "utter_order_number_what_for") == {"order_id": "A1003"}
    assert [b["payload"] for b in buttons_of(dispatcher)] == [
        '/order_status{"order_id": "A1003"}',
        '/refund{"order_id": "A1003"}',
    ]


@pytest.mark.parametrize(
    "ranking, asked",
    [
        # "do you take bitcoin", under the FAQ's threshold: asked about, not taken for a color.
        ([("nlu_fallback", 0.62), ("faq", 0.41), ("out_of_scope", 0.15)], True),
        # Not understood, but no FAQ either: read as the answer (and refused by the validation).
        ([("nlu_fallback", 0.7), ("inform", 0.25), ("faq", 0.2)], False),
    ],
)
async def test_an_faq_the_bot_is_unsure_of_is_asked_about_not_taken_for_the_color(shop_db, domain, ranking, asked):
    text = "do you take bitcoin"
    tracker = form_tracker(
        "purchase_form",
        {"color": text},
        slots={"product": "Hoodie", "size": "M"},
        requested_slot="color",
        text=text,
        intent="nlu_fallback",
    )
    tracker.latest_message["intent_ranking"] = [{"name": n, "confidence": c} for n, c in ranking]
    tracker.latest_message["response_selector"] = {"faq": {"response": {"intent_response_key": "faq/payment"}}}
    dispatcher = CollectingDispatcher()
    events = await ValidatePurchaseForm().run(dispatcher, tracker, domain)
    assert slot_events(events)["color"] is None  # the question comes again
    if asked:
        assert responses(dispatcher) == ["utter_clarify_one"]
        assert buttons_of(dispatcher)[0]["payload"] == '/faq_topic_chosen{"faq_topic": "payment"}'
    else:
        assert responses(dispatcher) == ["utter_color_not_offered"]
