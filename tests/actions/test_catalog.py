"""Product questions: info, live stock with alternatives, delivery dates, on real SQLite."""

import itertools
import json
import re
from datetime import date

import pytest
from sqlalchemy import select, update

from actions.catalog import ActionCheckStock, ActionDeliveryEstimate, ActionProductInfo, product_info_response
from shop import catalog
from shop.db import session_scope
from shop.formatting import day
from shop.models import Product, Variant
from shop.orders import delivery_window
from tests.support.trackers import buttons_of, entity, filled, make_tracker, responses, slot_events


def in_stock(product: str, size, color) -> int:
    with session_scope() as session:
        p = session.scalar(select(Product).where(Product.name == product))
        return catalog.find_variant(p, size or None, color).stock


def description_of(product: str) -> str:
    with session_scope() as session:
        return session.scalar(select(Product.description).where(Product.name == product))


def payload_entities(button) -> dict:
    _intent, _, entities = button["payload"].partition("{")
    return json.loads("{" + entities) if entities else {}


# --------------------------------------------------------------------------- product info


async def test_product_info_for_a_product_entity(shop_db, dispatcher, domain):
    tracker = make_tracker(
        intent="product_info", text="tell me about the hoodies", entities=[entity("product", "Hoodie")]
    )
    events = await ActionProductInfo().run(dispatcher, tracker, domain)

    [message] = dispatcher.messages
    assert responses(dispatcher) == ["utter_product_info_colors_sizes_in_stock"]  # not a final sale
    assert filled(dispatcher, "utter_product_info_colors_sizes_in_stock") == {
        "name": "Hoodie",
        "price": "$65.00",
        "description": description_of("Hoodie"),
        "colors": "green and black",
        "sizes": "S, M, L and XL",
    }
    assert [b["payload"] for b in message["buttons"]] == [
        '/purchase{"product": "Hoodie"}',
        '/check_stock{"product": "Hoodie"}',
    ]
    assert message["custom"] == {
        "type": "product",
        "sku": "TOP-HOODIE",
        "name": "Hoodie",
        "price": "$65.00",
        "in_stock": True,
        "sizes": ["S", "M", "L", "XL"],
        "colors": ["green", "black"],
    }
    assert slot_events(events) == {"product": "Hoodie", "pending_question": None}


@pytest.mark.parametrize("text", ["how much is it?", "how much are they", "price?", "is it in stock?"])
async def test_product_info_about_the_product_of_the_conversation(shop_db, dispatcher, domain, text):
    tracker = make_tracker(intent="product_info", text=text, slots={"product": "Wool Coat"})
    events = await ActionProductInfo().run(dispatcher, tracker, domain)
    [name] = responses(dispatcher)
    assert name.startswith("utter_product_info_")
    assert {k: filled(dispatcher, name)[k] for k in ("name", "price")} == {"name": "Wool Coat", "price": "$229.00"}
    assert slot_events(events)["product"] == "Wool Coat"


async def test_product_info_a_product_named_without_entity(shop_db, dispatcher, domain):
    """The catalog matcher missed it (a typo): the words left over still find the product."""
    tracker = make_tracker(intent="product_info", text="how much are the runing shoes?", slots={"product": "Wool Coat"})
    await ActionProductInfo().run(dispatcher, tracker, domain)
    assert filled(dispatcher, "utter_product_info_colors_sizes_in_stock")["name"] == "Running Shoes"


async def test_product_info_unknown_product(shop_db, dispatcher, domain):
    tracker = make_tracker(intent="product_info", text="do you have the flux capacitor", slots={"product": "Hoodie"})
    events = await ActionProductInfo().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_product_not_found_we_sell"]  # not answered about the earlier product
    assert filled(dispatcher, "utter_product_not_found_we_sell") == {"name": "flux capacitor"}
    assert buttons_of(dispatcher) == []
    assert slot_events(events) == {"pending_question": "product_info"}


async def test_product_info_unknown_product_suggests_close_names(shop_db, dispatcher, domain):
    tracker = make_tracker(intent="product_info", text="tell me about the trial boats")
    await ActionProductInfo().run(dispatcher, tracker, domain)
    values = filled(dispatcher, "utter_product_not_found_did_you_mean")
    assert values["name"] == "trial boats" and "Trail Boots" in values["similar"]
    assert {"title": "Trail Boots", "payload": '/product_info{"product": "Trail Boots"}'} in buttons_of(dispatcher)


async def test_product_info_for_a_family(shop_db, dispatcher, domain):
    tracker = make_tracker(intent="product_info", text="what jackets do you have?")
    events = await ActionProductInfo().run(dispatcher, tracker, domain)
    assert filled(dispatcher, "utter_product_family") == {
        "count": 4,
        "products": "Bomber Jacket, Denim Jacket, Quilted Jacket and Rain Jacket",
    }
    assert [b["title"] for b in buttons_of(dispatcher)] == [
        "Bomber Jacket",
        "Denim Jacket",
        "Quilted Jacket",
        "Rain Jacket",
    ]
    assert slot_events(events) == {"pending_question": "product_info"}


async def test_product_info_for_the_shirt_family(shop_db, dispatcher, domain):
    tracker = make_tracker(intent="product_info", text="what shirts do you have?")
    await ActionProductInfo().run(dispatcher, tracker, domain)
    products = filled(dispatcher, "utter_product_family")["products"]
    assert "Linen Shirt" in products and "Oxford Shirt" in products


async def test_product_info_without_any_product(shop_db, dispatcher, domain):
    tracker = make_tracker(intent="product_info", text="tell me about it")
    events = await ActionProductInfo().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_which_product"]
    assert slot_events(events) == {"pending_question": "product_info"}


async def test_product_info_from_a_button(shop_db, dispatcher, domain):
    tracker = make_tracker(
        intent="product_info",
        text='/product_info{"product": "Leather Tote"}',
        entities=[entity("product", "Leather Tote")],
    )
    await ActionProductInfo().run(dispatcher, tracker, domain)
    values = filled(dispatcher, "utter_product_info_colors_in_stock")
    assert (values["name"], values["price"]) == ("Leather Tote", "$149.00")


@pytest.mark.parametrize(
    "product, expected, colors",
    [
        ("Sunglasses", "utter_product_info_colors_final_sale_in_stock", "black and brown"),
        ("Suede Loafers", "utter_product_info_colors_sizes_sold_out", "brown and tan"),
        ("Canvas Backpack", "utter_product_info_colors_in_stock", "olive and navy"),  # no sizes line
    ],
)
async def test_product_info_details(shop_db, dispatcher, domain, product, expected, colors):
    tracker = make_tracker(intent="product_info", text="info", entities=[entity("product", product)])
    await ActionProductInfo().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == [expected]
    assert filled(dispatcher, expected)["colors"] == colors
    assert dispatcher.messages[0]["custom"]["in_stock"] is (product != "Suede Loafers")


PRODUCT_INFO_VALUES = {"name", "price", "description", "colors", "sizes"}


@pytest.mark.parametrize(
    "colors, sizes, final_sale, in_stock", itertools.product([[], ["black"]], [[], ["M"]], *[[False, True]] * 2)
)
def test_every_shape_of_product_card_has_its_response(domain, colors, sizes, final_sale, in_stock):
    facts = catalog.ProductFacts("Thing", "SKU", 100, "A thing.", sizes, colors, final_sale, in_stock)
    [variation] = domain["responses"][product_info_response(facts)]
    text = variation["text"]
    assert set(re.findall(r"{(\w+)}", text)) <= PRODUCT_INFO_VALUES
    # what the card says it has, and only that
    assert ("Colors: {colors}." in text, "Sizes: {sizes}." in text) == (bool(colors), bool(sizes))
    assert ("Final sale" in text, text.endswith("In stock.")) == (final_sale, in_stock)


# --------------------------------------------------------------------------- stock


async def test_check_stock_sold_out_size_and_color_offers_alternatives(shop_db, dispatcher, domain):
    tracker = make_tracker(
        intent="check_stock",
        text="do you have brown dress shoes in size 10",
        entities=[entity("color", "brown"), entity("product", "Classic Dress Shoes"), entity("size", "10")],
        slots={"product": "Classic Dress Shoes", "size": "10", "color": "brown"},
    )
    events = await ActionCheckStock().run(dispatcher, tracker, domain)

    assert filled(dispatcher, "utter_stock_sold_out_alternatives") == {
        "product": "Classic Dress Shoes",
        "options": "brown, size 10",
    }
    *to_buy, tell_me = buttons_of(dispatcher)
    alternatives = [payload_entities(b) for b in to_buy]
    assert {"product": "Classic Dress Shoes", "size": "10", "color": "black"} in alternatives
    assert all(b["payload"].startswith("/purchase") for b in to_buy)
    assert tell_me == {"title": "Tell me when it's back", "payload": "/notify_restock"}
    for alt in alternatives:
        assert in_stock(alt["product"], alt.get("size"), alt["color"]) > 0
    assert slot_events(events) == {
        "product": "Classic Dress Shoes",
        "pending_question": None,
        "size": "10",
        "color": "brown",
    }


async def test_check_stock_color_the_product_does_not_come_in(shop_db, dispatcher, domain):
    tracker = make_tracker(
        intent="check_stock",
        text="do you have the dress shoes in white?",
        entities=[entity("product", "Classic Dress Shoes"), entity("color", "white")],
        slots={"product": "Classic Dress Shoes", "color": "white"},
    )
    events = await ActionCheckStock().run(dispatcher, tracker, domain)
    assert filled(dispatcher, "utter_stock_not_offered") == {
        "product": "Classic Dress Shoes",
        "color": "white",
        "colors": "black or brown",
    }
    assert buttons_of(dispatcher) == []
    assert "color" not in slot_events(events)


async def test_check_stock_in_stock(shop_db, dispatcher, domain):
    tracker = make_tracker(
        intent="check_stock",
        text="is the hoodie in black medium in stock",
        entities=[entity("product", "Hoodie"), entity("color", "black")],
        slots={"size": "medium", "color": "black"},
    )
    events = await ActionCheckStock().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_stock_in_stock"]
    assert filled(dispatcher, "utter_stock_in_stock") == {"product": "Hoodie", "options": "black, size M", "count": 20}
    assert buttons_of(dispatcher) == [
        {"title": "Buy it", "payload": '/purchase{"product": "Hoodie", "size": "M", "color": "black"}'}
    ]
    assert slot_events(events)["size"] == "M"


async def test_check_stock_size_only_counts_every_color(shop_db, dispatcher, domain):
    tracker = make_tracker(
        intent="check_stock",
        text="any dress shoes in size 10?",
        entities=[entity("product", "Classic Dress Shoes")],
        slots={"size": "10"},
    )
    await ActionCheckStock().run(dispatcher, tracker, domain)
    assert filled(dispatcher, "utter_stock_in_stock") == {
        "product": "Classic Dress Shoes",
        "options": "size 10",
        "count": 1,
    }


async def test_check_stock_summary(shop_db, dispatcher, domain):
    tracker = make_tracker(
        intent="check_stock",
        text="what sizes of dress shoes are left",
        entities=[entity("product", "Classic Dress Shoes")],
    )
    await ActionCheckStock().run(dispatcher, tracker, domain)
    assert filled(dispatcher, "utter_stock_summary") == {
        "product": "Classic Dress Shoes",
        "stock": "black: 7 (12 left), 8 (6 left), 9 sold out, 10 (1 left), 11 (3 left), 12 (4 left); "
        "brown: 7 (19 left), 8 (5 left), 9 (13 left), 10 sold out, 11 (3 left), 12 (18 left)",
    }
    assert buttons_of(dispatcher) == [{"title": "Buy it", "payload": '/purchase{"product": "Classic Dress Shoes"}'}]


async def test_check_stock_summary_without_sizes(shop_db, dispatcher, domain):
    tracker = make_tracker(
        intent="check_stock", text="wallets in stock?", entities=[entity("product", "Leather Wallet")]
    )
    await ActionCheckStock().run(dispatcher, tracker, domain)
    assert filled(dispatcher, "utter_stock_summary") == {
        "product": "Leather Wallet",
        "stock": "black: 17 left; brown: 7 left",
    }


async def test_check_stock_sold_out_everywhere(shop_db, dispatcher, domain):
    tracker = make_tracker(intent="check_stock", text="loafers?", entities=[entity("product", "Suede Loafers")])
    await ActionCheckStock().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_stock_sold_out_everywhere"]
    assert filled(dispatcher, "utter_stock_sold_out_everywhere") == {"product": "Suede Loafers"}


async def test_check_stock_reads_live_stock(shop_db, dispatcher, domain):
    with session_scope() as session:
        session.execute(update(Variant).where(Variant.stock > 0).values(stock=0))
    tracker = make_tracker(
        intent="check_stock",
        text="hoodie in black M?",
        entities=[entity("product", "Hoodie")],
        slots={"size": "M", "color": "black"},
    )
    await ActionCheckStock().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_stock_sold_out"]  # nothing in stock to offer
    assert filled(dispatcher, "utter_stock_sold_out") == {"product": "Hoodie", "options": "black, size M"}
    assert [b["payload"] for b in buttons_of(dispatcher)] == ["/notify_restock"]  # only to be told when it's back


# --------------------------------------------------------------------------- delivery


async def test_delivery_estimate_gives_dates(shop_db, dispatcher, domain):
    earliest, latest = delivery_window(date.today())
    tracker = make_tracker(
        intent="delivery_estimate", text="when would the hoodie arrive?", entities=[entity("product", "Hoodie")]
    )
    events = await ActionDeliveryEstimate().run(dispatcher, tracker, domain)
    assert filled(dispatcher, "utter_delivery_estimate") == {
        "product": "Hoodie",
        "earliest": day(earliest),
        "latest": day(latest),
    }
    assert slot_events(events) == {"product": "Hoodie", "pending_question": None}


async def test_delivery_estimate_for_a_sold_out_option(shop_db, dispatcher, domain):
    tracker = make_tracker(
        intent="delivery_estimate",
        text="when would they arrive?",
        slots={"product": "Classic Dress Shoes", "size": "10", "color": "brown"},
    )
    await ActionDeliveryEstimate().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_delivery_sold_out"]
    assert filled(dispatcher, "utter_delivery_sold_out") == {"product": "Classic Dress Shoes"}


async def test_delivery_estimate_without_a_product(shop_db, dispatcher, domain):
    tracker = make_tracker(intent="delivery_estimate", text="how long does delivery take?")
    events = await ActionDeliveryEstimate().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_which_product"]
    assert slot_events(events) == {"pending_question": "delivery_estimate"}


# --------------------------------------------------------------------------- how people type


@pytest.mark.parametrize(
    "text, expected",
    [
        # shell conversations that went wrong: no entity (the matcher missed it), only the words
        ("pls do u have the backpak in olive", ("utter_stock_in_stock", "Canvas Backpack", "olive")),
        ("r the runing shoes in stock", ("utter_stock_summary", "Running Shoes", None)),
        ("do u have the denim jaket in L", ("utter_stock_in_stock", "Denim Jacket", "size L")),
        ("is the hoddie in stock?", ("utter_stock_summary", "Hoodie", None)),
    ],
)
async def test_check_stock_finds_the_product_through_typos_and_text_speak(shop_db, dispatcher, domain, text, expected):
    slots = {"size": "L"} if text.endswith(" L") else {"color": "olive"} if "olive" in text else {}
    color = [entity("color", "olive")] if "olive" in text else []
    tracker = make_tracker(intent="check_stock", text=text, entities=color, slots=slots)
    events = await ActionCheckStock().run(dispatcher, tracker, domain)
    response, product, options = expected
    values = filled(dispatcher, response)
    assert (values["product"], values.get("options")) == (product, options)
    assert slot_events(events)["pending_question"] is None


async def test_a_greeting_is_not_taken_for_a_product(shop_db, dispatcher, domain):
    tracker = make_tracker(intent="product_info", text="howdy")
    events = await ActionProductInfo().run(dispatcher, tracker, domain)
    [name] = responses(dispatcher)  # with near names or without
    assert name.startswith("utter_product_not_found_") and filled(dispatcher, name)["name"] == "howdy"
    assert "product" not in slot_events(events)


async def test_an_unknown_product_is_named_without_the_text_speak(shop_db, dispatcher, domain):
    tracker = make_tracker(intent="check_stock", text="pls do u have socks")
    await ActionCheckStock().run(dispatcher, tracker, domain)
    [name] = responses(dispatcher)  # with near names or without
    assert name.startswith("utter_product_not_found_") and filled(dispatcher, name)["name"] == "socks"


async def test_a_family_named_with_a_typo(shop_db, dispatcher, domain):
    tracker = make_tracker(intent="product_info", text="do u have jakets")
    await ActionProductInfo().run(dispatcher, tracker, domain)
    assert filled(dispatcher, "utter_product_family") == {
        "count": 4,
        "products": "Bomber Jacket, Denim Jacket, Quilted Jacket and Rain Jacket",
    }
