"""Keeping the conversation on track: cancelling a task, and not understanding twice in a row."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet

from actions.clarifying import FAQ, NOT_UNDERSTOOD_INTENTS, ask_what_they_meant
from actions.forms import EndsAForm
from actions.orders import PURCHASE_SLOTS
from actions.refunds import REFUND_SLOTS
from shop.further_requests import further_request_to_acknowledge
from shop.interrupted_forms import interrupted_form

MISUNDERSTANDING_ACTION = "action_handle_misunderstanding"
HUMAN_OFFER_AFTER = 2
# A message answered with one of these was not understood (misunderstandings_in_a_row).
NOT_UNDERSTOOD_ANSWERS = (MISUNDERSTANDING_ACTION, "utter_out_of_scope")


class ActionCancelTask(EndsAForm):
    def name(self) -> str:
        return "action_cancel_task"

    async def finish(self, dispatcher, tracker, domain):
        if not tracker.active_loop_name:
            dispatcher.utter_message(response="utter_nothing_to_cancel")
            return []
        events = [ActiveLoop(None), SlotSet("requested_slot", None)]
        # Stopping a question asked in the middle of another task goes back to that task.
        back = interrupted_form([*tracker.events, *events]) is not None
        dispatcher.utter_message(response="utter_cancelled_back_to_earlier" if back else "utter_cancelled")
        return events + [SlotSet(slot, None) for slot in PURCHASE_SLOTS + REFUND_SLOTS]


def misunderstandings_in_a_row(events: list[dict[str, Any]]) -> int:
    """How many of the latest user messages in a row the bot did not understand, counting
    the current one: each answered by the misunderstanding action (or the off-topic answer),
    or classified nlu_fallback or out_of_scope."""
    count = 0
    answered_by_fallback = True  # the current message is being answered by it right now
    for event in reversed(events):
        if event.get("event") == "action" and event.get("name") not in (None, "action_listen"):
            answered_by_fallback = answered_by_fallback or event.get("name") in NOT_UNDERSTOOD_ANSWERS
        if event.get("event") == "user":
            intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
            if not (answered_by_fallback or intent in NOT_UNDERSTOOD_INTENTS):
                break
            count += 1
            answered_by_fallback = False
    return count


class ActionHandleMisunderstanding(Action):
    """Answers a message the bot did not take: off-topic, a clarifying question between the
    likely intents, or plainly not understood; the second miss in a row offers a person."""

    def name(self) -> str:
        return MISUNDERSTANDING_ACTION

    async def run(self, dispatcher, tracker: Tracker, domain):
        if misunderstandings_in_a_row(tracker.events) >= HUMAN_OFFER_AFTER:
            dispatcher.utter_message(response="utter_offer_person")
            return [SlotSet("person_offered", True)]
        message = tracker.latest_message or {}
        if (message.get("intent") or {}).get("name") == "out_of_scope":
            dispatcher.utter_message(response="utter_out_of_scope")
            return [SlotSet("person_offered", False)]
        if not ask_what_they_meant(dispatcher, message, domain):
            dispatcher.utter_message(response="utter_not_understood")
        return [SlotSet("person_offered", False)]


class ActionAnswerFaqTopic(Action):
    """Answers the FAQ topic a customer confirmed with a clarifying question's button."""

    def name(self) -> str:
        return "action_answer_faq_topic"

    async def run(self, dispatcher, tracker: Tracker, domain):
        topic = next(tracker.get_latest_entity_values("faq_topic"), None)
        answer = f"utter_{FAQ}/{topic}"
        if topic and answer in (domain.get("responses") or {}):
            dispatcher.utter_message(response=answer)
        else:  # a payload typed or made up: no such answer
            dispatcher.utter_message(response="utter_not_understood")
        return []


class ActionValidateSlotMappings(Action):
    """The global slot-mapping validation: it acknowledges a second request in the same message,
    which the bot takes up after the first. Slots are left as extracted. The Rasa server calls it
    only for a message with such a request (addons/slot_mapping_validation.py)."""

    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def run(self, dispatcher, tracker, domain):
        request = further_request_to_acknowledge(tracker.latest_message or {})
        if request:
            dispatcher.utter_message(response="utter_further_request_noted", request=request)
        return []
