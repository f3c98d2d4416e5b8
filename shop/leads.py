"""Lead qualification as plain functions: parse a business buyer's answers, score and grade
the lead, route it to a sales team, and keep it; qualify_lead does it all and says what to
offer. The rules live in seed/lead_scoring.yml and seed/routing.yml; the parsers return
parsing.Parsed like the rest of the shop."""

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from shop import meetings
from shop.clock import now_utc
from shop.handoff import assignment
from shop.handoff.routing import load_config as load_inbox_config
from shop.integrations import events
from shop.models import Lead
from shop.parsing import Parsed
from shop.parsing.numbers import CARDINALS
from shop.settings import SEED_DIR

SCORING_PATH = SEED_DIR / "lead_scoring.yml"
ROUTING_PATH = SEED_DIR / "routing.yml"

TEAMS = ("smb", "enterprise", "wholesale")
TIMELINES = ("now", "quarter", "later", "unknown")
OFFERS = ("meeting", "resource")

MAX_COMPANY_SIZE = 1_000_000
MAX_BUDGET = 1_000_000_000  # USD; more is a typo or a joke, and would not fit a sane column

# --------------------------------------------------------------------------- numbers in text

_SMALL_NUMBERS = {
    **CARDINALS,
    # Vague amounts, rounded down so a guess never inflates a lead.
    "couple": 2,
    "few": 3,
    "several": 3,
}
# A bare plural ("hundreds", "thousands") counts as at least one of that unit.
_SCALES = {
    "dozen": 12,
    "dozens": 12,
    "hundred": 100,
    "hundreds": 100,
    "thousand": 1000,
    "thousands": 1000,
    "grand": 1000,
    "k": 1000,
    "million": 1_000_000,
    "millions": 1_000_000,
}
_SUFFIXES = {
    "k": 1000,
    "thousand": 1000,
    "grand": 1000,
    "m": 1_000_000,
    "mm": 1_000_000,
    "mn": 1_000_000,
    "million": 1_000_000,
}
# 1,200 / 10 000 / 1200 / 2.5, then an optional scale: 5k, 2.5 thousand, 1.5m.
_AMOUNT_RE = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+(?![\d,])|\d+)(?:\.(\d+))?"
    r"(?:\s*(k|thousand|grand|mm|mn|m|million)\b)?",
    re.IGNORECASE,
)
# What may stand between the two ends of a range: 10-50, 10 to 50, between 10 and 50, 5k/10k.
_RANGE_GLUE_RE = re.compile(r"^\s*(?:-|–|—|to|and|or|/)\s*\$?\s*$", re.IGNORECASE)
_PEOPLE_AFTER_RE = re.compile(
    r"^\s*\+?\s*(?:or so\s+|ish\s+)?(?:people|persons|person|employees|employee|staff|"
    r"workers|members|users|wearers|folks|heads|colleagues|of us|guests|attendees)\b",
    re.IGNORECASE,
)
_PEOPLE_BEFORE_RE = re.compile(
    r"\b(?:team|staff|company|group|office|crew|workforce|headcount) (?:of|is)"
    r"(?: about| around| roughly| some| approximately)?$",
    re.IGNORECASE,
)
_JUST_ME_RE = re.compile(
    r"\b(?:just|only) me\b|\bmyself\b|\bsolo\b|\bone[- ]person\b|"
    r"\bon my own\b|^\s*me\s*$",
    re.IGNORECASE,
)


def _amount_of(match: "re.Match") -> Decimal:
    digits = match.group(1).replace(",", "").replace(" ", "")
    if len(digits) > 15:  # "9" * 400: certainly too many, and not worth the arithmetic
        return Decimal(10) ** 15
    number = Decimal(f"{digits}.{match.group(2)}" if match.group(2) else digits)
    suffix = (match.group(3) or "").lower()
    return number * _SUFFIXES.get(suffix, 1)


def _chosen_amount(text: str, prefer_people: bool = False) -> Decimal | None:
    """The number a customer meant: a range gives its upper end; with prefer_people, the
    number of people ('40 staff', 'a team of 40') wins over other numbers in the text."""
    matches = list(_AMOUNT_RE.finditer(text))
    if not matches:
        return None
    index = 0
    if prefer_people:
        for position, match in enumerate(matches):
            if _PEOPLE_AFTER_RE.match(text[match.end() :]) or _PEOPLE_BEFORE_RE.search(
                text[: match.start()].rstrip("~ ")
            ):
                index = position
                break
    if index + 1 < len(matches):
        following = matches[index + 1]
        if _RANGE_GLUE_RE.match(text[matches[index].end() : following.start()]):
            return _amount_of(following)  # the upper end of a range
    amount = _amount_of(matches[index])
    before = text[: matches[index].start()].rstrip(" $")
    if before.endswith("-") and not before[:-1].rstrip()[-1:].isalnum():
        amount = -amount
    return amount


def _number_from_words(text: str) -> int | None:
    """'twelve', 'a few hundred', 'two thousand', 'thousands', 'a dozen' -> the number; the
    first run of number words counts ('one or two' -> 1)."""
    tokens = re.findall(r"[a-z]+", text.lower())
    total, current, seen = 0, None, False
    for position, token in enumerate(tokens):
        following = tokens[position + 1] if position + 1 < len(tokens) else ""
        if token in ("a", "an"):
            if following in _SCALES:
                current, seen = 1, True
            continue
        if token in _SMALL_NUMBERS:
            current, seen = (current or 0) + _SMALL_NUMBERS[token], True
        elif token in _SCALES:
            if token == "k" and not seen:
                continue
            current, seen = (current or 1) * _SCALES[token], True
            if _SCALES[token] >= 1000:
                total, current = total + current, None
        elif token in ("of", "and") and seen:
            continue
        elif seen:
            break
    if not seen:
        return None
    return total + (current or 0)


def _number_in(raw: Any, prefer_people: bool = False) -> Parsed:
    """The number in what was typed (digits, '5k', '1,200', words), as a Decimal that may be
    negative or fractional; errors: missing, not_a_number."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Parsed(error="missing")
    if isinstance(raw, bool):
        return Parsed(error="not_a_number")
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not math.isfinite(raw):  # a payload's NaN or 1e999
            return Parsed(error="not_a_number" if math.isnan(raw) else "too_many" if raw > 0 else "not_positive")
        return Parsed(value=Decimal(repr(raw)))
    text = str(raw).strip()
    amount = _chosen_amount(text, prefer_people)
    if amount is None:
        words = _number_from_words(text)
        if words is None:
            return Parsed(error="not_a_number")
        amount = Decimal(words)
    return Parsed(value=amount)


# --------------------------------------------------------------------------- parsers


def parse_company_size(raw: Any, max_size: int = MAX_COMPANY_SIZE) -> Parsed:
    """How many people would use / wear it: '50', 'about 200 people', 'a team of 12',
    'just me' -> 1, '10-50' -> 50 (upper end), 'a few hundred' -> 300, 'thousands' -> 1000,
    '1,200' -> 1200. Errors: missing, not_a_number (also for '2.5'), not_positive, too_many."""
    if isinstance(raw, str) and _JUST_ME_RE.search(raw):
        return Parsed(value=1)
    parsed = _number_in(raw, prefer_people=True)
    if not parsed.ok:
        return parsed
    size = parsed.value
    if size <= 0:
        return Parsed(error="not_positive")
    if size != size.to_integral_value():
        return Parsed(error="not_a_number")
    if size > max_size:
        return Parsed(error="too_many")
    return Parsed(value=int(size))


_NO_BUDGET_RE = re.compile(
    r"\bno budget\b|\bnot sure\b|\bunsure\b|\bdon'?t know\b|\bdo not know\b|\bno idea\b|"
    r"\bnot decided\b|\bundecided\b|\btbd\b|\bflexible\b|\bdepends\b|\bnot set\b|"
    r"\bprefer not\b|\brather not\b|\bskip\b|\bno clue\b|\bnone\b|\bn/a\b|\bnot yet\b",
    re.IGNORECASE,
)


def parse_budget(raw: Any, max_budget: int = MAX_BUDGET) -> Parsed:
    """A budget in whole USD: '$5,000', '5k', 'about 20k', '10 000 dollars', 'around 2.5k',
    'under 1000' -> 1000, '5-10k' -> 10000 (upper end), 'five thousand', '$2,499.99' -> 2500.
    'no budget yet', 'not sure' -> Parsed(value=None) without an error: the question may be
    skipped. Errors: missing, not_a_number, not_positive, too_many."""
    parsed = _number_in(raw)
    if parsed.error == "not_a_number" and isinstance(raw, str) and _NO_BUDGET_RE.search(raw):
        return Parsed(value=None)
    if not parsed.ok:
        return parsed
    amount = parsed.value.quantize(Decimal("1"), rounding=ROUND_HALF_UP)  # cents don't matter
    if amount <= 0:
        return Parsed(error="not_positive")
    if amount > max_budget:
        return Parsed(error="too_many")
    return Parsed(value=int(amount))


_MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
    "christmas": 12,
    "holidays": 12,
}
# Northern-hemisphere seasons, by the month they start in.
_SEASONS = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}
_PREPOSITION = r"(?:in|by|before|until|till|for|early|mid|late|end of|beginning of)(?: the)? "

# First match wins: "not sure yet but not soon" is later, not unknown; "not now" is not now.
_TIMELINE_PHRASES = [
    (
        "later",
        r"\bnot (?:any ?time )?soon\b|\bnot (?:right )?now\b|\bno rush\b|\bno hurry\b|"
        r"\bnot urgent\b|\bjust (?:browsing|looking)\b|\bbrowsing\b|\bnext year\b|"
        r"\bsome ?day\b|\bone day\b|\beventually\b|\bin the future\b|\blong[- ]term\b|"
        r"\bin a while\b|(?<!no )\blater\b(?! this)|\bdown the (?:road|line)\b",
    ),
    (
        "now",
        r"\basap\b|\bas soon as (?:possible|we can)\b|\burgent(?:ly)?\b|\bright away\b|"
        r"\bimmediately\b|\btoday\b|\btomorrow\b|\bthis week\b|\bnext week\b|"
        r"\bthis month\b|\bwithin (?:a|one|the next|the) month\b|\bend of (?:the|this) month\b|"
        r"\bright now\b|\bnow\b|\bstraight away\b|\bthis weekend\b",
    ),
    (
        "quarter",
        r"\bnext month\b|\b(?:this|next|the coming|within the) quarter\b|"
        r"\bcoming months\b|\bfew months\b|\bcouple (?:of )?months\b|\bsoon\b|\bshortly\b",
    ),
]
_DURATION_RE = re.compile(
    r"\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|few|couple)"
    r"(?: of)?\s*(day|week|month|year)s?\b",
    re.IGNORECASE,
)
_DURATION_NUMBERS = {"a": 1, "an": 1, "few": 3, "couple": 2, **_SMALL_NUMBERS}
_QUARTER_RE = re.compile(r"\bq([1-4])\b", re.IGNORECASE)
_YEAR_END_RE = re.compile(r"\b(?:end of (?:the |this )?year|year[- ]end|this year)\b", re.IGNORECASE)
_UNKNOWN_RE = re.compile(
    r"\bdon'?t know\b|\bdo not know\b|\bnot sure\b|\bunsure\b|\bno idea\b|\bdepends\b|"
    r"\btbd\b|\bundecided\b|\bnot decided\b|\bno (?:fixed )?timeline\b|\bunknown\b|"
    r"\bcan'?t say\b|\bhard to say\b|\bno clue\b|\bwe'?ll see\b",
    re.IGNORECASE,
)


def _timeline_in_months(months: float) -> str:
    """now = within a month, quarter = up to three months, later = beyond."""
    if months <= 1:
        return "now"
    if months <= 3:
        return "quarter"
    return "later"


def parse_timeline(raw: Any, today: date | None = None) -> Parsed:
    """When they would buy, as one of now / quarter / later / unknown: 'asap', 'next week',
    'in 2 weeks' -> now; 'next month', 'in 3 months', 'next quarter', 'Q3', 'before summer'
    -> quarter; 'next year', '6 months', 'no rush', 'just browsing' -> later; 'not sure' ->
    unknown. Quarters, month names and seasons are counted from `today` (default: today).
    Errors: missing, unknown_timeline."""
    if raw is None or not str(raw).strip():
        return Parsed(error="missing")
    text = re.sub(r"\s+", " ", str(raw).strip().lower())
    today = today or now_utc().date()
    if text in TIMELINES:
        return Parsed(value=text)
    for bucket, pattern in _TIMELINE_PHRASES[:1]:
        if re.search(pattern, text):
            return Parsed(value=bucket)
    duration = _DURATION_RE.search(text)
    if duration:
        word = duration.group(1).lower()
        count = int(word) if word.isdigit() else _DURATION_NUMBERS[word]
        unit = duration.group(2).lower()
        months = {"day": count / 30, "week": count / 4.345, "month": count, "year": count * 12}[unit]
        return Parsed(value=_timeline_in_months(months))
    for bucket, pattern in _TIMELINE_PHRASES[1:]:
        if re.search(pattern, text):
            return Parsed(value=bucket)
    quarter = _QUARTER_RE.search(text)
    if quarter:
        ahead = (int(quarter.group(1)) - ((today.month - 1) // 3 + 1)) % 4
        return Parsed(value="quarter" if ahead <= 1 else "later")
    if _YEAR_END_RE.search(text):
        return Parsed(value=_timeline_in_months(12 - today.month + 1))
    for name, month in sorted(_MONTHS.items(), key=lambda item: -len(item[0])):
        # Abbreviations and "may" (also a verb) count as a month only after a preposition.
        context = _PREPOSITION if len(name) <= 4 and name not in ("june", "july") else ""
        if re.search(rf"\b{context}{name}\b", text):
            return Parsed(value=_timeline_in_months((month - today.month) % 12))
    for name, month in _SEASONS.items():
        context = _PREPOSITION if name == "fall" else ""
        if re.search(rf"\b{context}{name}\b", text):
            if (today.month - month) % 12 < 3:  # in the season already
                return Parsed(value="now")
            return Parsed(value=_timeline_in_months((month - today.month) % 12))
    if _UNKNOWN_RE.search(text):
        return Parsed(value="unknown")
    return Parsed(error="unknown_timeline")


# --------------------------------------------------------------------------- out of turn

# Said while another question is asked, a number is a headcount only next to people words.
_PEOPLE_WORDS_RE = re.compile(
    r"\b(?:people|persons?|employees?|staff|workers|members|users|colleagues|folks|heads|"
    r"team of|of us|headcount)\b",
    re.IGNORECASE,
)
# ... and an amount is a budget only when it is said to be money.
_MONEY_RE = re.compile(r"\$|\b(?:budget|dollars?|usd|bucks|spend)\b|\d\s*k\b", re.IGNORECASE)
# "we want to handle support chats", "looking for uniforms": what the customer is after.
_NEED_RE = re.compile(
    r"\b(?:we|i)(?:'d| would)? (?:want|need|like|plan|hope|wish)\b|\b(?:we're|we are|i'm|i am) "
    r"(?:looking|hoping|planning|trying)\b|\blooking for\b|\b(?:our|my) goal\b|"
    r"\bthe (?:goal|idea|plan) is\b|\bwe'd like\b|\bi'd like\b",
    re.IGNORECASE,
)


def mentions_people(text: Any) -> bool:
    return bool(_PEOPLE_WORDS_RE.search(str(text or "")))


def mentions_money(text: Any) -> bool:
    return bool(_MONEY_RE.search(str(text or "")))


def budget_said(text: Any) -> Parsed:
    """The budget of a sentence that says more ("60 people, budget around $20k"): read from
    the first clause that speaks of money; error not_a_number when none does."""
    # Commas split clauses, not thousands ("$5,000").
    for clause in re.split(r",(?!\d{3}\b)|;|\band\b|\bbut\b", str(text or "")):
        if mentions_money(clause):
            parsed = parse_budget(clause)
            if parsed.ok and parsed.value is not None:
                return parsed
    return Parsed(error="not_a_number")


def describes_need(text: Any) -> bool:
    """Whether a sentence says what the buyer wants ("we want to handle support chats on our
    website"), as opposed to a number, a time or a question; at least three words."""
    words = str(text or "").split()
    return len(words) >= 3 and bool(_NEED_RE.search(str(text)))


def add_to_need(need: str | None, text: str, limit: int = 500) -> str:
    """The need with a further description added; the same words twice are kept once."""
    text = " ".join(str(text).split())
    if not need or need == "skipped":
        return text[:limit]
    if text.lower() in need.lower():
        return need
    return f"{need}; {text}"[:limit]


# --------------------------------------------------------------------------- rules


def _load(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def load_scoring(path: Path = SCORING_PATH) -> dict[str, Any]:
    rules = _load(path)
    missing = {"company_size", "timeline", "budget", "need_keywords", "role_keywords", "email_given", "grades"} - set(
        rules
    )
    if missing:
        raise ValueError(f"{path}: missing {', '.join(sorted(missing))}")
    unknown = set(rules["timeline"]) - set(TIMELINES)
    if unknown:
        raise ValueError(f"{path}: unknown timeline {', '.join(sorted(unknown))}")
    return rules


def load_routing(path: Path = ROUTING_PATH) -> dict[str, Any]:
    routing = _load(path)
    teams = [rule.get("team") for rule in routing.get("rules", [])] + [routing.get("default_team")]
    for team in teams + list(routing.get("resources", {})):
        if team not in TEAMS:
            raise ValueError(f"{path}: unknown team {team!r}; teams are {', '.join(TEAMS)}")
    missing = set(TEAMS) - set(routing.get("resources", {}))
    if missing:
        raise ValueError(f"{path}: no resource for {', '.join(sorted(missing))}")
    for grade, offer in routing.get("offer_by_grade", {}).items():
        if offer not in OFFERS:
            raise ValueError(f"{path}: grade {grade} offers {offer!r}, not one of {OFFERS}")
    for rule in routing.get("rules", []):
        unknown = set(rule) - {"team"} - set(_CONDITIONS)
        if unknown or len(rule) < 2:
            raise ValueError(f"{path}: rule {rule} needs conditions among {', '.join(_CONDITIONS)}")
    return routing


def _mentioned(text: str | None, words) -> str | None:
    """The first of `words` that `text` mentions as a whole word, or None."""
    if not text:
        return None
    lowered = str(text).lower()
    for word in words:
        if re.search(rf"\b{re.escape(str(word).lower())}\b", lowered):
            return word
    return None


def _tier(value: int | None, tiers: list[dict[str, int]]) -> dict[str, int] | None:
    """The highest tier whose min the value reaches."""
    if value is None:
        return None
    for tier in sorted(tiers, key=lambda t: t["min"], reverse=True):
        if value >= tier["min"]:
            return tier
    return None


def grade_for(score: int, grades: dict[str, int]) -> str:
    """The highest grade whose threshold the score reaches; below all of them, cold."""
    for grade, threshold in sorted(grades.items(), key=lambda item: item[1], reverse=True):
        if score >= threshold:
            return grade
    return "cold"


@dataclass(frozen=True)
class LeadScore:
    score: int
    grade: str
    reasons: list[str] = field(default_factory=list)  # one line per rule that added points


def score_lead(answers: dict[str, Any], rules: dict[str, Any] | None = None) -> LeadScore:
    """Sum the points of every scoring rule the answers match (need, company_size, timeline,
    budget, role, email; a missing answer scores nothing) and grade the total."""
    rules = rules if rules is not None else load_scoring()
    score, reasons = 0, []

    def add(points: int, reason: str) -> None:
        nonlocal score
        score += points
        if points:
            reasons.append(f"{reason}: {points:+d}")

    size = answers.get("company_size")
    tier = _tier(size, rules["company_size"])
    if tier:
        add(tier["points"], f"company size {size} (at least {tier['min']})")
    timeline = answers.get("timeline")
    if timeline:
        add(rules["timeline"].get(timeline, 0), f"timeline {timeline}")
    budget = answers.get("budget")
    tier = _tier(budget, rules["budget"])
    if tier:
        add(tier["points"], f"budget ${budget:,} (at least ${tier['min']:,})")
    word = _mentioned(answers.get("need"), rules["need_keywords"]["words"])
    if word:
        add(rules["need_keywords"]["points"], f"need mentions {word!r}")
    word = _mentioned(answers.get("role"), rules["role_keywords"]["words"])
    if word:
        add(rules["role_keywords"]["points"], f"role mentions {word!r}")
    if answers.get("email"):
        add(rules["email_given"], "email given")
    return LeadScore(score=score, grade=grade_for(score, rules["grades"]), reasons=reasons)


def _at_least(key: str):
    def check(answers: dict[str, Any], minimum: int) -> bool:
        value = answers.get(key)
        return value is not None and value >= minimum

    return check


_CONDITIONS = {
    "need_mentions": lambda answers, words: _mentioned(answers.get("need"), words) is not None,
    "company_size_at_least": _at_least("company_size"),
    "budget_at_least": _at_least("budget"),
}


@dataclass(frozen=True)
class Route:
    team: str
    offer: str  # "meeting" or "resource"
    resource: dict[str, str] | None = None  # {title, url} when the offer is a resource


def route_lead(answers: dict[str, Any], grade: str, routing: dict[str, Any] | None = None) -> Route:
    """The team of the first routing rule whose conditions all hold (else default_team), and
    what to offer a lead of this grade: a meeting, or that team's resource."""
    routing = routing if routing is not None else load_routing()
    team = routing["default_team"]
    for rule in routing.get("rules", []):
        conditions = {key: value for key, value in rule.items() if key != "team"}
        unknown = set(conditions) - set(_CONDITIONS)
        if unknown:
            raise ValueError(f"unknown routing condition {', '.join(sorted(unknown))}")
        if conditions and all(_CONDITIONS[key](answers, value) for key, value in conditions.items()):
            team = rule["team"]
            break
    offer = routing["offer_by_grade"].get(grade, "resource")
    resource = dict(routing["resources"][team]) if offer == "resource" else None
    return Route(team=team, offer=offer, resource=resource)


# --------------------------------------------------------------------------- storage


def save_lead(
    session: Session,
    sender_id: str,
    answers: dict[str, Any],
    score: LeadScore,
    route: Route,
    visit: dict[str, Any] | None = None,
) -> Lead:
    """Insert or update the lead of this conversation (one row per sender_id). Every column
    takes the latest answers, so the stored score always matches the stored answers; the CRM
    and webhooks hear of it with the `visit` it came from. Flushes; the caller's session_scope
    commits."""
    lead = session.scalar(select(Lead).where(Lead.sender_id == sender_id))
    created = lead is None
    if lead is None:
        lead = Lead(sender_id=sender_id)
        session.add(lead)
    budget = answers.get("budget")
    role = answers.get("role")
    lead.email = answers.get("email")
    lead.need = answers.get("need")
    lead.company_size = answers.get("company_size")
    lead.timeline = answers.get("timeline")
    lead.budget = None if budget is None else str(budget)
    lead.role = None if role is None else str(role)[:120]
    lead.score = score.score
    lead.grade = score.grade
    lead.team = route.team
    session.flush()
    events.lead_saved(session, lead, created, visit)
    return lead


# --------------------------------------------------------------------------- qualifying


@dataclass(frozen=True)
class Qualified:
    """A lead scored, routed and kept, and what to offer it."""

    grade: str
    team: str  # the team's key (seed/sales_team.yml)
    team_name: str
    resource: dict[str, str] | None  # {title, url}: offered instead of a meeting
    back: datetime | None  # the team is out until then (aware UTC); None: at work, or no opening in sight
    sales_online: bool  # someone from sales is on the live chat, for a lead that is not cold


def qualify_lead(
    session: Session, sender_id: str, answers: dict[str, Any], now: datetime, visit: dict[str, Any] | None = None
) -> Qualified:
    """Scores and routes the answers (need, company_size, timeline, budget, role, email; None
    for unknown), stores the lead of this conversation, and looks at the chosen team: its name,
    whether it is at work at `now` (else when it is back), and whether someone from sales is
    online to talk straight away (a good lead should not have to wait). `visit`: the page and
    UTM tags the conversation came from (shop/visit.py), told to the CRM with the lead."""
    score = score_lead(answers)
    route = route_lead(answers, score.grade)
    save_lead(session, sender_id, answers, score, route, visit)
    team_name = meetings.load_team_config()["teams"][route.team]["name"]
    open_now = meetings.team_open_at(session, route.team, now)
    back = None if open_now else meetings.next_opening(session, route.team, now)
    online = score.grade != "cold" and bool(assignment.online_agents(session, load_inbox_config(), "sales", now))
    return Qualified(
        grade=score.grade,
        team=route.team,
        team_name=team_name,
        resource=route.resource if route.offer == "resource" and route.resource else None,
        back=back,
        sales_online=online,
    )
