"""The satisfaction question after an outcome (shop/csat.py): csat_form asks for a rating, then
an optional comment; a customer who says no, or answers with something else twice, is let go."""

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import latest_intent
from shop import csat
from shop.clock import naive_now
from shop.db import session_scope

FORM = csat.FORM
DECLINED = "declined"  # csat_rating when the customer would not rate
NO_COMMENT = ""
# Intents that answer "no" to the question, whatever their words; and that give no comment.
DECLINING_INTENTS = ("skip", "deny", "goodbye", "cancel")
NO_COMMENT_INTENTS = DECLINING_INTENTS + ("affirm", "thank")
LOW_RATING = 2  # at or below: the thanks offers a person
# A new task instead of an answer ends the question, then is started (a question one action
# answers is its rule's: data/rules/csat.yml).
HANDLER_OF_REQUEST = {
    "purchase": "purchase_form",
    "order_status": "order_status_form",
    "refund": "refund_form",
    "book_meeting": "booking_form",
    "sales_inquiry": "lead_form",
    "reschedule_meeting": "reschedule_form",
    "cancel_meeting": "cancel_booking_form",
    "request_followup": "followup_form",
}


def new_request(tracker: Tracker) -> str | None:
    """The form of the customer's new task, when their message is one instead of an answer."""
    return HANDLER_OF_REQUEST.get(latest_intent(tracker) or "")


def csat_followup(tracker: Tracker, outcome: str) -> list[EventType]:
    """What an action that reached `outcome` returns to have the question asked (nothing when
    the customer may not be asked now)."""
    with session_scope() as session:
        if not csat.may_ask(session, tracker.sender_id, naive_now()):
            return []
    return [SlotSet("csat_outcome", outcome), FollowupAction(FORM)]


def _said_since_the_form_began(tracker: Tracker, response: str) -> bool:
    """Whether the bot said `response` since csat_form was activated."""
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == FORM:
            return False
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") == response:
            return True
    return False


class ValidateCsatForm(FormValidationAction):
    def name(self) -> str:
        return "validate_csat_form"

    def validate_csat_rating(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if latest_intent(tracker) in DECLINING_INTENTS or new_request(tracker):
            return {"csat_rating": DECLINED, "csat_comment": NO_COMMENT}
        rating = csat.parse_rating(value)
        if rating is not None:  # kept at once: a customer who leaves at the comment has rated
            with session_scope() as session:
                csat.record_answer(session, tracker.sender_id, rating, None, naive_now())
            return {"csat_rating": str(rating)}
        if _said_since_the_form_began(tracker, "utter_csat_not_a_rating"):  # a second miss: let them go
            return {"csat_rating": DECLINED, "csat_comment": NO_COMMENT}
        dispatcher.utter_message(response="utter_csat_not_a_rating")
        return {"csat_rating": None}

    def validate_csat_comment(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if latest_intent(tracker) in NO_COMMENT_INTENTS or new_request(tracker) or not isinstance(value, str):
            return {"csat_comment": NO_COMMENT}
        return {"csat_comment": value.strip()[: csat.MAX_COMMENT]}


class ActionAskCsatRating(Action):
    """Asks the question, and records that it was asked (so never twice in a day)."""

    def name(self) -> str:
        return "action_ask_csat_rating"

    async def run(self, dispatcher, tracker, domain):
        if not _said_since_the_form_began(tracker, "utter_ask_csat_rating"):  # asked again: one question
            with session_scope() as session:
                csat.record_asked(session, tracker.sender_id, tracker.get_slot("csat_outcome") or "order", naive_now())
        dispatcher.utter_message(response="utter_ask_csat_rating")
        return []


class ActionRecordCsat(Action):
    """Keeps the answer and thanks the customer (a low rating is offered a person)."""

    def name(self) -> str:
        return "action_record_csat"

    async def run(self, dispatcher, tracker, domain):
        rating = csat.parse_rating(tracker.get_slot("csat_rating"))
        comment = tracker.get_slot("csat_comment")
        reset = [SlotSet(slot, None) for slot in ("csat_rating", "csat_comment", "csat_outcome")]
        handler = new_request(tracker)
        if handler:  # the customer moved on: no thanks, their request
            return reset + [FollowupAction(handler)]
        if rating is not None and comment:  # the rating itself was kept when it was given
            with session_scope() as session:
                csat.record_answer(session, tracker.sender_id, rating, comment, naive_now())
        if rating is None:
            dispatcher.utter_message(response="utter_csat_declined")
        elif rating <= LOW_RATING:
            dispatcher.utter_message(response="utter_csat_thanks_low")
        else:
            dispatcher.utter_message(response="utter_csat_thanks")
        return reset
