"""Which live team gets a handed-over conversation, whether it is in, and how long it takes to
answer; all from seed/inbox.yml."""

import json
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from shop import settings
from shop.hours import hours_next_open, hours_open_at, normalize_working_hours, zone_of
from shop.models import Handoff
from shop.settings import SEED_DIR

INBOX_CONFIG_PATH = SEED_DIR / "inbox.yml"
ROLES = ("analytics",)  # what an agent may do besides answering handoffs: see the funnel
REASONS = ("customer_asked", "talk_to_sales", "misunderstood", "refund_refused", "hot_lead")
STRATEGIES = ("round_robin", "least_open")
# The typical wait is measured once the team has answered this many handoffs.
MEASURED_AFTER = 5


@dataclass(frozen=True)
class Situation:
    """What routing looks at: why, which team the customer named, the lead grade, the topic."""

    reason: str
    asked_for: str | None = None
    lead_grade: str | None = None
    topic: str | None = None


@dataclass
class InboxConfig:
    teams: dict[str, dict[str, Any]]
    routing: list[dict[str, Any]]
    default_team: str
    team_words: dict[str, list[str]]
    topic_intents: dict[str, list[str]]
    assignment: dict[str, Any]
    agents: list[dict[str, Any]] = field(default_factory=list)

    def team_name(self, team: str) -> str:
        return self.teams[team]["name"]


def parse_config(raw: dict[str, Any]) -> InboxConfig:
    """Checks seed/inbox.yml and fills defaults; ValueError names what is wrong."""
    teams = raw.get("teams") or {}
    if not teams:
        raise ValueError("inbox.yml: no teams")
    for key, team in teams.items():
        if zone_of(team.get("timezone")) is None:
            raise ValueError(f"inbox.yml: team {key}: unknown time zone {team.get('timezone')!r}")
        team["hours"] = normalize_working_hours(team.get("hours") or {})
        team.setdefault("assignment", "least_open")
        if team["assignment"] not in STRATEGIES:
            raise ValueError(f"inbox.yml: team {key}: assignment must be one of {STRATEGIES}")
        team.setdefault("name", key.title())
        team.setdefault("typical_wait_minutes", 5)
    default_team = str(raw.get("default_team") or "")
    routing = raw.get("routing") or []
    for rule in routing:
        if rule.get("team") not in teams:
            raise ValueError(f"inbox.yml: routing rule {rule} names an unknown team")
        unknown = set(rule.get("reasons") or []) - set(REASONS)
        if unknown:
            raise ValueError(f"inbox.yml: routing rule {rule}: unknown reasons {sorted(unknown)}")
    if default_team not in teams:
        raise ValueError(f"inbox.yml: default_team {default_team!r} is not a team")
    assignment = {
        "reassign_after_seconds": 120,
        "return_to_bot_after_minutes": 10,
        "presence_timeout_seconds": 60,
        "max_open_per_agent": 5,
        **(raw.get("assignment") or {}),
    }
    agents = raw.get("agents") or []
    for agent in agents:
        if not set(agent.get("teams") or []) <= set(teams):
            raise ValueError(f"inbox.yml: agent {agent.get('email')} is in an unknown team")
        if not set(agent.get("roles") or []) <= set(ROLES):
            raise ValueError(f"inbox.yml: agent {agent.get('email')} has an unknown role (known: {', '.join(ROLES)})")
    return InboxConfig(
        teams=teams,
        routing=routing,
        default_team=default_team,
        team_words=raw.get("team_words") or {},
        topic_intents=raw.get("topic_intents") or {},
        assignment=assignment,
        agents=agents,
    )


def load_config(path: Path | None = None) -> InboxConfig:
    """seed/inbox.yml, or the file INBOX_CONFIG names (e.g. a deployment's own teams and hours)."""
    return _load(str(path or settings.inbox_config_path()))


@lru_cache(maxsize=4)
def _load(path: str) -> InboxConfig:
    with open(path, encoding="utf-8") as handle:
        return parse_config(yaml.safe_load(handle) or {})


def team_named(config: InboxConfig, text: str | None) -> str | None:
    """The team a request names: a team key (from a button) or one of its words in free text."""
    if not text:
        return None
    lowered = str(text).lower()
    if lowered.strip() in config.teams:
        return lowered.strip()
    for team, words in config.team_words.items():
        if any(re.search(rf"\b{re.escape(word.lower())}\b", lowered) for word in words):
            return team
    return None


def topic_of(config: InboxConfig, intents: Sequence[str]) -> str | None:
    """The topic of the latest intent that has one."""
    by_intent = {intent: topic for topic, names in config.topic_intents.items() for intent in names}
    for intent in reversed(list(intents)):
        if intent in by_intent:
            return by_intent[intent]
    return None


def _holds(rule: dict[str, Any], situation: Situation) -> bool:
    checks = (
        ("reasons", situation.reason),
        ("asked_for", situation.asked_for),
        ("lead_grades", situation.lead_grade),
        ("topics", situation.topic),
    )
    return all(value in rule[key] for key, value in checks if key in rule)


def choose_team(config: InboxConfig, situation: Situation) -> str:
    """The first routing rule that holds names the team; else the default team."""
    for rule in config.routing:
        if _holds(rule, situation):
            return rule["team"]
    return config.default_team


def team_open(config: InboxConfig, team: str, now: datetime) -> bool:
    spec = config.teams[team]
    return hours_open_at(_zone(spec), spec["hours"], now)


def team_back_at(config: InboxConfig, team: str, now: datetime) -> datetime | None:
    """When the team is next in (aware UTC), or None when it has no hours in the next two weeks."""
    spec = config.teams[team]
    return hours_next_open(_zone(spec), spec["hours"], now)


def _zone(spec: dict[str, Any]) -> tzinfo:
    zone = zone_of(spec["timezone"])
    if zone is None:  # parse_config refuses such a team; a config built by hand may not
        raise ValueError(f"unknown time zone {spec['timezone']!r}")
    return zone


def typical_wait_minutes(session: Session, config: InboxConfig, team: str, recent: int = 50) -> int:
    """The median minutes to a first agent reply over the team's recent handoffs, once there are
    enough of them; the configured figure before that. Never less than 1."""
    rows = session.execute(
        select(Handoff.created_at, Handoff.first_reply_at)
        .where(Handoff.team == team, Handoff.first_reply_at.is_not(None))
        .order_by(Handoff.id.desc())
        .limit(recent)
    ).all()
    if len(rows) < MEASURED_AFTER:
        return int(config.teams[team]["typical_wait_minutes"])
    waits = [(replied - created) / timedelta(minutes=1) for created, replied in rows]
    return max(1, round(statistics.median(waits)))


def agent_teams(raw: Any) -> list[str]:
    """Agent.teams as a list, whether stored as JSON text or given as a list."""
    if isinstance(raw, str):
        raw = json.loads(raw or "[]")
    return [str(team) for team in (raw or [])]
