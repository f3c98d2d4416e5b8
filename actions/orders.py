"""Buying in the chat (purchase_form) and looking up an order's status."""

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import remember_reach
from actions.csat import csat_followup
from actions.forms import (
    AnswersInAnyOrder,
    EndsAForm,
    email_reader,
    prove_order_owner,
    slots_after,
    validate_email_value,
)
from actions.per_run import once
from shop import orders, ownership
from shop.answers import Reader
from shop.buttons import alternative_buttons, button, product_buttons
from shop.clock import naive_now, now_utc
from shop.db import session_scope
from shop.formatting import join_words, money, short_date
from shop.orders import OptionChoice
from shop.outbound import messages as outbound
from shop.parsing.ids import find_order_id, parse_email, parse_order_id
from shop.parsing.numbers import MAX_QUANTITY, parse_quantity

PURCHASE_SLOTS = ["quantity", "purchase_confirmed"]
PURCHASE_FORM_SLOTS = ["product", "size", "color", "quantity", "email", "order_id"]

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


class ValidatePurchaseForm(AnswersInAnyOrder):
    """Asks one thing at a time and checks live stock after each answer. Product, size, color
    and quantity come as entities whenever said; the email is read in any message too."""

    def name(self) -> str:
        return "validate_purchase_form"

    def answer_readers(self, tracker: Tracker, requested: str | None) -> dict[str, Reader]:
        return {"email": email_reader}

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        product = tracker.get_slot("product")
        skip = once(("options_it_lacks", product), lambda: self._options_it_lacks(product))
        return [slot for slot in domain_slots if slot not in skip]

    @staticmethod
    def _options_it_lacks(product: str | None) -> set[str]:
        with session_scope() as session:
            return orders.options_it_lacks(session, product)

    def validate_product(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        with session_scope() as session:
            choice = orders.choose_product(
                session, value, tracker.get_slot("size"), tracker.get_slot("color"), said_now(tracker, "product")
            )
            if not choice.problem:  # a purchase begun: reminded once if it is left unfinished
                remember_reach(session, tracker)
                outbound.purchase_begun(session, tracker.sender_id, choice.product, now_utc())
        if choice.problem == "unknown" and choice.similar:
            dispatcher.utter_message(
                response="utter_product_not_found_did_you_mean",
                name=str(value),
                similar=join_words(choice.similar, "or"),
                buttons=product_buttons(choice.similar, "purchase"),
            )
        elif choice.problem == "unknown":
            dispatcher.utter_message(response="utter_product_not_found", name=str(value))
        elif choice.problem == "sold_out" and choice.alternatives:
            dispatcher.utter_message(
                response="utter_product_sold_out_similar",
                product=choice.product,
                buttons=alternative_buttons(choice.alternatives),
            )
        elif choice.problem == "sold_out":
            dispatcher.utter_message(response="utter_product_sold_out", product=choice.product)
        if choice.problem:
            return {"product": None}
        return {"product": choice.product, "size": choice.size, "color": choice.color}

    def validate_size(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        with session_scope() as session:
            choice = orders.choose_size(
                session, tracker.get_slot("product"), value, tracker.get_slot("color"), said_now(tracker, "size")
            )
        if choice.problem == "not_offered":
            dispatcher.utter_message(
                response="utter_size_not_offered",
                product=choice.product,
                sizes=join_words(choice.offered, "or"),
                value=str(value),
            )
        self._sold_out(dispatcher, choice)
        return {"size": choice.value}

    def validate_color(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        with session_scope() as session:
            choice = orders.choose_color(
                session, tracker.get_slot("product"), value, tracker.get_slot("size"), said_now(tracker, "color")
            )
        if choice.problem == "not_offered":
            dispatcher.utter_message(
                response="utter_color_not_offered",
                product=choice.product,
                colors=join_words(choice.offered, "or"),
                value=str(value),
            )
        self._sold_out(dispatcher, choice)
        return {"color": choice.value}

    @staticmethod
    def _sold_out(dispatcher: CollectingDispatcher, choice: OptionChoice) -> None:
        if choice.problem == "sold_out" and choice.alternatives:
            dispatcher.utter_message(
                response="utter_option_sold_out_alternatives",
                item=choice.label,
                buttons=alternative_buttons(choice.alternatives),
            )
        elif choice.problem == "sold_out":
            dispatcher.utter_message(response="utter_option_sold_out", item=choice.label)

    def validate_quantity(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        with session_scope() as session:
            check = orders.check_quantity(
                session,
                tracker.get_slot("product"),
                tracker.get_slot("size"),
                tracker.get_slot("color"),
                value,
                said_now(tracker, "quantity"),
            )
        if check.problem == "more_than_stock":
            dispatcher.utter_message(response="utter_quantity_more_than_stock", stock=check.stock, item=check.label)
        elif check.problem in orders.QUANTITY_PROBLEMS:
            dispatcher.utter_message(response=f"utter_quantity_{check.problem}", most=MAX_QUANTITY)
        return {"quantity": check.quantity}

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
        dispatcher.utter_message(response="utter_which_product_to_order")
        return []


class ActionAskSize(Action):
    """Offers the sizes that are in stock (in the chosen color) as buttons."""

    def name(self) -> str:
        return "action_ask_size"

    async def run(self, dispatcher, tracker, domain):
        with session_scope() as session:
            question = orders.size_question(session, tracker.get_slot("product"), tracker.get_slot("color"))
        if question is None:
            dispatcher.utter_message(response="utter_which_size")
            return []
        buttons = [button(s, "inform", size=s) for s in question.in_stock]
        if question.sold_out:
            dispatcher.utter_message(
                response="utter_which_size_some_sold_out",
                item=question.label,
                sold_out=join_words(question.sold_out),
                buttons=buttons,
            )
        else:
            dispatcher.utter_message(response="utter_which_size_for", item=question.label, buttons=buttons)
        return []


class ActionAskColor(Action):
    def name(self) -> str:
        return "action_ask_color"

    async def run(self, dispatcher, tracker, domain):
        with session_scope() as session:
            question = orders.color_question(session, tracker.get_slot("product"), tracker.get_slot("size"))
        if question is None:
            dispatcher.utter_message(response="utter_which_color")
            return []
        dispatcher.utter_message(
            response="utter_which_color_for",
            item=question.label,
            buttons=[button(c, "inform", color=c) for c in question.in_stock],
        )
        return []


class ActionAskPurchaseConfirmed(Action):
    """Shows exactly what will be ordered, with the price, before anything is written."""

    def name(self) -> str:
        return "action_ask_purchase_confirmed"

    async def run(self, dispatcher, tracker, domain):
        with session_scope() as session:
            summary = orders.purchase_summary(
                session,
                tracker.get_slot("product"),
                tracker.get_slot("size"),
                tracker.get_slot("color"),
                int(tracker.get_slot("quantity") or 1),
            )
        dispatcher.utter_message(
            response="utter_ask_to_place_the_order",
            quantity=summary.quantity,
            item=summary.label,
            price=money(summary.price_cents),
            total=money(summary.total_cents),
            email=tracker.get_slot("email"),
        )
        return []


class ActionPlaceOrder(EndsAForm):
    def name(self) -> str:
        return "action_place_order"

    async def finish(self, dispatcher, tracker, domain):
        reset = [SlotSet(slot, None) for slot in PURCHASE_SLOTS]
        quantity = parse_quantity(tracker.get_slot("quantity"))
        if not tracker.get_slot("purchase_confirmed") or not quantity.ok:
            dispatcher.utter_message(response="utter_order_not_placed")
            return reset
        with session_scope() as session:
            remember_reach(session, tracker)  # before the order: its confirmation goes there
            purchase = orders.buy(
                session,
                tracker.get_slot("product"),
                tracker.get_slot("size"),
                tracker.get_slot("color"),
                quantity.value,
                email=tracker.get_slot("email"),
                sender_id=tracker.sender_id,
            )
        if purchase.reference is None and purchase.alternatives:
            dispatcher.utter_message(
                response="utter_order_sold_out_meanwhile_alternatives",
                item=purchase.label,
                buttons=alternative_buttons(purchase.alternatives),
            )
        elif purchase.reference is None:
            dispatcher.utter_message(response="utter_order_sold_out_meanwhile", item=purchase.label)
        if purchase.reference is None:
            return reset + [SlotSet("size", None), SlotSet("color", None)]
        dispatcher.utter_message(
            response="utter_order_placed",
            order_id=purchase.reference,
            quantity=purchase.quantity,
            item=purchase.label,
            total=money(purchase.total_cents),
            email=tracker.get_slot("email"),
        )
        return reset + [SlotSet("order_id", purchase.reference)] + csat_followup(tracker, "order")


class ValidateOrderStatusForm(AnswersInAnyOrder):
    """The order number and the email on the order, in any order: together they prove the order
    is the customer's (shop/ownership.py); a few wrong pairs end the form with a person offered."""

    def name(self) -> str:
        return "validate_order_status_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        with session_scope() as session:
            locked = ownership.is_locked(session, tracker.sender_id, naive_now())
        return [] if locked else domain_slots  # action_order_status says why

    def answer_readers(self, tracker: Tracker, requested: str | None) -> dict[str, Reader]:
        return {"order_id": find_order_id, "email": email_reader}

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = await super().get_validation_events(dispatcher, tracker, domain)
        slots = slots_after(tracker, events)
        if not slots.get("order_id") or not slots.get("email"):
            return events
        with session_scope() as session:
            outcome = prove_order_owner(session, dispatcher, tracker, slots, events)
        return events + [SlotSet("email", None)] if outcome == "mismatch" else events

    def validate_order_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        parsed = parse_order_id(value)
        if not parsed.ok:
            dispatcher.utter_message(response="utter_invalid_order_id")
            return {"order_id": None}
        return {"order_id": parsed.value}

    def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return validate_email_value(value, dispatcher)


# The statuses with a response of their own (a paid order reads as placed); any other status is
# told by its name (utter_order_status_other).
STATUS_RESPONSES = {
    "placed": "placed",
    "paid": "placed",
    "shipped": "shipped",
    "delivered": "delivered",
    "refunded": "refunded",
}


class ActionOrderStatus(EndsAForm):
    def name(self) -> str:
        return "action_order_status"

    async def finish(self, dispatcher, tracker, domain):
        reference = parse_order_id(tracker.get_slot("order_id")).value
        email = parse_email(tracker.get_slot("email")).value
        # Checked again here, whatever the form said: the status is only for the order's owner.
        with session_scope() as session:
            locked = ownership.is_locked(session, tracker.sender_id, naive_now())
            status = orders.order_status(session, reference, email) if reference and email and not locked else None
        if locked:
            dispatcher.utter_message(response="utter_order_check_locked")
            return [SlotSet("order_id", None), SlotSet("email", None)]
        if status is None:
            dispatcher.utter_message(response="utter_order_not_shown")
            return [SlotSet("order_id", None)]
        dispatcher.utter_message(
            response=f"utter_order_status_{STATUS_RESPONSES.get(status.status, 'other')}",
            order_id=status.reference,
            status=status.status,
            date=short_date(status.since),
            items=join_words(f"{quantity} x {label}" for quantity, label in status.items),
            total=money(status.total_cents),
        )
        return []


# The task an order number said on its own goes on with: the one the customer asked for lately.
ORDER_TASKS = {"refund": "refund_form", "order_status": "order_status_form"}
ORDER_TASK_LOOKBACK = 3  # user messages before the order number


def order_task_of(events: list[dict[str, Any]]) -> str | None:
    """The form an order number said on its own ("A1003", after a refund was refused for
    another order) belongs to: that of the latest refund or order-status request among the
    few messages before it; None when there is none."""
    messages = [e for e in events if e.get("event") == "user"][-1 - ORDER_TASK_LOOKBACK : -1]
    for message in reversed(messages):
        intent = ((message.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent in ORDER_TASKS:
            return ORDER_TASKS[intent]
    return None


class ActionOrderNumberGiven(Action):
    """An order number with nothing asked: the refund or order check asked lately goes on with
    it, else the customer is asked which of the two they want."""

    def name(self) -> str:
        return "action_order_number_given"

    async def run(self, dispatcher, tracker, domain):
        form = order_task_of(tracker.events)
        if form:
            return [FollowupAction(form)]
        reference = parse_order_id(tracker.get_slot("order_id")).value
        if reference is None:
            dispatcher.utter_message(response="utter_invalid_order_id")
            return [SlotSet("order_id", None)]
        dispatcher.utter_message(
            response="utter_order_number_what_for",
            order_id=reference,
            buttons=[
                button("Where is it?", "order_status", order_id=reference),
                button("Return an item", "refund", order_id=reference),
            ],
        )
        return []
