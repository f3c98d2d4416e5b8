"""Keeping the conversation on track: cancelling a task, and not understanding twice in a row."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet

from actions.common import button
from actions.orders import PURCHASE_SLOTS
from actions.refunds import REFUND_SLOTS

MISUNDERSTANDING_ACTION = "action_handle_misunderstanding"
HUMAN_OFFER_AFTER = 2


class ActionCancelTask(Action):
    def name(self) -> Text:
        return "action_cancel_task"

    async def run(self, dispatcher, tracker, domain):
        if not tracker.active_loop_name:
            dispatcher.utter_message(response="utter_nothing_to_cancel")
            return []
        dispatcher.utter_message(response="utter_cancelled")
        return [ActiveLoop(None), SlotSet("requested_slot", None)] + [
            SlotSet(slot, None) for slot in PURCHASE_SLOTS + REFUND_SLOTS
        ]


def misunderstandings_in_a_row(events: List[Dict[str, Any]]) -> int:
    """How many of the latest user messages in a row the bot did not understand, counting
    the current one: each answered by the misunderstanding action, or classified nlu_fallback."""
    count = 0
    answered_by_fallback = True  # the current message is being answered by it right now
    for event in reversed(events):
        if event.get("event") == "action" and event.get("name") not in (None, "action_listen"):
            answered_by_fallback = answered_by_fallback or event.get("name") == MISUNDERSTANDING_ACTION
        if event.get("event") == "user":
            intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
            if not (answered_by_fallback or intent == "nlu_fallback"):
                break
            count += 1
            answered_by_fallback = False
    return count


class ActionHandleMisunderstanding(Action):
    def name(self) -> Text:
        return MISUNDERSTANDING_ACTION

    async def run(self, dispatcher, tracker: Tracker, domain):
        if misunderstandings_in_a_row(tracker.events) >= HUMAN_OFFER_AFTER:
            dispatcher.utter_message(
                text="I'm sorry, I'm still not getting it. Would you like to talk to a person?",
                buttons=[button("Yes, talk to a person", "human_handoff"), button("No, keep chatting", "deny")],
            )
        else:
            dispatcher.utter_message(
                text="Sorry, I didn't quite get that. Could you say it another way? I can help with "
                "products and stock, orders, order tracking and returns."
            )
        return []
