"""Buying in the chat (purchase_form) and looking up an order's status."""

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import AnswersInAnyOrder
from shop import catalog
from shop.answers import Reader
from shop.buttons import alternative_buttons, button, product_buttons
from shop.db import session_scope
from shop.formatting import join_words, money
from shop.models import Product
from shop.orders import OutOfStock, get_order, place_order
from shop.parsing.ids import parse_email, parse_order_id
from shop.parsing.numbers import MAX_QUANTITY, parse_quantity
from shop.parsing.sizes import parse_choice, parse_size

QUANTITY_ERRORS = {
    "not_a_number": "Please tell me how many as a number, like 1 or 2.",
    "not_whole": "I can only sell whole items. How many would you like?",
    "not_positive": "The quantity has to be at least 1.",
    "too_many": f"You can order up to {MAX_QUANTITY} of an item in the chat. For larger or business "
    'orders our sales team can help: just say "book a meeting".',
}
PURCHASE_SLOTS = ["quantity", "purchase_confirmed"]
PURCHASE_FORM_SLOTS = ["product", "size", "color", "quantity", "email", "order_id"]


def _product(session, tracker: Tracker) -> Product | None:
    name = tracker.get_slot("product")
    return catalog.find_product(session, name) if name else None


BARE_NUMBER = re.compile(r"^\s*[+-]?\d+\s*$")


def said_now(tracker: Tracker, slot: str) -> bool:
    """Whether the customer gave this slot's value in their latest message: as an entity, or as
    the plain answer to the question asked. Values carried over from earlier turns (validated
    again when a form starts) and text that answered something else are not."""
    requested = tracker.get_slot("requested_slot")
    if requested in PURCHASE_FORM_SLOTS and BARE_NUMBER.match(tracker.latest_message.get("text") or ""):
        # A bare number answers the question asked, whatever the entity tagger called it:
        # "0" asked for a quantity is a quantity, not a size.
        return slot == requested
    entities = {e.get("entity") for e in tracker.latest_message.get("entities") or []}
    if slot in entities:
        return True
    return requested == slot and not (entities & set(PURCHASE_FORM_SLOTS))


def _variant_label(product: Product, size: str | None, color: str | None) -> str:
    details = ", ".join(p for p in (color, f"size {size}" if size else None) if p)
    return f"{product.name} ({details})" if details else product.name


class ValidatePurchaseForm(AnswersInAnyOrder):
    """Asks one thing at a time and checks live stock after each answer. Product, size, color
    and quantity come as entities whenever said; the email is read in any message too."""

    def name(self) -> str:
        return "validate_purchase_form"

    def answer_readers(self, tracker: Tracker, requested: str | None) -> dict[str, Reader]:
        return {"email": lambda text: parse_email(text).value}

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        with session_scope() as session:
            product = _product(session, tracker)
            if product is None:
                return domain_slots
            skip = set()
            if not catalog.sizes_of(product):
                skip.add("size")
            if not catalog.colors_of(product):
                skip.add("color")
            return [slot for slot in domain_slots if slot not in skip]

    def validate_product(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        with session_scope() as session:
            product = catalog.find_product(session, value)
            if product is None and not said_now(tracker, "product"):
                return {"product": None}
            if product is None:
                similar = catalog.similar_names(session, str(value))
                text = f'Sorry, I couldn\'t find "{value}" in our catalog.'
                if similar:
                    text += f" Did you mean {join_words(similar, 'or')}?"
                dispatcher.utter_message(text=text, buttons=product_buttons(similar, "purchase"))
                return {"product": None}
            if not catalog.total_stock(product):
                alts = catalog.alternatives(session, product)
                dispatcher.utter_message(
                    text=f"Sorry, the {product.name} is sold out right now."
                    + (" These similar items are in stock:" if alts else ""),
                    buttons=alternative_buttons(alts),
                )
                return {"product": None}
            slots: dict[str, Any] = {"product": product.name}
            sizes, colors = catalog.sizes_of(product), catalog.colors_of(product)
            # Keep earlier answers only where they still make sense for this product.
            size = parse_size(tracker.get_slot("size"), sizes).value
            color = parse_choice(tracker.get_slot("color"), colors).value
            slots["size"] = size if size else (sizes[0] if len(sizes) == 1 else None)
            slots["color"] = color if color else (colors[0] if len(colors) == 1 else None)
            return slots

    def validate_size(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        with session_scope() as session:
            product = _product(session, tracker)
            if product is None:
                return {"size": None}
            sizes = catalog.sizes_of(product)
            parsed = parse_size(value, sizes)
            if not said_now(tracker, "size") and (
                not parsed.ok or not any(v.stock for v in catalog.matching_variants(product, parsed.value))
            ):
                return {"size": None}  # an earlier answer that does not fit: just ask
            if not parsed.ok:
                dispatcher.utter_message(
                    text=f'The {product.name} comes in sizes {join_words(sizes, "or")}; "{value}" isn\'t one of them.'
                )
                return {"size": None}
            color = parse_choice(tracker.get_slot("color"), catalog.colors_of(product)).value
            if not any(v.stock for v in catalog.matching_variants(product, parsed.value, color)):
                self._sold_out(dispatcher, session, product, parsed.value, color)
                return {"size": None}
            return {"size": parsed.value}

    def validate_color(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        with session_scope() as session:
            product = _product(session, tracker)
            if product is None:
                return {"color": None}
            colors = catalog.colors_of(product)
            parsed = parse_choice(value, colors)
            if not said_now(tracker, "color") and (
                not parsed.ok or not any(v.stock for v in catalog.matching_variants(product, None, parsed.value))
            ):
                return {"color": None}
            if not parsed.ok:
                dispatcher.utter_message(
                    text=f'The {product.name} comes in {join_words(colors, "or")}; "{value}" isn\'t one of them.'
                )
                return {"color": None}
            size = parse_size(tracker.get_slot("size"), catalog.sizes_of(product)).value
            if not any(v.stock for v in catalog.matching_variants(product, size, parsed.value)):
                self._sold_out(dispatcher, session, product, size, parsed.value)
                return {"color": None}
            return {"color": parsed.value}

    @staticmethod
    def _sold_out(dispatcher, session, product, size, color) -> None:
        alts = catalog.alternatives(session, product, size, color)
        text = f"Sorry, the {_variant_label(product, size, color)} is sold out."
        if alts:
            text += " These are in stock; tap one or pick another option:"
        dispatcher.utter_message(text=text, buttons=alternative_buttons(alts))

    def validate_quantity(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        parsed = parse_quantity(value)
        if not parsed.ok and not said_now(tracker, "quantity"):
            return {"quantity": None}
        if not parsed.ok:
            dispatcher.utter_message(text=QUANTITY_ERRORS.get(parsed.error, QUANTITY_ERRORS["not_a_number"]))
            return {"quantity": None}
        with session_scope() as session:
            product = _product(session, tracker)
            if product is not None:
                variant = catalog.find_variant(product, tracker.get_slot("size"), tracker.get_slot("color"))
                if variant is not None and variant.stock < parsed.value:
                    dispatcher.utter_message(
                        text=f"We only have {variant.stock} of the "
                        f"{_variant_label(product, variant.size, variant.color)} left."
                    )
                    return {"quantity": None}
        return {"quantity": parsed.value}

    def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        parsed = parse_email(value)
        if not parsed.ok:
            if said_now(tracker, "email"):
                dispatcher.utter_message(response="utter_invalid_email")
            return {"email": None}
        return {"email": parsed.value}

    def validate_purchase_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"purchase_confirmed": bool(value)}


class ActionAskProduct(Action):
    def name(self) -> str:
        return "action_ask_product"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(
            text="Which product would you like to order? Type its name, for example Hoodie or Trail Boots."
        )
        return []


class ActionAskSize(Action):
    """Offers the sizes that are in stock (in the chosen color) as buttons."""

    def name(self) -> str:
        return "action_ask_size"

    async def run(self, dispatcher, tracker, domain):
        with session_scope() as session:
            product = _product(session, tracker)
            if product is None:
                dispatcher.utter_message(text="Which size would you like?")
                return []
            color = tracker.get_slot("color")
            available = [
                s
                for s in catalog.sizes_of(product)
                if any(v.stock for v in catalog.matching_variants(product, s, color))
            ]
            sold_out = [s for s in catalog.sizes_of(product) if s not in available]
            text = f"Which size would you like for the {_variant_label(product, None, color)}?"
            if sold_out:
                text += f" (sold out: {join_words(sold_out)})"
            dispatcher.utter_message(text=text, buttons=[button(s, "inform", size=s) for s in available])
        return []


class ActionAskColor(Action):
    def name(self) -> str:
        return "action_ask_color"

    async def run(self, dispatcher, tracker, domain):
        with session_scope() as session:
            product = _product(session, tracker)
            if product is None:
                dispatcher.utter_message(text="Which color would you like?")
                return []
            size = tracker.get_slot("size")
            available = [
                c
                for c in catalog.colors_of(product)
                if any(v.stock for v in catalog.matching_variants(product, size, c))
            ]
            text = f"Which color would you like for the {_variant_label(product, size, None)}?"
            dispatcher.utter_message(text=text, buttons=[button(c, "inform", color=c) for c in available])
        return []


class ActionAskPurchaseConfirmed(Action):
    """Shows exactly what will be ordered, with the price, before anything is written."""

    def name(self) -> str:
        return "action_ask_purchase_confirmed"

    async def run(self, dispatcher, tracker, domain):
        with session_scope() as session:
            product = _product(session, tracker)
            quantity = int(tracker.get_slot("quantity") or 1)
            label = _variant_label(product, tracker.get_slot("size"), tracker.get_slot("color"))
            dispatcher.utter_message(
                text=f"Please confirm: {quantity} x {label} at {money(product.price_cents)} each, "
                f"{money(product.price_cents * quantity)} in total. The confirmation goes to "
                f"{tracker.get_slot('email')}. Shall I place the order?",
                buttons=[button("Yes, place the order", "affirm"), button("No", "deny")],
            )
        return []


class ActionPlaceOrder(Action):
    def name(self) -> str:
        return "action_place_order"

    async def run(self, dispatcher, tracker, domain):
        reset = [SlotSet(slot, None) for slot in PURCHASE_SLOTS]
        if not tracker.get_slot("purchase_confirmed"):
            dispatcher.utter_message(text="No problem, nothing was ordered. Anything else I can help with?")
            return reset
        size, color = tracker.get_slot("size"), tracker.get_slot("color")
        quantity = int(tracker.get_slot("quantity"))
        try:
            with session_scope() as session:
                product = _product(session, tracker)
                variant = catalog.find_variant(product, size, color)
                order = place_order(
                    session, variant.id, quantity, email=tracker.get_slot("email"), sender_id=tracker.sender_id
                )
                reference, total = order.reference, order.total_cents
                label = _variant_label(product, variant.size, variant.color)
        except OutOfStock:
            with session_scope() as session:
                product = _product(session, tracker)
                alts = catalog.alternatives(session, product, size, color, quantity)
                dispatcher.utter_message(
                    text=f"I'm sorry, the last {_variant_label(product, size, color)} just sold out "
                    "while we were talking, so nothing was ordered." + (" These are in stock:" if alts else ""),
                    buttons=alternative_buttons(alts),
                )
            return reset + [SlotSet("size", None), SlotSet("color", None)]
        dispatcher.utter_message(
            text=f"Done! Your order {reference} is placed: {quantity} x {label}, "
            f"{money(total)} in total. A confirmation is on its way to {tracker.get_slot('email')}."
        )
        return reset + [SlotSet("order_id", reference)]


STATUS_TEXT = {
    "placed": "was placed on {placed} and is being prepared; it ships within 1 business day",
    "paid": "was placed on {placed} and is being prepared; it ships within 1 business day",
    "shipped": "shipped on {shipped} and is on its way (standard delivery takes 3-5 business days)",
    "delivered": "was delivered on {delivered}",
    "refunded": "was refunded on {refunded}",
}


def describe_order(order) -> str:
    dates = {
        k: (getattr(order, f"{k}_at").strftime("%d %b %Y") if getattr(order, f"{k}_at") else "-")
        for k in ("placed", "shipped", "delivered", "refunded")
    }
    status = STATUS_TEXT.get(order.status, "is " + order.status).format(**dates)
    items = join_words(
        f"{item.quantity} x {_variant_label(item.variant.product, item.variant.size, item.variant.color)}"
        for item in order.items
    )
    return f"Order {order.reference} {status}. It contains {items} ({money(order.total_cents)})."


class ValidateOrderStatusForm(FormValidationAction):
    def name(self) -> str:
        return "validate_order_status_form"

    def validate_order_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        parsed = parse_order_id(value)
        if not parsed.ok:
            dispatcher.utter_message(response="utter_invalid_order_id")
            return {"order_id": None}
        with session_scope() as session:
            if get_order(session, parsed.value) is None:
                dispatcher.utter_message(
                    text=f"I couldn't find an order {parsed.value}. Please check the number in your confirmation email."
                )
                return {"order_id": None}
        return {"order_id": parsed.value}


class ActionOrderStatus(Action):
    def name(self) -> str:
        return "action_order_status"

    async def run(self, dispatcher, tracker, domain):
        reference = parse_order_id(tracker.get_slot("order_id")).value
        with session_scope() as session:
            order = get_order(session, reference) if reference else None
            if order is None:
                dispatcher.utter_message(response="utter_invalid_order_id")
                return [SlotSet("order_id", None)]
            dispatcher.utter_message(text=describe_order(order))
        return []
