"""Contacts and their consent: the privacy notice on a contact's first message, and marketing
opt-out and opt-in, honoured in any state, recorded for the contact (shop.contacts)."""

from typing import Any

from rasa_sdk import Action
from rasa_sdk.events import ActionExecuted, ActiveLoop, SessionStarted, SlotSet

from shop import consent, settings
from shop.carrier_keywords import carrier_keyword
from shop.clock import naive_now
from shop.contacts import needs_privacy_notice, remember_email
from shop.db import session_scope
from shop.responses import variation


def carried_over_slots(events: list[dict[str, Any]]) -> list[SlotSet]:
    """The slots a new session keeps (session_config carry_over_slots_to_new_session), as Rasa's
    own session start carries them: every slot set since the last restart."""
    restarted = max((i for i, e in enumerate(events) if e.get("event") == "restart"), default=-1)
    values: dict[str, Any] = {}
    for event in events[restarted + 1 :]:
        if event.get("event") == "slot" and event.get("name"):
            values[event["name"]] = event.get("value")
    return [SlotSet(name, value) for name, value in values.items()]


class ActionSessionStart(Action):
    """Rasa's session start, with the privacy notice the first time a contact writes."""

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher, tracker, domain):
        events: list[Any] = [SessionStarted()]
        if (domain.get("session_config") or {}).get("carry_over_slots_to_new_session", True):
            events += carried_over_slots(tracker.events)
        with session_scope() as session:
            first = needs_privacy_notice(session, tracker.sender_id, naive_now())
        if first:
            dispatcher.utter_message(
                response="utter_privacy_notice", privacy_url=f"{settings.web_public_url()}/privacy"
            )
        return [*events, ActionExecuted("action_listen")]


def consent_source(tracker) -> str:
    """How the contact changed their consent: "keyword STOP" for a carrier keyword alone (the
    Twilio channel names it in the message's metadata), else "chat"."""
    latest = tracker.latest_message or {}
    named = (latest.get("metadata") or {}).get("keyword")
    keyword = carrier_keyword(named or latest.get("text"), tracker.get_latest_input_channel())
    return f"keyword {keyword.word}" if keyword else "chat"


def record_consent(tracker, status: str, response: str) -> None:
    channel = tracker.get_latest_input_channel()
    with session_scope() as session:
        consent.record(
            session,
            tracker.sender_id,
            channel,
            status,
            consent_source(tracker),
            wording=variation(response, channel).get("text"),
        )
        remember_email(session, tracker.sender_id, tracker.get_slot("email"))


class ActionOptOut(Action):
    def name(self) -> str:
        return "action_opt_out"

    async def run(self, dispatcher, tracker, domain):
        record_consent(tracker, consent.OPTED_OUT, "utter_opted_out")
        dispatcher.utter_message(response="utter_opted_out")
        events = [SlotSet("opted_out", True)]
        if tracker.active_loop_name:
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events


class ActionOptIn(Action):
    def name(self) -> str:
        return "action_opt_in"

    async def run(self, dispatcher, tracker, domain):
        record_consent(tracker, consent.OPTED_IN, "utter_opted_in")
        dispatcher.utter_message(response="utter_opted_in")
        return [SlotSet("opted_out", False)]
