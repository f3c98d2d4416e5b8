"""Keeping the conversation on track: cancelling a task, and not understanding twice in a row."""

from collections.abc import Iterable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet

from actions.forms import EndsAForm
from actions.orders import PURCHASE_SLOTS
from actions.refunds import REFUND_SLOTS
from shop.buttons import button
from shop.further_requests import further_request_to_acknowledge
from shop.interrupted_forms import interrupted_form

MISUNDERSTANDING_ACTION = "action_handle_misunderstanding"
HUMAN_OFFER_AFTER = 2


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


# Messages the bot could not take: nothing understood, or taken as off-topic nonsense.
NOT_UNDERSTOOD_INTENTS = ("nlu_fallback", "out_of_scope")
NOT_UNDERSTOOD_ANSWERS = (MISUNDERSTANDING_ACTION, "utter_out_of_scope")
# A candidate intent below this is no better than a guess, not worth a button.
CLARIFY_FLOOR = 0.15
CLARIFY_OPTION = "utter_clarify_option_{}"
FAQ = "faq"


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


def clarifying_candidates(
    ranking: Iterable[dict[str, Any]], offered: Iterable[str], floor: float = CLARIFY_FLOOR, limit: int = 2
) -> list[str]:
    """The intents worth asking about, best first: among the classifier's ranking, those the
    bot can act on (`offered`) at `floor` confidence or more; nlu_fallback is no candidate."""
    offered = set(offered)
    names: list[str] = []
    for candidate in ranking or []:
        name = candidate.get("name")
        if (
            name in offered
            and name not in names
            and name not in NOT_UNDERSTOOD_INTENTS
            and (candidate.get("confidence") or 0) >= floor
        ):
            names.append(name)
    return names[:limit]


def _option_phrase(domain: dict[str, Any], option: str) -> str | None:
    variations = (domain.get("responses") or {}).get(CLARIFY_OPTION.format(option)) or []
    return variations[0].get("text") if variations else None


def faq_topic(message: dict[str, Any]) -> str | None:
    """The FAQ topic the answer selector chose for the message ("shipping"), even when the
    classifier was too unsure of "faq" to answer it."""
    selectors = message.get("response_selector") or {}
    chosen = (selectors.get(FAQ) or selectors.get("default") or {}).get("response") or {}
    key = chosen.get("intent_response_key") or ""
    return key.split("/", 1)[1] if key.startswith(f"{FAQ}/") else None


def _choice_button(title: str, intent: str, topic: str | None) -> dict[str, str]:
    """A clarifying question's button: an FAQ's sends its topic (Rasa runs no NLU on a payload)."""
    # A literal intent: the channels' payload guard (addons/payload_guard.py) reads it from here.
    return button(title, "faq_topic_chosen", faq_topic=topic) if intent == FAQ and topic else button(title, intent)


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
        phrases = {
            intent: _option_phrase(domain, intent) for intent in domain.get("intents", []) if isinstance(intent, str)
        }
        topic = faq_topic(message)
        if topic:
            phrases[FAQ] = _option_phrase(domain, f"{FAQ}_{topic}")
        offered = [intent for intent, phrase in phrases.items() if phrase]
        candidates = clarifying_candidates(message.get("intent_ranking") or [], offered)
        if len(candidates) == 2:
            first, second = (phrases[c] for c in candidates)
            dispatcher.utter_message(
                response="utter_clarify_two",
                first=first,
                second=second,
                buttons=[_choice_button(phrases[c][:1].upper() + phrases[c][1:], c, topic) for c in candidates],
            )
        elif len(candidates) == 1:
            dispatcher.utter_message(
                response="utter_clarify_one",
                first=phrases[candidates[0]],
                buttons=[_choice_button("Yes", candidates[0], topic), button("No, something else", "deny")],
            )
        else:
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
