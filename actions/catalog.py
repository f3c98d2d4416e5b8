"""Product questions: price and description, live stock per variant, delivery dates."""

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.common import ProductMention, latest_entity, product_mention
from shop import catalog
from shop.buttons import alternative_buttons, button, product_buttons
from shop.clock import now_utc
from shop.db import session_scope
from shop.formatting import day, join_words, money
from shop.models import Product
from shop.orders import delivery_window
from shop.parsing.sizes import parse_choice, parse_size


def describe_product(product: Product) -> str:
    lines = [f"{product.name}: {money(product.price_cents)}. {product.description}"]
    sizes, colors = catalog.sizes_of(product), catalog.colors_of(product)
    if colors:
        lines.append(f"Colors: {join_words(colors)}.")
    if sizes:
        lines.append(f"Sizes: {join_words(sizes)}.")
    if product.final_sale:
        lines.append("Final sale: this item can't be returned.")
    lines.append("In stock." if catalog.total_stock(product) else "Sold out at the moment.")
    return " ".join(lines)


def stock_summary(product: Product) -> str:
    """'black: 7 (12), 8 (6), 9 sold out; brown: ...' per color, sizes in catalog order."""
    if not catalog.total_stock(product):
        return f"Sorry, the {product.name} is sold out in every option right now."
    by_color: dict[str, list[str]] = {}
    for variant in product.variants:
        label = variant.size or "in stock"
        text = f"{label} ({variant.stock} left)" if variant.stock else f"{label} sold out"
        if not variant.size:
            text = f"{variant.stock} left" if variant.stock else "sold out"
        by_color.setdefault(variant.color or product.name, []).append(text)
    parts = [f"{color}: {', '.join(items)}" for color, items in by_color.items()]
    return f"Stock of the {product.name}: " + "; ".join(parts) + "."


def wanted_options(product: Product, tracker: Tracker) -> dict[str, str | None]:
    """The size and color the customer has in mind, kept only where this product has them."""
    size = parse_size(tracker.get_slot("size"), catalog.sizes_of(product))
    color = parse_choice(tracker.get_slot("color"), catalog.colors_of(product))
    return {"size": size.value, "color": color.value}


def answer_unresolved(
    dispatcher: CollectingDispatcher, mention: ProductMention, session: Session, question: str
) -> list[dict[str, Any]]:
    """No single product: list a family, suggest near names, or ask which one."""
    if mention.family:
        names = [p.name for p in mention.family]
        dispatcher.utter_message(
            text=f"We have {len(names)}: {join_words(names)}. Which one would you like to know about?",
            buttons=product_buttons(names[:6], question),
        )
        return [SlotSet("pending_question", question)]
    if mention.unknown:
        similar = catalog.similar_names(session, mention.unknown)
        text = f'Sorry, I couldn\'t find "{mention.unknown}" in our catalog.'
        if similar:
            text += f" Did you mean {join_words(similar, 'or')}?"
        else:
            text += " We sell shoes, outerwear, tops, bottoms, bags and accessories."
        dispatcher.utter_message(text=text, buttons=product_buttons(similar, question))
        return [SlotSet("pending_question", question)]
    dispatcher.utter_message(
        text="Which product do you mean? You can type its name, for example Hoodie or Trail Boots."
    )
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


class ActionProductInfo(ProductQuestion):
    question = "product_info"

    def answer(self, dispatcher, tracker, session, product):
        dispatcher.utter_message(
            text=describe_product(product),
            buttons=[
                button("Buy it", "purchase", product=product.name),
                button("Check stock", "check_stock", product=product.name),
            ],
            json_message=product_card(product),
        )
        return []


def product_card(product: Product) -> dict[str, Any]:
    """Structured data for channels that draw product cards (the web widget)."""
    return {
        "type": "product",
        "sku": product.sku,
        "name": product.name,
        "price": money(product.price_cents),
        "in_stock": catalog.total_stock(product) > 0,
        "sizes": catalog.sizes_of(product),
        "colors": catalog.colors_of(product),
    }


class ActionCheckStock(ProductQuestion):
    question = "check_stock"

    def answer(self, dispatcher, tracker, session, product):
        options = wanted_options(product, tracker)
        asked_color = latest_entity(tracker, "color")
        if asked_color and not options["color"]:
            colors = catalog.colors_of(product)
            dispatcher.utter_message(
                text=f"The {product.name} doesn't come in {asked_color}; it comes in {join_words(colors, 'or')}."
            )
            return []
        if not options["size"] and not options["color"]:
            dispatcher.utter_message(
                text=stock_summary(product), buttons=[button("Buy it", "purchase", product=product.name)]
            )
            return []
        matching = catalog.matching_variants(product, options["size"], options["color"])
        in_stock = [v for v in matching if v.stock > 0]
        wanted = ", ".join(p for p in (options["color"], options["size"] and f"size {options['size']}") if p)
        if in_stock:
            count = sum(v.stock for v in in_stock)
            dispatcher.utter_message(
                text=f"Yes, the {product.name} in {wanted} is in stock ({count} left).",
                buttons=[button("Buy it", "purchase", product=product.name, **options)],
            )
        else:
            alts = catalog.alternatives(session, product, options["size"], options["color"])
            text = f"Sorry, the {product.name} in {wanted} is sold out."
            if alts:
                text += " These are in stock:"
            dispatcher.utter_message(text=text, buttons=alternative_buttons(alts))
        return [SlotSet(k, v) for k, v in options.items() if v]


class ActionDeliveryEstimate(ProductQuestion):
    question = "delivery_estimate"

    def answer(self, dispatcher, tracker, session, product):
        earliest, latest = delivery_window(now_utc().date())
        options = wanted_options(product, tracker)
        matching = catalog.matching_variants(product, options["size"], options["color"])
        if not any(v.stock for v in matching):
            dispatcher.utter_message(
                text=f"The {product.name} is sold out in that option, so I can't promise a date. "
                "Ask me for alternatives that are in stock."
            )
        else:
            dispatcher.utter_message(
                text=f"Ordered today, the {product.name} ships within 1 business day and arrives "
                f"between {day(earliest)} and {day(latest)} with standard shipping "
                "(express: 1-2 business days after shipping)."
            )
        return []
