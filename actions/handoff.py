"""Handing over to a person: during the team's hours the chat joins its queue in the agent inbox
with a context packet and the bot goes quiet; outside them the customer hears when the team is
back and gets a booking or an email follow-up instead. The rules are shop.handoff.handover's."""

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, SlotSet

from actions.common import customer_zone, latest_entity
from actions.forms import EndsAForm, validate_email_value
from shop.buttons import button
from shop.clock import now_utc
from shop.db import session_scope
from shop.formatting import minutes
from shop.handoff.handover import ALREADY_HANDED_OVER, TEAM_AWAY, Conversation, Handover, hand_over, request_follow_up
from shop.parsing.dates import describe


def conversation_of(tracker: Tracker) -> Conversation:
    return Conversation(
        sender_id=tracker.sender_id,
        events=tracker.events,
        slots=tracker.current_slot_values(),
        channel=tracker.get_latest_input_channel() or "rest",
        text=tracker.latest_message.get("text"),
        team_entity=latest_entity(tracker, "handoff_team"),
    )


def say_team_away(dispatcher, tracker: Tracker, handover: Handover) -> None:
    """When the team is back (in the customer's zone), and a call with sales or an email instead."""
    sales = handover.team == "sales"
    buttons = [button("Email me", "request_followup")]
    if sales:
        buttons.insert(0, button("Book a call", "book_meeting"))
    if handover.back_at is None:
        response = "utter_sales_offline" if sales else "utter_team_offline"
        dispatcher.utter_message(response=response, team=handover.team_name, buttons=buttons)
        return
    dispatcher.utter_message(
        response="utter_sales_offline_back_at" if sales else "utter_team_offline_back_at",
        team=handover.team_name,
        back_at=describe(handover.back_at.astimezone(customer_zone(tracker))),
        buttons=buttons,
    )


def say_handed_over(dispatcher, handover: Handover) -> None:
    """The reference and the wait, and the inbox's status for the web widget."""
    waiting = {"handoff": {"status": "waiting", "team": handover.team_name}}
    values = {"team": handover.team_name, "reference": handover.reference}
    if handover.outcome == ALREADY_HANDED_OVER:
        dispatcher.utter_message(response="utter_already_handed_over", json_message=waiting, **values)
        return
    values["wait"] = minutes(handover.wait_minutes or 0)  # always known once handed over
    if handover.agent_first_name:
        # not "agent": Rasa passes the values on with the message, and channels take an "agent"
        # in it for a message from a person (addons/messenger_output.py, the widget)
        values["agent_name"] = handover.agent_first_name
        dispatcher.utter_message(response="utter_handed_over_to_agent", json_message=waiting, **values)
    else:
        dispatcher.utter_message(response="utter_handed_over_to_team", json_message=waiting, **values)


class ActionHumanHandoff(Action):
    def name(self) -> str:
        return "action_human_handoff"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        with session_scope() as session:
            handover = hand_over(session, conversation_of(tracker), now_utc())
        events: list[EventType] = [SlotSet("handoff_team", handover.team)]
        if tracker.active_loop_name:
            events = [ActiveLoop(None), SlotSet("requested_slot", None)] + events
        if handover.outcome == TEAM_AWAY:
            say_team_away(dispatcher, tracker, handover)
            return events
        say_handed_over(dispatcher, handover)
        return events + [ConversationPaused()]


class ValidateFollowupForm(FormValidationAction):
    def name(self) -> str:
        return "validate_followup_form"

    def validate_email(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return validate_email_value(value, dispatcher)


class ActionEmailFollowup(EndsAForm):
    """Records that the team (the one the chat was routed to, else sales) should email the
    customer, with what was said, and tells the customer so."""

    def name(self) -> str:
        return "action_email_followup"

    async def finish(self, dispatcher, tracker, domain) -> list[EventType]:
        email = tracker.get_slot("email")
        with session_scope() as session:
            follow_up = request_follow_up(session, conversation_of(tracker), email)
        dispatcher.utter_message(
            response="utter_follow_up_requested", team=follow_up.team_name, email=email, reference=follow_up.reference
        )
        return []
