"""Lead qualification in the chat: the lead form asks a business buyer's needs (answers in any
order, any question skippable), then the lead is scored, routed to a sales team and offered a
meeting or a resource (the rules: shop.leads)."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.common import customer_zone
from actions.forms import AnswersInAnyOrder, email_reader, validate_email_value
from shop import leads
from shop.answers import Reader
from shop.clock import now_utc
from shop.db import session_scope
from shop.parsing.dates import describe
from shop.visit import visit_from_events

SKIPPED = "skipped"
LEAD_SLOTS = ["lead_need", "company_size", "timeline", "budget", "role"]
PEOPLE_WORDS = ("people", "staff", "employees", "person", "team of", "colleagues", "members", "of us")


def lead_answers(slots: dict[str, Any]) -> dict[str, Any]:
    """Slot values as the scoring rules take them: skipped answers count as unknown."""
    answers = {k: (None if slots.get(k) == SKIPPED else slots.get(k)) for k in LEAD_SLOTS}
    answers["need"] = answers.pop("lead_need")
    answers["email"] = slots.get("email")
    return answers


class ValidateLeadForm(AnswersInAnyOrder):
    """One question at a time, answers in any order; answers given earlier are kept; any
    question can be skipped."""

    refillable_slots = ("lead_need",)  # a goal said later adds to the need
    weak_slots = ("lead_need",)

    def name(self) -> str:
        return "validate_lead_form"

    def answer_readers(self, tracker: Tracker, requested: str | None) -> dict[str, Reader]:
        def company_size(text: str) -> int | None:
            if requested != "company_size" and not leads.mentions_people(text):
                return None  # out of turn, "30" alone may be anything
            parsed = leads.parse_company_size(text)
            return parsed.value if parsed.ok else None

        def timeline(text: str) -> str | None:
            parsed = leads.parse_timeline(text)
            return parsed.value if parsed.ok and parsed.value != "unknown" else None

        def budget(text: str) -> int | None:
            if requested == "budget" and not leads.mentions_money(text):
                return leads.parse_budget(text).value  # asked: a bare "20k" is the budget
            return leads.budget_said(text).value

        def need(text: str) -> str | None:
            # The first message's need is taken by get_validation_events; asked, Rasa maps it.
            if requested in (None, "lead_need") or not leads.describes_need(text):
                return None
            return leads.add_to_need(tracker.get_slot("lead_need"), text)

        return {
            "lead_need": need,
            "company_size": company_size,
            "timeline": timeline,
            "budget": budget,
            "email": email_reader,
        }

    def noted_response(self, slot: str, value: Any) -> str:
        if slot == "timeline":
            return f"utter_noted_timeline_{value}"  # one sentence per timeline
        return super().noted_response(slot, value)

    def noted_variables(self, slot: str, value: Any, tracker: Tracker) -> dict[str, Any] | None:
        if value == SKIPPED:
            return None
        if slot == "timeline":
            return {}
        if slot == "budget":
            return {"budget": f"${value:,}"}
        return {slot: value}

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        size = tracker.get_slot("company_size")
        size = size if isinstance(size, int) else 0
        need = str(tracker.get_slot("lead_need") or "").lower()
        bulk = any(w in need for w in ("bulk", "wholesale", "resell", "retail", "store"))
        # Budget matters for sizeable or bulk orders, the buyer's role for large companies.
        skip = set()
        if size < 50 and not bulk:
            skip.add("budget")
        if size < 200:
            skip.add("role")
        return [slot for slot in domain_slots if slot not in skip]

    async def get_validation_events(self, dispatcher, tracker, domain) -> list[EventType]:
        events = await super().get_validation_events(dispatcher, tracker, domain)
        if tracker.get_slot("requested_slot") is not None or tracker.get_slot("lead_need"):
            return events
        # The form is starting: what the first message already said is not asked again.
        text = tracker.latest_message.get("text") or ""
        if (tracker.latest_message.get("intent") or {}).get("name") == "sales_inquiry" and not text.startswith("/"):
            events.append(SlotSet("lead_need", text[:500]))
            if any(w in text.lower() for w in PEOPLE_WORDS) or tracker.get_slot("quantity"):
                size = leads.parse_company_size(text)
                if size.ok:
                    events.append(SlotSet("company_size", size.value))
        return events

    def validate_lead_need(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        text = " ".join(str(value or "").split())
        if value == SKIPPED or len(text) >= 3:
            return {"lead_need": text[:500] if value != SKIPPED else SKIPPED}
        dispatcher.utter_message(response="utter_lead_need_too_short")
        return {"lead_need": None}

    def validate_company_size(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if value == SKIPPED or isinstance(value, int):
            return {"company_size": value}
        parsed = leads.parse_company_size(value)
        if not parsed.ok:
            dispatcher.utter_message(response="utter_invalid_company_size")
            return {"company_size": None}
        return {"company_size": parsed.value}

    def validate_timeline(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if value == SKIPPED:
            return {"timeline": SKIPPED}
        parsed = leads.parse_timeline(value)
        if not parsed.ok:
            dispatcher.utter_message(response="utter_invalid_timeline")
            return {"timeline": None}
        return {"timeline": parsed.value}

    def validate_budget(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if value == SKIPPED:
            return {"budget": SKIPPED}
        parsed = leads.parse_budget(value)
        if not parsed.ok:
            dispatcher.utter_message(response="utter_invalid_budget")
            return {"budget": None}
        return {"budget": parsed.value if parsed.value is not None else SKIPPED}

    def validate_role(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        text = " ".join(str(value or "").split())
        return {"role": SKIPPED if value == SKIPPED else (text[:120] or None)}

    def validate_email(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return validate_email_value(value, dispatcher)


class ActionQualifyLead(Action):
    """Scores and routes the lead by the rules in seed/, stores it, and makes the offer."""

    def name(self) -> str:
        return "action_qualify_lead"

    async def run(self, dispatcher, tracker, domain):
        answers = lead_answers(tracker.current_slot_values())
        with session_scope() as session:
            lead = leads.qualify_lead(session, tracker.sender_id, answers, now_utc(), visit_from_events(tracker.events))
        events = [SlotSet("sales_team", lead.team), SlotSet("lead_grade", lead.grade)]
        if lead.resource:
            dispatcher.utter_message(
                response="utter_lead_resource_offer",
                team=lead.team_name,
                resource_title=lead.resource["title"],
                resource_url=lead.resource["url"],
            )
            return events
        # A meeting; when someone from sales is online, a button to talk to them (first for a hot
        # lead); when the team is out, when it is back.
        team = lead.team_name
        if lead.back is not None:
            back = describe(lead.back.astimezone(customer_zone(tracker)))
            if not lead.sales_online:
                dispatcher.utter_message(response="utter_lead_meeting_offer_team_out", team=team, back=back)
            elif lead.grade == "hot":
                dispatcher.utter_message(response="utter_lead_live_offer_hot_team_out", team=team, back=back)
            else:
                dispatcher.utter_message(response="utter_lead_live_offer_team_out", team=team, back=back)
        elif not lead.sales_online:
            dispatcher.utter_message(response="utter_lead_meeting_offer", team=team)
        elif lead.grade == "hot":
            dispatcher.utter_message(response="utter_lead_live_offer_hot", team=team)
        else:
            dispatcher.utter_message(response="utter_lead_live_offer", team=team)
        return events
