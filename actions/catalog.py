"""Product questions: price and description, live stock per variant, delivery dates."""

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.common import ProductMention, latest_entity, product_mention, remember_reach
from shop import catalog, consent, restock
from shop.buttons import alternative_buttons, button, product_buttons
from shop.catalog import ProductFacts
from shop.clock import now_utc
from shop.db import session_scope
from shop.formatting import day, join_words, money, stock_list, variant_options
from shop.models import Product
from shop.orders import delivery_estimate


def answer_unresolved(
    dispatcher: CollectingDispatcher, mention: ProductMention, session: Session, question: str
) -> list[dict[str, Any]]:
    """No single product: list a family, suggest near names, or ask which one."""
    if mention.family:
        names = [p.name for p in mention.family]
        dispatcher.utter_message(
            response="utter_product_family",
            count=len(names),
            products=join_words(names),
            buttons=product_buttons(names[:6], question),
        )
    elif mention.unknown:
        similar = catalog.similar_names(session, mention.unknown)
        if similar:
            dispatcher.utter_message(
                response="utter_product_not_found_did_you_mean",
                name=mention.unknown,
                similar=join_words(similar, "or"),
                buttons=product_buttons(similar, question),
            )
        else:
            dispatcher.utter_message(response="utter_product_not_found_we_sell", name=mention.unknown)
    else:
        dispatcher.utter_message(response="utter_which_product")
    return [SlotSet("pending_question", question)]


class ProductQuestion(Action, ABC):
    """A question about one product: find which (or ask), answer, remember it as the last one.
    Abstract, so the action server registers only the concrete questions."""

    question = ""  # the intent, kept in pending_question while we ask "which product?"

    def name(self) -> str:
        return f"action_{self.question}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        with session_scope() as session:
            mention = product_mention(session, tracker)
            if mention.product is None:
                return answer_unresolved(dispatcher, mention, session, self.question)
            events = [SlotSet("product", mention.product.name), SlotSet("pending_question", None)]
            return events + self.answer(dispatcher, tracker, session, mention.product)

    @abstractmethod
    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, session: Session, product: Product
    ) -> list[dict[str, Any]]:
        """The answer about `product`; returns extra events."""


def product_info_response(facts: ProductFacts) -> str:
    """The card's text has a response per shape of product:
    utter_product_info_[colors_][sizes_][final_sale_](in_stock|sold_out)."""
    shape = "".join(
        part
        for part, present in (("colors_", facts.colors), ("sizes_", facts.sizes), ("final_sale_", facts.final_sale))
        if present
    )
    return f"utter_product_info_{shape}{'in_stock' if facts.in_stock else 'sold_out'}"


class ActionProductInfo(ProductQuestion):
    question = "product_info"

    def answer(self, dispatcher, tracker, session, product):
        facts = catalog.product_facts(product)
        dispatcher.utter_message(
            response=product_info_response(facts),
            name=facts.name,
            price=money(facts.price_cents),
            description=facts.description,
            colors=join_words(facts.colors),
            sizes=join_words(facts.sizes),
            buttons=[
                button("Buy it", "purchase", product=facts.name),
                button("Check stock", "check_stock", product=facts.name),
            ],
            json_message=product_card(facts),
        )
        return []


def product_card(facts: ProductFacts) -> dict[str, Any]:
    """Structured data for channels that draw product cards (the web widget)."""
    return {
        "type": "product",
        "sku": facts.sku,
        "name": facts.name,
        "price": money(facts.price_cents),
        "in_stock": facts.in_stock,
        "sizes": facts.sizes,
        "colors": facts.colors,
    }


# Offered with every sold-out answer: the customer is told when it is back (shop/restock.py).
TELL_ME = button("Tell me when it's back", "notify_restock")


class ActionCheckStock(ProductQuestion):
    question = "check_stock"

    def answer(self, dispatcher, tracker, session, product):
        stock = catalog.stock_answer(
            session, product, tracker.get_slot("size"), tracker.get_slot("color"), latest_entity(tracker, "color")
        )
        options = variant_options(stock.size, stock.color)
        if stock.kind == "not_offered":
            dispatcher.utter_message(
                response="utter_stock_not_offered",
                product=stock.product,
                color=stock.color,
                colors=join_words(stock.colors, "or"),
            )
            return []
        if stock.kind == "summary":
            buy = [button("Buy it", "purchase", product=stock.product)]
            if stock.count:
                dispatcher.utter_message(
                    response="utter_stock_summary", product=stock.product, stock=stock_list(stock.levels), buttons=buy
                )
            else:
                dispatcher.utter_message(
                    response="utter_stock_sold_out_everywhere", product=stock.product, buttons=[TELL_ME, *buy]
                )
            return []
        if stock.kind == "in_stock":
            dispatcher.utter_message(
                response="utter_stock_in_stock",
                product=stock.product,
                options=options,
                count=stock.count,
                buttons=[button("Buy it", "purchase", product=stock.product, size=stock.size, color=stock.color)],
            )
        elif stock.alternatives:
            dispatcher.utter_message(
                response="utter_stock_sold_out_alternatives",
                product=stock.product,
                options=options,
                buttons=[*alternative_buttons(stock.alternatives), TELL_ME],
            )
        else:
            dispatcher.utter_message(
                response="utter_stock_sold_out", product=stock.product, options=options, buttons=[TELL_ME]
            )
        return [SlotSet(slot, value) for slot, value in (("size", stock.size), ("color", stock.color)) if value]


class ActionDeliveryEstimate(ProductQuestion):
    question = "delivery_estimate"

    def answer(self, dispatcher, tracker, session, product):
        window = delivery_estimate(product, tracker.get_slot("size"), tracker.get_slot("color"), now_utc().date())
        if window is None:
            dispatcher.utter_message(response="utter_delivery_sold_out", product=product.name)
        else:
            earliest, latest = window
            dispatcher.utter_message(
                response="utter_delivery_estimate", product=product.name, earliest=day(earliest), latest=day(latest)
            )
        return []


class ActionNotifyRestock(Action):
    """ "Let me know when it's back": the wish is kept; the notice goes once stock returns, on this
    channel, if the customer agreed to messages from us here (asked now when not)."""

    def name(self) -> str:
        return "action_notify_restock"

    async def run(self, dispatcher, tracker, domain):
        product = latest_entity(tracker, "product") or tracker.get_slot("product")
        size = latest_entity(tracker, "size") or tracker.get_slot("size")
        color = latest_entity(tracker, "color") or tracker.get_slot("color")
        with session_scope() as session:
            remember_reach(session, tracker)
            item = restock.remember_wish(session, tracker.sender_id, product, size, color)
            channel = tracker.get_latest_input_channel() or ""
            agreed = consent.may_send(session, tracker.sender_id, channel, consent.MARKETING).allowed
        if item is None:
            dispatcher.utter_message(response="utter_restock_which_product")
        elif agreed:
            dispatcher.utter_message(response="utter_restock_noted", item=item)
        else:
            dispatcher.utter_message(response="utter_restock_noted_needs_opt_in", item=item)
        return []
