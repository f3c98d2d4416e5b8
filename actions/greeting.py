"""The greeting follows the page the customer is on (the web widget sends it as metadata): the
pricing page offers pricing answers and a demo, a product page greets about that product and
remembers it for the questions and the order that follow, anywhere else the usual greeting."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from shop import catalog
from shop.buttons import button
from shop.db import session_scope
from shop.formatting import join_words, money
from shop.models import Product
from shop.visit import latest_metadata

PRICING_PAGE = "pricing"
# The options a customer picked for another product mean nothing for this one.
PRODUCT_OPTION_SLOTS = ("size", "color", "quantity")


def pricing_greeting() -> dict[str, Any]:
    return {
        "text": "Hi! Looking at business pricing? I can answer questions about our team, business "
        "and wholesale prices, or book a demo with our sales team.",
        "buttons": [
            button("See business pricing", "sales_inquiry"),
            button("Book a demo", "book_meeting"),
            button("Talk to sales", "human_handoff", handoff_team="sales"),
        ],
    }


def product_greeting(product: Product) -> dict[str, Any]:
    sizes = catalog.sizes_of(product)
    if catalog.total_stock(product):
        stock = f"in stock in sizes {join_words(sizes)}" if sizes else "in stock"
        ask = "Want me to check your size or color, or shall we order it?"
        buttons = [
            button("Check sizes and stock", "check_stock", product=product.name),
            button("Buy it", "purchase", product=product.name),
        ]
    else:
        stock = "sold out at the moment"
        ask = "I can check when it's back or suggest something similar."
        buttons = [
            button("Check stock", "check_stock", product=product.name),
            button("Browse products", "product_info"),
        ]
    return {
        "text": f"Hi! I see you're looking at the {product.name} ({money(product.price_cents)}, {stock}). "
        f"How can I help? {ask}",
        "buttons": buttons + [button("Talk to a person", "human_handoff")],
    }


def page_greeting(page: str | None, product: Product | None) -> dict[str, Any] | None:
    """The greeting for this page ({text, buttons}); None for the usual one (utter_greet)."""
    if page == PRICING_PAGE:
        return pricing_greeting()
    if product is not None:
        return product_greeting(product)
    return None


def product_slots(product: Product, current: str | None) -> list[EventType]:
    """Remember the page's product; forget the options chosen for a different one."""
    events = [SlotSet("product", product.name)]
    if current != product.name:
        events += [SlotSet(slot, None) for slot in PRODUCT_OPTION_SLOTS]
    return events


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        page = latest_metadata(tracker.events)
        product = None
        if page.get("product") and page.get("page") != PRICING_PAGE:
            with session_scope() as session:
                product = catalog.find_product(session, page["product"], cutoff=1.0)
        greeting = page_greeting(page.get("page"), product)
        if greeting is None:
            dispatcher.utter_message(response="utter_greet")
            return []
        dispatcher.utter_message(**greeting)
        # A task in progress (an order of another product) is not switched under the customer.
        if product is None or tracker.active_loop_name:
            return []
        return product_slots(product, tracker.get_slot("product"))
