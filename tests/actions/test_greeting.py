"""The page-aware greeting and the page's product as the product of a question, on real SQLite."""

import pytest

from actions.catalog import ActionCheckStock, ActionProductInfo
from actions.greeting import ActionGreet, page_greeting, pricing_greeting
from tests.support.trackers import action_event, entity, filled, make_tracker, responses, said, slot_events, user_event


def on_page(text, intent, entities=(), **metadata):
    """A tracker whose latest user message came from a page of the shop with this metadata."""
    message = user_event(text, intent, entities)
    message["metadata"] = metadata
    return make_tracker(text=text, intent=intent, entities=entities, events=[action_event("action_listen"), message])


def payloads(message):
    return [b["payload"] for b in message.get("buttons") or []]


async def test_pricing_page_offers_pricing_answers_and_a_demo(shop_db, dispatcher, domain):
    tracker = on_page("/greet", "greet", page="pricing", path="/pricing", utm_source="newsletter")
    events = await ActionGreet().run(dispatcher, tracker, domain)

    [message] = dispatcher.messages
    assert responses(dispatcher) == ["utter_greet_pricing"] and filled(dispatcher, "utter_greet_pricing") == {}
    assert "pricing" in said(dispatcher) and "demo" in said(dispatcher)
    assert payloads(message) == ["/sales_inquiry", "/book_meeting", '/human_handoff{"handoff_team": "sales"}']
    assert [b["title"] for b in message["buttons"]] == ["See business pricing", "Book a demo", "Talk to sales"]
    assert events == []


async def test_product_page_greets_about_the_product_and_remembers_it(shop_db, dispatcher, domain):
    tracker = on_page("/greet", "greet", page="product", path="/products/hoodie", product="Hoodie")
    tracker.slots.update(product="Running Shoes", size="10", color="blue")
    events = await ActionGreet().run(dispatcher, tracker, domain)

    [message] = dispatcher.messages
    assert responses(dispatcher) == ["utter_greet_product_in_sizes"]
    assert filled(dispatcher, "utter_greet_product_in_sizes") == {
        "product": "Hoodie",
        "price": "$65.00",
        "sizes": "S, M, L and XL",
    }
    assert "{" not in said(dispatcher)
    assert payloads(message) == [
        '/check_stock{"product": "Hoodie"}',
        '/purchase{"product": "Hoodie"}',
        "/human_handoff",
    ]
    # The sizes and colors picked for the running shoes don't carry over to the hoodie.
    assert slot_events(events) == {"product": "Hoodie", "size": None, "color": None, "quantity": None}


async def test_the_same_product_page_again_keeps_the_chosen_options(shop_db, dispatcher, domain):
    tracker = on_page("/greet", "greet", page="product", product="Hoodie")
    tracker.slots.update(product="Hoodie", size="M")
    events = await ActionGreet().run(dispatcher, tracker, domain)
    assert slot_events(events) == {"product": "Hoodie"}


async def test_a_product_page_greeting_does_not_switch_an_order_in_progress(shop_db, dispatcher, domain):
    message = user_event("/greet", "greet")
    message["metadata"] = {"page": "product", "product": "Hoodie"}
    tracker = make_tracker(
        text="/greet",
        intent="greet",
        events=[action_event("action_listen"), message],
        slots={"product": "Running Shoes", "size": "10", "requested_slot": "color"},
        active_loop="purchase_form",
    )
    events = await ActionGreet().run(dispatcher, tracker, domain)
    assert filled(dispatcher, "utter_greet_product_in_sizes")["product"] == "Hoodie"
    assert events == [], "the purchase form goes on with the running shoes and asks its question again"


async def test_sold_out_product_page_says_so(shop_db, dispatcher, domain):
    tracker = on_page("/greet", "greet", page="product", product="Suede Loafers")
    await ActionGreet().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert responses(dispatcher) == ["utter_greet_product_sold_out"]
    assert filled(dispatcher, "utter_greet_product_sold_out") == {"product": "Suede Loafers", "price": "$95.00"}
    assert "{" not in said(dispatcher)
    assert '/purchase{"product": "Suede Loafers"}' not in payloads(message)


async def test_a_product_without_sizes_is_just_in_stock(shop_db, dispatcher, domain):
    tracker = on_page("/greet", "greet", page="product", product="Canvas Backpack")
    await ActionGreet().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert responses(dispatcher) == ["utter_greet_product_in_stock"]
    assert filled(dispatcher, "utter_greet_product_in_stock") == {"product": "Canvas Backpack", "price": "$79.00"}
    assert "{" not in said(dispatcher)
    assert payloads(message)[:2] == [
        '/check_stock{"product": "Canvas Backpack"}',
        '/purchase{"product": "Canvas Backpack"}',
    ]


@pytest.mark.parametrize(
    "metadata",
    [
        {},  # REST, the shell
        {"page": "home", "path": "/"},  # the shop's home page
        {"source": "messenger", "page": "hoodie-landing"},  # an m.me referral
        {"page": "product", "product": "Flying Carpet"},  # not in the catalog
        {"page": "product", "product": "hodie"},  # the browser's word is not fuzzy-matched
    ],
)
async def test_anywhere_else_the_usual_greeting(shop_db, dispatcher, domain, metadata):
    events = await ActionGreet().run(dispatcher, on_page("hi", "greet", **metadata), domain)
    assert dispatcher.messages == [dispatcher.messages[0]] and dispatcher.messages[0]["response"] == "utter_greet"
    assert events == []


def test_pricing_wins_over_a_product_named_on_the_pricing_page():
    assert page_greeting("pricing", None) == pricing_greeting()
    assert page_greeting("home", None) is None


# --------------------------------------------------------------------------- the page's product


async def test_a_question_without_a_product_on_a_product_page_is_about_that_product(shop_db, dispatcher, domain):
    tracker = on_page(
        "do you have it in size 10?",
        "check_stock",
        [entity("size", "10")],
        page="product",
        path="/products/running-shoes",
        product="Running Shoes",
    )
    tracker.slots["size"] = "10"
    events = await ActionCheckStock().run(dispatcher, tracker, domain)

    assert filled(dispatcher, "utter_stock_in_stock")["product"] == "Running Shoes"
    assert filled(dispatcher, "utter_stock_in_stock")["options"] == "size 10"
    assert slot_events(events)["product"] == "Running Shoes"


async def test_a_product_named_in_the_message_wins_over_the_page(shop_db, dispatcher, domain):
    tracker = on_page(
        "tell me about the hoodie",
        "product_info",
        [entity("product", "Hoodie")],
        page="product",
        product="Running Shoes",
    )
    await ActionProductInfo().run(dispatcher, tracker, domain)
    assert filled(dispatcher, "utter_product_info_colors_sizes_in_stock")["name"] == "Hoodie"


async def test_the_product_talked_about_wins_over_the_page(shop_db, dispatcher, domain):
    tracker = on_page("how much is it?", "product_info", page="product", product="Running Shoes")
    tracker.slots["product"] = "Wool Coat"
    await ActionProductInfo().run(dispatcher, tracker, domain)
    assert filled(dispatcher, "utter_product_info_colors_sizes_in_stock")["name"] == "Wool Coat"


async def test_without_a_product_or_a_product_page_it_still_asks_which(shop_db, dispatcher, domain):
    for metadata in ({}, {"page": "product", "product": "Flying Carpet"}):
        dispatcher.messages.clear()
        await ActionCheckStock().run(
            dispatcher, on_page("do you have it in size 10?", "check_stock", **metadata), domain
        )
        assert responses(dispatcher) == ["utter_which_product"]
