"""Handing over to a person: during the team's hours the chat joins its queue in the agent inbox
with a context packet and the bot goes quiet; outside them the customer hears when the team is
back and gets a booking or an email follow-up instead."""

import json
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, SlotSet
from sqlalchemy import select

from actions.common import customer_zone, latest_entity
from actions.forms import validate_email_value
from shop.buttons import button
from shop.clock import now_utc
from shop.db import session_scope
from shop.handoff import assignment, context
from shop.handoff.followups import record_follow_up
from shop.handoff.routing import (
    InboxConfig,
    Situation,
    choose_team,
    load_config,
    team_back_at,
    team_named,
    team_open,
    topic_of,
    typical_wait_minutes,
)
from shop.models import Lead
from shop.parsing.dates import describe

# The action whose offer of a person the customer has just accepted says why.
OFFERED_BY = {"action_handle_misunderstanding": "misunderstood", "action_submit_refund": "refund_refused"}


def situation_of(tracker: Tracker, config: InboxConfig) -> Situation:
    """Why the customer is handed over, the team they named, their lead grade and the topic.
    A team in a payload is only taken when it is one of ours."""
    asked_for = team_named(config, latest_entity(tracker, "handoff_team")) or team_named(
        config, tracker.latest_message.get("text")
    )
    grade = tracker.get_slot("lead_grade")
    recent = [e.get("name") for e in tracker.events if e.get("event") == "action"][-3:]
    reason = next((OFFERED_BY[name] for name in reversed(recent) if name in OFFERED_BY), None)
    if reason is None and asked_for == "sales":
        reason = "hot_lead" if grade == "hot" else "talk_to_sales"
    topic = topic_of(config, context.intents(tracker.events))
    return Situation(reason=reason or "customer_asked", asked_for=asked_for, lead_grade=grade, topic=topic)


def customer_name(tracker: Tracker) -> str | None:
    """A name the channel passed along (the shop's signed-in customer), if any."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            metadata = event.get("metadata") or {}
            name = metadata.get("name") or metadata.get("customer_name")
            return str(name)[:120] if name else None
    return None


def lead_of(session, sender_id: str) -> dict[str, Any] | None:
    lead = session.scalar(select(Lead).where(Lead.sender_id == sender_id))
    if lead is None:
        return None
    return {
        "need": lead.need,
        "company_size": lead.company_size,
        "timeline": lead.timeline,
        "budget": lead.budget,
        "role": lead.role,
        "score": lead.score,
        "grade": lead.grade,
        "team": lead.team,
    }


def handed_over_text(team_name: str, reference: str, agent: str | None, wait: int, created: bool) -> str:
    if not created:
        return (
            f"You're already with our {team_name} team (reference {reference}). They'll reply here "
            "shortly; I'll stay out of the way until they're done."
        )
    who = f"{agent.split()[0]} from our {team_name} team" if agent else f"our {team_name} team"
    return (
        f"I'm handing you over to {who} (reference {reference}). They can see our whole conversation, "
        f"so you won't need to repeat anything. Someone usually answers within about {wait} "
        f"minute{'s' if wait != 1 else ''}."
    )


class ActionHumanHandoff(Action):
    def name(self) -> str:
        return "action_human_handoff"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        config = load_config()
        situation = situation_of(tracker, config)
        team = choose_team(config, situation)
        team_name = config.team_name(team)
        now = now_utc()
        events: list[EventType] = [SlotSet("handoff_team", team)]
        if tracker.active_loop_name:
            events = [ActiveLoop(None), SlotSet("requested_slot", None)] + events
        if not team_open(config, team, now):
            back = team_back_at(config, team, now)
            when = f"back {describe(back.astimezone(customer_zone(tracker)))}" if back else "away for now"
            buttons = [button("Email me", "request_followup")]
            if team == "sales":
                buttons.insert(0, button("Book a call", "book_meeting"))
            offer = "book a call with them, or have them email you" if team == "sales" else "have them email you"
            dispatcher.utter_message(
                text=f"Our {team_name} team is offline right now; they're {when}. I can {offer}. "
                "Or keep chatting with me meanwhile.",
                buttons=buttons,
            )
            return events
        with session_scope() as session:
            packet = context.build_packet(
                events=tracker.events,
                slots=tracker.current_slot_values(),
                reason=situation.reason,
                team=team,
                channel=tracker.get_latest_input_channel() or "rest",
                sender_id=tracker.sender_id,
                name=customer_name(tracker),
                lead=lead_of(session, tracker.sender_id),
            )
            handoff, created = assignment.open_handoff(
                session,
                config,
                sender_id=tracker.sender_id,
                channel=packet["channel"],
                team=team,
                reason=situation.reason,
                context=packet,
                now=now,
            )
            if not created:
                team_name = config.team_name(handoff.team)
            text = handed_over_text(
                team_name,
                handoff.reference,
                handoff.agent.name if handoff.agent else None,
                typical_wait_minutes(session, config, handoff.team),
                created,
            )
        dispatcher.utter_message(text=text, json_message={"handoff": {"status": "waiting", "team": team_name}})
        return events + [ConversationPaused()]


class ValidateFollowupForm(FormValidationAction):
    def name(self) -> str:
        return "validate_followup_form"

    def validate_email(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return validate_email_value(value, dispatcher)


class ActionEmailFollowup(Action):
    """Records that the team (the one the chat was routed to, else sales) should email the
    customer, with what was said, and tells the customer so."""

    def name(self) -> str:
        return "action_email_followup"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        config = load_config()
        email = tracker.get_slot("email")
        team = tracker.get_slot("handoff_team") if tracker.get_slot("handoff_team") in config.teams else "sales"
        with session_scope() as session:
            packet = context.build_packet(
                events=tracker.events,
                slots=tracker.current_slot_values(),
                reason="follow_up",
                team=team,
                channel=tracker.get_latest_input_channel() or "rest",
                sender_id=tracker.sender_id,
                name=customer_name(tracker),
                lead=lead_of(session, tracker.sender_id),
            )
            reference = record_follow_up(
                session, tracker.sender_id, team, "email_follow_up", json.dumps(packet, default=str), email=email
            )
        dispatcher.utter_message(
            text=f"Done: our {config.team_name(team)} team will email you at {email} (reference {reference}). "
            "Anything else I can help with?"
        )
        return []
