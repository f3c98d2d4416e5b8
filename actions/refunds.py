"""Refunds in the chat: order id and the email on it, the item, the reason; policy from data."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import IntegrityError

from actions.forms import AnswersInAnyOrder, validate_email_value
from shop.answers import Reader
from shop.buttons import button
from shop.clock import naive_now
from shop.db import session_scope
from shop.formatting import join_words, money
from shop.parsing.ids import find_order_id, parse_email, parse_order_id
from shop.refunds import (
    AlreadyRefunded,
    LineDecision,
    RefundDecision,
    create_refund,
    find_customer_order,
    first_refusal,
    line_decisions,
    load_policy,
    named_line,
    reason_clause,
    refund_change_choice,
)

REFUND_SLOTS = [
    "refund_item",
    "refund_reason",
    "refund_eligible",
    "refund_block_reason",
    "refund_confirmed",
    "refund_change",
]
REFUSALS = {
    "already_refunded": "{item} from order {order} has already been refunded.",
    "not_delivered": "Order {order} hasn't been delivered yet, so it can't be returned; "
    "a member of our team can cancel or change it instead.",
    "window_expired": "Returns are accepted within {days} days of delivery, and for order {order} "
    "that ended on {deadline}.",
    "final_sale": "{item} was a final-sale item, and final-sale items can't be refunded.",
}


def refusal_text(decision: RefundDecision, order: str, item: str, days: int) -> str:
    deadline = decision.deadline.strftime("%d %B %Y") if decision.deadline else ""
    return REFUSALS[decision.reason].format(order=order, item=item, days=days, deadline=deadline)


def _lines(session, tracker: Tracker) -> list[LineDecision] | None:
    order = find_customer_order(session, tracker.get_slot("order_id") or "", tracker.get_slot("email") or "")
    return line_decisions(order, load_policy(), naive_now()) if order else None


def _match_line(lines: list[LineDecision], text: str) -> LineDecision | None:
    wanted = str(text).lower()
    for line in lines:
        name = line.item.variant.product.name
        if name.lower() in wanted or wanted in line.label.lower():
            return line
    return None


def _offer_person() -> list[dict[str, str]]:
    return [button("Talk to a person", "human_handoff"), button("No thanks", "deny")]


class ValidateRefundForm(AnswersInAnyOrder):
    """Order id and email (in any order), the item, the reason, then the customer confirms."""

    def name(self) -> str:
        return "validate_refund_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        # A refused order ends the form after order id and email: the refusal is explained
        # by action_submit_refund instead of asking for an item and a reason for nothing.
        if tracker.get_slot("refund_eligible") is False:
            return ["order_id", "email"]
        if tracker.get_slot("refund_confirmed") is False:
            return domain_slots  # "no" at the confirmation: what to change is asked first
        return [slot for slot in domain_slots if slot != "refund_change"]

    def answer_readers(self, tracker: Tracker, requested: str | None) -> dict[str, Reader]:
        return {"order_id": find_order_id, "email": lambda text: parse_email(text).value}

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # rasa_sdk 3 calls get_validation_events (then picks the next slot); it has no validate().
        events = await super().get_validation_events(dispatcher, tracker, domain)
        slots = dict(tracker.slots)
        slots.update({e["name"]: e["value"] for e in events if e.get("event") == "slot"})
        if not slots.get("order_id") or not slots.get("email") or slots.get("refund_eligible") is not None:
            return events
        # Both order id and email are known: they must belong together, then the policy decides.
        with session_scope() as session:
            order = find_customer_order(session, slots["order_id"], slots["email"])
            if order is None:
                dispatcher.utter_message(
                    text=f"I couldn't find order {slots['order_id']} with the email {slots['email']}. "
                    "Please check both: the email must be the one you ordered with."
                )
                return events + [SlotSet("email", None)]
            lines = line_decisions(order, load_policy(), naive_now())
            refusal = first_refusal(d.decision for d in lines)
            if refusal is not None:
                return events + [SlotSet("refund_eligible", False), SlotSet("refund_block_reason", refusal.reason)]
            allowed = [line for line in lines if line.decision.allowed]
            events.append(SlotSet("refund_eligible", True))
            if len(allowed) == 1 and not slots.get("refund_item"):
                # Said, not chosen silently: the customer may have meant another item.
                dispatcher.utter_message(
                    response="utter_refund_only_item", item=allowed[0].label, order_id=slots["order_id"]
                )
                events.append(SlotSet("refund_item", allowed[0].item.variant.product.name))
            return events

    def validate_order_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        parsed = parse_order_id(value)
        if not parsed.ok:
            dispatcher.utter_message(response="utter_invalid_order_id")
            return {"order_id": None}
        # A new order id means the earlier policy check no longer applies.
        return {"order_id": parsed.value, "refund_eligible": None, "refund_item": None}

    def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        slots = validate_email_value(value, dispatcher)
        # A new email means the earlier order check no longer applies.
        return {**slots, "refund_eligible": None} if slots["email"] else slots

    def validate_refund_item(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        with session_scope() as session:
            lines = _lines(session, tracker) or []
            line = _match_line(lines, value)
            if line is None:
                names = [line.item.variant.product.name for line in lines]
                dispatcher.utter_message(
                    text=f"That isn't an item of order {tracker.get_slot('order_id')}. It contains {join_words(names)}."
                )
                return {"refund_item": None}
            if not line.decision.allowed:
                dispatcher.utter_message(
                    text=refusal_text(
                        line.decision, tracker.get_slot("order_id"), line.label, load_policy().window_days
                    )
                    + " Please pick another item."
                )
                return {"refund_item": None}
            return {"refund_item": line.item.variant.product.name}

    def validate_refund_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        reason = " ".join(str(value or "").split())
        if len(reason) < 3 or reason.startswith("/"):
            dispatcher.utter_message(text="Please tell me in a few words why you're returning it.")
            return {"refund_reason": None}
        other = self._other_item_named(tracker, reason, dispatcher)
        if other is not None:
            return other
        return {"refund_reason": reason[:500]}

    @staticmethod
    def _other_item_named(tracker: Tracker, text: str, dispatcher: CollectingDispatcher) -> dict[str, Any] | None:
        """The answer to "why?" names another item of the order: that item is taken (and the
        reason asked again for it), or the customer hears why it cannot be returned."""
        order_id = tracker.get_slot("order_id")
        if not order_id or not tracker.get_slot("email"):
            return None  # no order known yet, so no other item to name
        with session_scope() as session:
            line = named_line(_lines(session, tracker) or [], text)
            if line is None or line.item.variant.product.name == tracker.get_slot("refund_item"):
                return None
            if not line.decision.allowed:
                refusal = refusal_text(line.decision, order_id, line.label, load_policy().window_days)
                current = tracker.get_slot("refund_item")
                dispatcher.utter_message(response="utter_refund_other_item_refused", refusal=refusal, item=current)
                return {"refund_reason": None}
            dispatcher.utter_message(response="utter_noted_refund_item", item=line.label)
            return {"refund_item": line.item.variant.product.name, "refund_reason": None}

    def validate_refund_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"refund_confirmed": bool(value), "refund_change": None}

    def validate_refund_change(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        choice = refund_change_choice(value)
        if choice is None:
            dispatcher.utter_message(response="utter_refund_change_unclear")
            return {"refund_change": None}
        # What changes is asked again, then the request is confirmed again.
        changed = {"item": "refund_item", "reason": "refund_reason"}[choice]
        return {"refund_change": None, changed: None, "refund_confirmed": None}


class ActionAskRefundItem(Action):
    def name(self) -> str:
        return "action_ask_refund_item"

    async def run(self, dispatcher, tracker, domain):
        with session_scope() as session:
            lines = _lines(session, tracker) or []
            allowed = [line for line in lines if line.decision.allowed]
            dispatcher.utter_message(
                text="Which item would you like to return?",
                buttons=[button(line.label, "inform", product=line.item.variant.product.name) for line in allowed],
            )
        return []


class ActionAskRefundConfirmed(Action):
    """Reads the request back (item, order, reason) before anything is written."""

    def name(self) -> str:
        return "action_ask_refund_confirmed"

    async def run(self, dispatcher, tracker, domain):
        with session_scope() as session:
            line = _match_line(_lines(session, tracker) or [], tracker.get_slot("refund_item") or "")
            item = line.label if line else tracker.get_slot("refund_item")
        dispatcher.utter_message(
            response="utter_ask_refund_confirmed",
            item=item,
            order_id=tracker.get_slot("order_id"),
            reason=reason_clause(tracker.get_slot("refund_reason") or ""),
        )
        return []


class ActionSubmitRefund(Action):
    def name(self) -> str:
        return "action_submit_refund"

    async def run(self, dispatcher, tracker, domain):
        reset = [SlotSet(slot, None) for slot in REFUND_SLOTS]
        order_id = tracker.get_slot("order_id")
        policy = load_policy()
        try:
            return self._submit(dispatcher, tracker, order_id, policy, reset)
        except IntegrityError:
            # A simultaneous request for the same line won: the unique order line refused ours,
            # and the whole transaction was rolled back.
            dispatcher.utter_message(text=f"That item of order {order_id} has already been refunded.")
            return reset

    def _submit(self, dispatcher, tracker, order_id, policy, reset):
        with session_scope() as session:
            lines = _lines(session, tracker)
            if not lines:
                dispatcher.utter_message(text="I couldn't find that order any more. Nothing was changed.")
                return reset
            if tracker.get_slot("refund_eligible") is False:
                refusal = first_refusal(line.decision for line in lines)
                line = next(line for line in lines if line.decision is refusal)
                dispatcher.utter_message(
                    text=refusal_text(refusal, order_id, line.label, policy.window_days)
                    + " Would you like to talk to a person about it?",
                    buttons=_offer_person(),
                )
                return reset
            if not tracker.get_slot("refund_confirmed"):
                dispatcher.utter_message(response="utter_refund_not_filed")
                return reset
            line = _match_line(lines, tracker.get_slot("refund_item") or "")
            # The policy is checked again at the moment of writing, not only when asked.
            if line is None or not line.decision.allowed:
                dispatcher.utter_message(
                    text="That item can't be refunded any more. Would you like to talk to a person?",
                    buttons=_offer_person(),
                )
                return reset
            label = line.label
            try:
                refund = create_refund(session, line.item, tracker.get_slot("refund_reason"))
                reference, amount = refund.reference, refund.amount_cents
            except AlreadyRefunded:
                dispatcher.utter_message(text=f"{label} from order {order_id} has already been refunded.")
                return reset
        dispatcher.utter_message(
            text=f"Your refund request {reference} for {label} ({money(amount)}) is created. "
            "Please send the item back with the reference inside; once it arrives, the money goes back "
            "to your original payment method within 5-7 business days."
        )
        return reset
