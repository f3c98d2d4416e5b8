"""Refunds in the chat: order id and the email on it, the item, the reason; policy from data."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.csat import csat_followup
from actions.forms import (
    AnswersInAnyOrder,
    EndsAForm,
    email_reader,
    prove_order_owner,
    slots_after,
    validate_email_value,
)
from shop import ownership, refunds
from shop.answers import Reader
from shop.buttons import button
from shop.clock import naive_now
from shop.db import session_scope
from shop.formatting import join_words, long_date, money
from shop.parsing.ids import find_order_id, parse_order_id
from shop.refunds import RefundDecision, load_policy, reason_clause, refund_change_choice

REFUND_SLOTS = [
    "refund_item",
    "refund_reason",
    "refund_eligible",
    "refund_block_reason",
    "refund_confirmed",
    "refund_change",
]


def refusal_values(decision: RefundDecision, item: str, order_id: str | None, days: int) -> dict[str, Any]:
    """The placeholders of a refusal (utter_refund_refused_<reason> and its kin): the item, the
    order, the policy's window and the deadline, whichever the reason's words name."""
    deadline = long_date(decision.deadline) if decision.deadline else ""
    return {"item": item, "order_id": order_id, "days": days, "deadline": deadline}


def _form_order(tracker: Tracker) -> tuple[Any, Any]:
    return tracker.get_slot("order_id"), tracker.get_slot("email")


class ValidateRefundForm(AnswersInAnyOrder):
    """Order id and email (in any order), the item, the reason, then the customer confirms."""

    def name(self) -> str:
        return "validate_refund_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        # A refused order ends the form after order id and email: the refusal is explained
        # by action_submit_refund instead of asking for an item and a reason for nothing.
        with session_scope() as session:
            if ownership.is_locked(session, tracker.sender_id, naive_now()):
                return []  # too many wrong order numbers and emails: action_submit_refund says so
        if tracker.get_slot("refund_eligible") is False:
            return ["order_id", "email"]
        if tracker.get_slot("refund_confirmed") is False:
            return domain_slots  # "no" at the confirmation: what to change is asked first
        return [slot for slot in domain_slots if slot != "refund_change"]

    def answer_readers(self, tracker: Tracker, requested: str | None) -> dict[str, Reader]:
        return {"order_id": find_order_id, "email": email_reader}

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # rasa_sdk 3 calls get_validation_events (then picks the next slot); it has no validate().
        events = await super().get_validation_events(dispatcher, tracker, domain)
        slots = slots_after(tracker, events)
        if not slots.get("order_id") or not slots.get("email") or slots.get("refund_eligible") is not None:
            return events
        # Both order id and email are known: they must belong together, then the policy decides.
        with session_scope() as session:
            outcome = prove_order_owner(session, dispatcher, tracker, slots, events)
            if outcome == "locked":
                return events
            if outcome == "mismatch":
                return events + [SlotSet("email", None)]
            check = refunds.check_order(session, slots["order_id"], slots["email"], load_policy(), naive_now())
            if check.refusal is not None:
                return events + [
                    SlotSet("refund_eligible", False),
                    SlotSet("refund_block_reason", check.refusal.reason),
                ]
            events.append(SlotSet("refund_eligible", True))
            if len(check.refundable) == 1 and not slots.get("refund_item"):
                # Said, not chosen silently: the customer may have meant another item.
                only = check.refundable[0]
                dispatcher.utter_message(response="utter_refund_only_item", item=only.label, order_id=slots["order_id"])
                events.append(SlotSet("refund_item", only.product))
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
        order_id, email = _form_order(tracker)
        policy = load_policy()
        with session_scope() as session:
            choice = refunds.choose_item(session, order_id, email, value, policy, naive_now())
            line = choice.line
            if line is None:
                dispatcher.utter_message(
                    response="utter_refund_not_an_item", order_id=order_id, items=join_words(choice.products)
                )
                return {"refund_item": None}
            if not line.decision.allowed:
                dispatcher.utter_message(
                    response=f"utter_refund_item_refused_{line.decision.reason}",
                    **refusal_values(line.decision, line.label, order_id, policy.window_days),
                )
                return {"refund_item": None}
            return {"refund_item": line.product}

    def validate_refund_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        reason = " ".join(str(value or "").split())
        if len(reason) < 3 or reason.startswith("/"):
            dispatcher.utter_message(response="utter_refund_reason_too_short")
            return {"refund_reason": None}
        other = self._other_item_named(tracker, reason, dispatcher)
        if other is not None:
            return other
        return {"refund_reason": reason[:500]}

    @staticmethod
    def _other_item_named(tracker: Tracker, text: str, dispatcher: CollectingDispatcher) -> dict[str, Any] | None:
        """The answer to "why?" names another item of the order: that item is taken (and the
        reason asked again for it), or the customer hears why it cannot be returned."""
        order_id, email = _form_order(tracker)
        if not order_id or not email:
            return None  # no order known yet, so no other item to name
        current = tracker.get_slot("refund_item")
        policy = load_policy()
        with session_scope() as session:
            line = refunds.other_line_named(session, order_id, email, text, current, policy, naive_now())
            if line is None:
                return None
            if not line.decision.allowed:
                dispatcher.utter_message(
                    response=f"utter_refund_other_item_refused_{line.decision.reason}",
                    kept_item=current,
                    **refusal_values(line.decision, line.label, order_id, policy.window_days),
                )
                return {"refund_reason": None}
            dispatcher.utter_message(response="utter_noted_refund_item", item=line.label)
            return {"refund_item": line.product, "refund_reason": None}

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
        order_id, email = _form_order(tracker)
        with session_scope() as session:
            lines = refunds.refundable_lines(session, order_id, email, load_policy(), naive_now())
            buttons = [button(line.label, "inform", product=line.product) for line in lines]
        dispatcher.utter_message(response="utter_which_item_to_return", buttons=buttons)
        return []


class ActionAskRefundConfirmed(Action):
    """Reads the request back (item, order, reason) before anything is written."""

    def name(self) -> str:
        return "action_ask_refund_confirmed"

    async def run(self, dispatcher, tracker, domain):
        order_id, email = _form_order(tracker)
        with session_scope() as session:
            item = refunds.item_label(
                session, order_id, email, tracker.get_slot("refund_item"), load_policy(), naive_now()
            )
        dispatcher.utter_message(
            response="utter_ask_refund_confirmed",
            item=item,
            order_id=order_id,
            reason=reason_clause(tracker.get_slot("refund_reason") or ""),
        )
        return []


class ActionSubmitRefund(EndsAForm):
    def name(self) -> str:
        return "action_submit_refund"

    async def finish(self, dispatcher, tracker, domain):
        order_id, email = _form_order(tracker)
        policy = load_policy()
        with session_scope() as session:
            if ownership.is_locked(session, tracker.sender_id, naive_now()):
                dispatcher.utter_message(response="utter_order_check_locked")
                return [SlotSet(slot, None) for slot in REFUND_SLOTS]
            filing = refunds.submit_refund(
                session,
                order_id,
                email,
                tracker.get_slot("refund_item"),
                tracker.get_slot("refund_reason"),
                refused=tracker.get_slot("refund_eligible") is False,
                confirmed=bool(tracker.get_slot("refund_confirmed")),
                policy=policy,
                now=naive_now(),
            )
        if filing.outcome == "filed":
            dispatcher.utter_message(
                response="utter_refund_filed",
                reference=filing.reference,
                item=filing.label,
                amount=money(filing.amount_cents),
            )
        elif filing.outcome == "refused":
            dispatcher.utter_message(
                response=f"utter_refund_refused_{filing.refusal.reason}",
                **refusal_values(filing.refusal, filing.label, order_id, policy.window_days),
            )
        elif filing.outcome == "not_confirmed":
            dispatcher.utter_message(response="utter_refund_not_filed")
        elif filing.outcome == "not_refundable":
            dispatcher.utter_message(response="utter_refund_no_longer_possible")
        elif filing.outcome == "already_refunded":
            dispatcher.utter_message(response="utter_refund_already_refunded", item=filing.label, order_id=order_id)
        elif filing.outcome == "taken":
            dispatcher.utter_message(response="utter_refund_taken_meanwhile", order_id=order_id)
        else:  # no_order
            dispatcher.utter_message(response="utter_refund_order_gone")
        reset = [SlotSet(slot, None) for slot in REFUND_SLOTS]
        return reset + csat_followup(tracker, "refund") if filing.outcome == "filed" else reset
