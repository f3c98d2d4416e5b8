"""The greeting follows the page the customer is on (the web widget sends it as metadata): the
pricing page offers pricing answers and a demo, a product page greets about that product and
remembers it for the questions and the order that follow, anywhere else the usual greeting."""

from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Greeting:
    """A page's greeting: the domain response, the values of its placeholders, its buttons."""

    response: str
    values: dict[str, str] = field(default_factory=dict)
    buttons: list[dict[str, str]] = field(default_factory=list)


def pricing_greeting() -> Greeting:
    return Greeting(
        "utter_greet_pricing",
        buttons=[
            button("See business pricing", "sales_inquiry"),
            button("Book a demo", "book_meeting"),
            button("Talk to sales", "human_handoff", handoff_team="sales"),
        ],
    )


def product_greeting(product: Product) -> Greeting:
    """About the product, its price and whether (and in which sizes) it is in stock."""
    values = {"product": product.name, "price": money(product.price_cents)}
    if catalog.total_stock(product):
        sizes = catalog.sizes_of(product)
        if sizes:
            response, values["sizes"] = "utter_greet_product_in_sizes", join_words(sizes)
        else:
            response = "utter_greet_product_in_stock"
        buttons = [
            button("Check sizes and stock", "check_stock", product=product.name),
            button("Buy it", "purchase", product=product.name),
        ]
    else:
        response = "utter_greet_product_sold_out"
        buttons = [
            button("Check stock", "check_stock", product=product.name),
            button("Browse products", "product_info"),
        ]
    return Greeting(response, values, buttons + [button("Talk to a person", "human_handoff")])


def page_greeting(page: str | None, product: Product | None) -> Greeting | None:
    """The greeting for this page; None for the usual one (utter_greet)."""
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
        dispatcher.utter_message(response=greeting.response, buttons=greeting.buttons, **greeting.values)
        # A task in progress (an order of another product) is not switched under the customer.
        if product is None or tracker.active_loop_name:
            return []
        return product_slots(product, tracker.get_slot("product"))
