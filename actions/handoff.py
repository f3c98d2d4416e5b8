"""Handing over to a person: the request is recorded with why and what was said so far."""
from typing import Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet

from actions.shop.db import session_scope
from actions.shop.support import record_handoff

CONTEXT_SLOTS = ("product", "size", "color", "quantity", "order_id", "email")


def handoff_reason(tracker: Tracker) -> str:
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if intent == "book_meeting":
        return "sales_meeting"
    previous = [e.get("name") for e in tracker.events if e.get("event") == "action"]
    if "action_handle_misunderstanding" in previous[-3:]:
        return "bot_misunderstood"
    if "action_submit_refund" in previous[-3:]:
        return "refund_refused"
    return "customer_asked"


def conversation_summary(tracker: Tracker, last: int = 10) -> str:
    said = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"][-last:]
    slots = {k: tracker.get_slot(k) for k in CONTEXT_SLOTS if tracker.get_slot(k) is not None}
    return "Slots: " + ", ".join(f"{k}={v}" for k, v in slots.items()) + "\nCustomer said:\n" + "\n".join(
        f"- {text}" for text in said
    )


class ActionHumanHandoff(Action):
    def name(self) -> Text:
        return "action_human_handoff"

    async def run(self, dispatcher, tracker, domain):
        reason = handoff_reason(tracker)
        with session_scope() as session:
            reference = record_handoff(session, tracker.sender_id, reason, conversation_summary(tracker),
                                       email=tracker.get_slot("email"))
        team = "sales team" if reason == "sales_meeting" else "customer service team"
        reply_to = f"by email at {tracker.get_slot('email')}" if tracker.get_slot("email") else "here"
        dispatcher.utter_message(
            text=f"I've passed your conversation to our {team} (reference {reference}) with everything "
            f"you've told me, so you won't have to repeat it. Someone will get back to you {reply_to} "
            "during team hours: Monday to Friday 9:00-18:00 and Saturday 10:00-16:00 Eastern time."
        )
        events = []
        if tracker.active_loop_name:
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events
