"""What every form's validation shares: answers taken in any order, each acknowledged."""

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions.clarifying import FAQ, ask_what_they_meant
from actions.per_run import one_run
from shop import ownership
from shop.answers import Reader, may_answer, read_all, sort_answers
from shop.clock import naive_now
from shop.csat import FORM as CSAT_FORM
from shop.interrupted_forms import interrupted_form
from shop.parsing.ids import parse_email

REQUESTED_SLOT = "requested_slot"
FALLBACK = "nlu_fallback"


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def _withdraw_candidate(tracker: Tracker, slot: str) -> None:
    """Takes back the value Rasa mapped to `slot` from this message (a from_text mapping), so
    the form's validation does not read it as the answer to its question."""
    for index in range(len(tracker.events) - 1, -1, -1):
        event = tracker.events[index]
        if event.get("event") != "slot":
            break  # the candidates are the slot events at the end of the history
        if event.get("name") == slot:
            del tracker.events[index]
    tracker.slots[slot] = None


def _answered_another_form(tracker: Tracker, domain: DomainDict, form: str) -> bool:
    """Whether the latest message went to another form, this one being taken up again after it."""
    # csat_form hands a message that is no answer on (actions/csat.py): it never keeps one.
    forms = set(domain.get("forms") or {}) - {form, CSAT_FORM}
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") in forms:
            return True
    return False


def _faq_instead(tracker: Tracker) -> bool:
    """Whether the message reads most like an FAQ the classifier was too unsure of to answer
    ("do you take bitcoin" while a color is asked)."""
    ranking = [r for r in tracker.latest_message.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    return latest_intent(tracker) == FALLBACK and bool(ranking) and ranking[0].get("name") == FAQ


def _named_as_entity(tracker: Tracker, domain: DomainDict, slot: str) -> bool:
    """Whether the message names the slot's value as an entity ("[M](size), and a@b.co"):
    then it is the answer, whatever else the text holds."""
    mappings = ((domain.get("slots") or {}).get(slot) or {}).get("mappings") or []
    entities = {m.get("entity") for m in mappings if m.get("type") == "from_entity"}
    return any(e.get("entity") in entities for e in tracker.latest_message.get("entities") or [])


class AnswersInAnyOrder(FormValidationAction, ABC):
    """A form validation that tries every slot of its form on each message.

    Subclasses name a reader per slot (`answer_readers`); a slot given out of turn is set,
    validated by its validate_<slot> like any answer, and acknowledged with the response
    utter_noted_<slot> (or `noted_response`; variables from `noted_variables`). Abstract: not
    an action itself."""

    # Slots that a later message may add to or change although they are filled.
    refillable_slots: tuple[str, ...] = ()
    # Slots read from loose wording, taken only when nothing else is read in the message.
    weak_slots: tuple[str, ...] = ()

    @abstractmethod
    def name(self) -> str: ...

    def answer_readers(self, tracker: Tracker, requested: str | None) -> dict[str, Reader]:
        """slot -> function(text) giving the slot's value found in the text, or None."""
        return {}

    def noted_response(self, slot: str, value: Any) -> str:
        """The response that acknowledges a validated value given out of turn."""
        return f"utter_noted_{slot}"

    def noted_variables(self, slot: str, value: Any, tracker: Tracker) -> dict[str, Any] | None:
        """The variables of the slot's noted_response for a validated value; None: say nothing."""
        return {slot: value}

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        with one_run():
            return await self._run(dispatcher, tracker, domain)

    async def _run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        requested = tracker.get_slot(REQUESTED_SLOT)
        text = tracker.latest_message.get("text") or ""
        out_of_turn: dict[str, Any] = {}
        withdrawn = False
        if (
            _faq_instead(tracker)
            and not _named_as_entity(tracker, domain, requested)
            and ask_what_they_meant(dispatcher, tracker.latest_message, domain, among={FAQ})
        ):
            # "Did you want to know how you can pay?": the form's question comes again, unanswered.
            if requested in tracker.slots_to_validate():
                _withdraw_candidate(tracker, requested)
                withdrawn = True
        elif may_answer(latest_intent(tracker), text) and not _answered_another_form(tracker, domain, self.form_name()):
            # All the form's slots, not only those required now: "60 people, $20k" makes the
            # budget a question worth asking only once the size is read.
            form_slots = self.domain_slots(domain)
            readers = {
                slot: reader for slot, reader in self.answer_readers(tracker, requested).items() if slot in form_slots
            }
            candidates = tracker.slots_to_validate()
            filled = [slot for slot in form_slots if slot != requested and tracker.get_slot(slot) is not None]
            answers = sort_answers(read_all(text, readers), requested, filled, self.refillable_slots, self.weak_slots)
            if (
                not answers.keeps_requested
                and requested in candidates
                and not _named_as_entity(tracker, domain, requested)
            ):
                _withdraw_candidate(tracker, requested)
                withdrawn = True
            tracker.add_slots([SlotSet(slot, value) for slot, value in answers.taken.items()])
            # The first message is not read back: the next question shows it was understood.
            out_of_turn = answers.out_of_turn(requested) if requested else {}
        events = await super().run(dispatcher, tracker, domain)
        validated = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
        for slot in out_of_turn:
            value = validated.get(slot)  # None: refused by its validation (which said why), or not asked
            variables = self.noted_variables(slot, value, tracker) if value is not None else None
            if variables is not None:
                dispatcher.utter_message(response=self.noted_response(slot, value), **variables)
        if withdrawn:
            # Rasa set the asked slot to this text before the validation ran: undo it.
            events.insert(0, SlotSet(requested, None))
        return events


class EndsAForm(Action, ABC):
    """A form's final action (or the cancel): once it has done its work (`finish`), the form
    the ended one interrupted is taken up again where it was (shop/interrupted_forms.py)."""

    @abstractmethod
    async def finish(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]: ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        events = await self.finish(dispatcher, tracker, domain)
        # An interrupted task goes on first; the satisfaction question (actions/csat.py) waits.
        without_question = [e for e in events if not _asks_satisfaction(e)]
        taken_up = take_up_interrupted_form(dispatcher, tracker, domain, without_question)
        return without_question + taken_up if taken_up else events


def _asks_satisfaction(event: EventType) -> bool:
    return (event.get("event") == "followup" and event.get("name") == CSAT_FORM) or (
        event.get("event") == "slot" and event.get("name") == "csat_outcome"
    )


def take_up_interrupted_form(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, events: list[EventType]
) -> list[EventType]:
    """The form that the one just ended had interrupted: its slots as they were, and its next question."""
    if any(e.get("event") == "followup" or (e.get("event") == "active_loop" and e.get("name")) for e in events):
        return []  # the action reopened its own form, or goes on elsewhere
    paused = interrupted_form([*tracker.events, *events])
    if paused is None:
        return []
    required = (domain.get("forms") or {}).get(paused.form, {}).get("required_slots") or []
    dispatcher.utter_message(response=f"utter_resume_{paused.form}")
    return [
        *(SlotSet(slot, paused.slots.get(slot)) for slot in required),
        ActiveLoop(paused.form),
        FollowupAction(paused.form),
    ]


def slots_after(tracker: Tracker, events: list[EventType]) -> dict[str, Any]:
    """The form's slots once the validation's events are applied."""
    return {**tracker.slots, **{e["name"]: e["value"] for e in events if e.get("event") == "slot"}}


def prove_order_owner(
    session: Session, dispatcher: CollectingDispatcher, tracker: Tracker, slots: dict[str, Any], events: list[EventType]
) -> str:
    """The form's order number and email checked together (shop/ownership.py), as order status
    and refunds both need: "owner", "locked", or "mismatch", which is said to the customer (the
    caller then asks for the email again)."""
    # An email said now (not one remembered from another order) makes this pair a guess.
    said_now = "email" in tracker.slots_to_validate() or any(e.get("name") == "email" for e in events)
    proof = ownership.prove(
        session, slots["order_id"], slots["email"], tracker.sender_id, naive_now(), guessed=said_now
    )
    if proof.outcome == "mismatch":
        dispatcher.utter_message(
            response="utter_order_email_mismatch", order_id=slots["order_id"], email=slots["email"]
        )
    return proof.outcome


def email_reader(text: str) -> str | None:
    """The email address in a message, for a form's answer_readers."""
    return parse_email(text).value


def validate_email_value(value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
    """The email slot's validation shared by every form that asks for one."""
    parsed = parse_email(value)
    if not parsed.ok:
        dispatcher.utter_message(response="utter_invalid_email")
        return {"email": None}
    return {"email": parsed.value}
