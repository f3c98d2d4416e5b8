"""Contacts and their marketing consent: opt-out and opt-in, honoured in any state, recorded for
the contact (shop.contacts)."""

from rasa_sdk import Action
from rasa_sdk.events import ActiveLoop, SlotSet

from shop.contacts import set_opted_out
from shop.db import session_scope


class ActionOptOut(Action):
    def name(self) -> str:
        return "action_opt_out"

    async def run(self, dispatcher, tracker, domain):
        with session_scope() as session:
            set_opted_out(session, tracker.sender_id, True, email=tracker.get_slot("email"))
        dispatcher.utter_message(response="utter_opted_out")
        events = [SlotSet("opted_out", True)]
        if tracker.active_loop_name:
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events


class ActionOptIn(Action):
    def name(self) -> str:
        return "action_opt_in"

    async def run(self, dispatcher, tracker, domain):
        with session_scope() as session:
            set_opted_out(session, tracker.sender_id, False, email=tracker.get_slot("email"))
        dispatcher.utter_message(response="utter_opted_in")
        return [SlotSet("opted_out", False)]
