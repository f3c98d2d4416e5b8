"""Handing a conversation over to a person, in one call: why and to which team, whether the team
is in, and, when it is, the context packet and the handoff opened (or the one already open) with
the wait the customer is told; the email follow-up offered instead. The callers say it in words."""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

from sqlalchemy.orm import Session

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

# The action whose offer of a person the customer has just accepted says why.
OFFERED_BY = {"action_handle_misunderstanding": "misunderstood", "action_submit_refund": "refund_refused"}
# The team an email follow-up goes to when the conversation was routed to none of ours.
FOLLOW_UP_TEAM = "sales"

HANDED_OVER: Final = "handed_over"  # a new handoff, queued for the team (and assigned if someone is free)
ALREADY_HANDED_OVER: Final = "already_handed_over"  # the contact's open handoff, left as it was
TEAM_AWAY: Final = "team_away"  # out of the team's hours: nothing is queued, nothing paused
Outcome = Literal["handed_over", "already_handed_over", "team_away"]


@dataclass(frozen=True)
class Conversation:
    """What a handover reads of the conversation: events and slots in the format both rasa_sdk
    and Rasa's HTTP API use, and the latest message's text and handoff_team entity."""

    sender_id: str
    events: list[dict[str, Any]] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    channel: str = "rest"
    text: str | None = None
    team_entity: str | None = None


@dataclass(frozen=True)
class Handover:
    """What happened. `team` is the team routing chose (the conversation's handoff_team from now
    on); `team_name` names the team that has the conversation: an open handoff keeps its own."""

    outcome: Outcome
    team: str
    team_name: str
    reference: str | None = None
    agent: str | None = None  # the agent it was assigned to, if any
    wait_minutes: int | None = None  # how long an answer usually takes
    back_at: datetime | None = None  # team away: when it is next in (UTC); None: not within two weeks

    @property
    def agent_first_name(self) -> str | None:
        return self.agent.split()[0] if self.agent else None


@dataclass(frozen=True)
class FollowUp:
    reference: str
    team: str
    team_name: str


def situation_of(config: InboxConfig, conversation: Conversation) -> Situation:
    """Why the customer is handed over, the team they named, their lead grade and the topic.
    A team in a payload is only taken when it is one of ours."""
    asked_for = team_named(config, conversation.team_entity) or team_named(config, conversation.text)
    grade = conversation.slots.get("lead_grade")
    recent = [e.get("name") for e in conversation.events if e.get("event") == "action"][-3:]
    reason = next((OFFERED_BY[name] for name in reversed(recent) if name in OFFERED_BY), None)
    if reason is None and asked_for == "sales":
        reason = "hot_lead" if grade == "hot" else "talk_to_sales"
    topic = topic_of(config, context.intents(conversation.events))
    return Situation(reason=reason or "customer_asked", asked_for=asked_for, lead_grade=grade, topic=topic)


def packet_of(session: Session, conversation: Conversation, reason: str, team: str) -> dict[str, Any]:
    """The context packet of the conversation, with the contact's saved lead if there is one."""
    return context.build_packet(
        events=conversation.events,
        slots=conversation.slots,
        reason=reason,
        team=team,
        channel=conversation.channel,
        sender_id=conversation.sender_id,
        name=context.customer_name(conversation.events),
        lead=context.saved_lead(session, conversation.sender_id),
    )


def hand_over(
    session: Session, conversation: Conversation, now: datetime, config: InboxConfig | None = None
) -> Handover:
    """Routes the conversation to a team; in the team's hours opens its handoff (or finds the one
    already open), outside them says when the team is back. Call it first in its transaction
    (see assignment.open_handoff)."""
    config = config or load_config()
    situation = situation_of(config, conversation)
    team = choose_team(config, situation)
    if not team_open(config, team, now):
        return Handover(TEAM_AWAY, team, config.team_name(team), back_at=team_back_at(config, team, now))
    handoff, created = assignment.open_handoff(
        session,
        config,
        sender_id=conversation.sender_id,
        channel=conversation.channel,
        team=team,
        reason=situation.reason,
        context=packet_of(session, conversation, situation.reason, team),
        now=now,
    )
    return Handover(
        HANDED_OVER if created else ALREADY_HANDED_OVER,
        team,
        config.team_name(handoff.team),
        reference=handoff.reference,
        agent=handoff.agent.name if handoff.agent else None,
        wait_minutes=typical_wait_minutes(session, config, handoff.team),
    )


def request_follow_up(
    session: Session, conversation: Conversation, email: str | None, config: InboxConfig | None = None
) -> FollowUp:
    """Records that the team the conversation was routed to (else sales) should email the
    customer, with the context packet of what was said."""
    config = config or load_config()
    routed = conversation.slots.get("handoff_team")
    team = routed if routed in config.teams else FOLLOW_UP_TEAM
    packet = packet_of(session, conversation, "follow_up", team)
    reference = record_follow_up(
        session,
        conversation.sender_id,
        team,
        "email_follow_up",
        json.dumps(packet, default=str),
        email=email,
        team_name=config.team_name(team),
    )
    return FollowUp(reference, team, config.team_name(team))
