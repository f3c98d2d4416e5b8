"""The customer messages of the last DAYS worth a trainer's look, from the SQL tracker store, as
Rasa NLU data ready to move into data/nlu (results/review.yml).

A message is picked when it
  fell back       its intent was nlu_fallback, or the bot answered it with
                  action_handle_misunderstanding (or Rasa's action_default_fallback);
  was off-topic   its intent was out_of_scope;
  was corrected   the customer's next message, right after the bot's answer, says it was wrong:
                  "that's not what I meant", or a deny/"no" when the answer was not a question;
  was rephrased   the customer's next message says nearly the same in other words.
Messages are de-duplicated by normalized text and grouped under the intent the model gave them
(for a fallback: the classifier's own guess), each with a comment: why, confidence, conversation.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.nlu_metrics import FALLBACK, OUT_OF_SCOPE, classifier_guess, predicted_label
from scripts.validate_data import normalized

FALLBACK_ACTIONS = {"action_handle_misunderstanding", "action_default_fallback"}
DENY_INTENTS = {"deny"}
CORRECTION_RE = re.compile(
    r"\b(not what i (meant|asked|said|wanted)|that'?s not (it|right|what)|that is not (it|right|what)|"
    r"you misunderstood|misunderstood me|wrong answer|i didn'?t (ask|say|mean)|i never (asked|said))\b",
    re.I,
)
BARE_NO_RE = re.compile(r"^\s*(no+|nope|nah|wrong)\b[\s.!,]*", re.I)
REPHRASE_OVERLAP = 0.5  # share of words in common (Jaccard) for two messages to say the same
SKIPPED_ACTIONS = {"action_listen", "action_session_start"}


@dataclass
class Pick:
    text: str
    intent: str  # the group: predicted label, or the classifier's guess for a fallback
    confidence: float
    conversation: str
    timestamp: float
    reasons: list[str] = field(default_factory=list)
    count: int = 1


# --------------------------------------------------------------------------- reading the store


def read_events(url: str, since: float) -> dict[str, list[dict[str, Any]]]:
    """{conversation: events in order} of the user, bot and action events since `since`,
    read straight from Rasa's SQLTrackerStore table (events: sender_id, type_name, data)."""
    import sqlalchemy as sa

    parsed_url = sa.engine.make_url(url)
    if parsed_url.get_backend_name() == "sqlite" and parsed_url.database and not Path(parsed_url.database).exists():
        return {}  # no conversation yet; connecting would leave an empty database file behind
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("events"):
                return {}
            rows = connection.execute(
                sa.text(
                    "SELECT sender_id, data FROM events WHERE timestamp >= :since "
                    "AND type_name IN ('user', 'bot', 'action') ORDER BY sender_id, timestamp, id"
                ),
                {"since": since},
            ).all()
    finally:
        engine.dispose()
    conversations: dict[str, list[dict[str, Any]]] = {}
    for sender_id, data in rows:
        conversations.setdefault(sender_id, []).append(json.loads(data))
    return conversations


# --------------------------------------------------------------------------- picking messages


def words(text: str) -> set:
    return set(normalized(text).split())


def is_rephrase(first: str, second: str) -> bool:
    a, b = words(first), words(second)
    if len(a) < 2 or len(b) < 2:
        return False  # "yes" after "yes" is an answer, not a rephrase
    return len(a & b) / len(a | b) >= REPHRASE_OVERLAP


def is_correction(next_event: dict[str, Any], bot_texts: Sequence[str]) -> bool:
    text = next_event.get("text") or ""
    if CORRECTION_RE.search(text):
        return True
    intent = ((next_event.get("parse_data") or {}).get("intent") or {}).get("name")
    said_no = intent in DENY_INTENTS or bool(BARE_NO_RE.match(text))
    # After a question ("Shall I place the order?") a "no" is an answer, not a correction.
    asked = any((t or "").rstrip().endswith("?") for t in bot_texts)
    return said_no and not asked


def pick_messages(conversation: str, events: Sequence[dict[str, Any]]) -> list[Pick]:
    """The messages of one conversation worth a look, in order."""
    turns: list[tuple[dict[str, Any], list[str], list[str]]] = []  # (user event, bot texts, actions)
    for event in events:
        kind = event.get("event")
        if kind == "user":
            turns.append((event, [], []))
        elif turns and kind == "bot":
            turns[-1][1].append(event.get("text") or "")
        elif turns and kind == "action" and event.get("name") not in SKIPPED_ACTIONS:
            turns[-1][2].append(event.get("name") or "")

    picks = []
    for index, (event, bot_texts, actions) in enumerate(turns):
        text = (event.get("text") or "").strip()
        if not text or text.startswith("/"):
            continue  # buttons and payloads are not typed language
        parsed = event.get("parse_data") or {}
        label = predicted_label(parsed)
        confidence = float((parsed.get("intent") or {}).get("confidence") or 0.0)
        reasons = []
        if label == FALLBACK or FALLBACK_ACTIONS & set(actions):
            reasons.append("fell back")
        if label == OUT_OF_SCOPE:
            reasons.append("off-topic")
        answered = bool(bot_texts or actions)
        following = turns[index + 1][0] if index + 1 < len(turns) else None
        if following is not None and answered:
            if is_correction(following, bot_texts):
                reasons.append(f'corrected ("{following.get("text")}")')
            elif is_rephrase(text, following.get("text") or "") and normalized(text) != normalized(
                following.get("text") or ""
            ):
                reasons.append(f'rephrased ("{following.get("text")}")')
        if not reasons:
            continue
        group = label
        if label == FALLBACK:
            guess, guess_confidence = classifier_guess(parsed)
            if guess != "none":  # no ranking kept: it stays under nlu_fallback
                group, confidence = guess, guess_confidence
        picks.append(Pick(text, group, confidence, conversation, float(event.get("timestamp") or 0.0), reasons))
    return picks


def deduplicate(picks: Iterable[Pick]) -> list[Pick]:
    """One pick per normalized text: the first seen, counting the others and their reasons."""
    by_text: dict[str, Pick] = {}
    for pick in picks:
        key = normalized(pick.text)
        if key in by_text:
            kept = by_text[key]
            kept.count += 1
            kept.reasons.extend(r for r in pick.reasons if r not in kept.reasons)
        else:
            by_text[key] = pick
    return list(by_text.values())


# --------------------------------------------------------------------------- writing


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def render_review(picks: Sequence[Pick], days: float, now: float) -> str:
    lines = [
        'version: "3.1"',
        f"# make review, {time.strftime('%Y-%m-%d %H:%M', time.gmtime(now))} UTC: the last {days:g} days of",
        "# conversations. Each example sits under the intent the model gave it (a fallback: its",
        "# best guess). Move the ones you are sure of into data/nlu/<capability>.yml under the",
        "# intent they really are (annotate size and quantity), drop the rest, then make validate.",
        "nlu:",
    ]
    by_intent: dict[str, list[Pick]] = {}
    for pick in picks:
        by_intent.setdefault(pick.intent, []).append(pick)
    for intent in sorted(by_intent):
        lines.append(f"- intent: {intent}")
        lines.append("  examples:")
        for pick in sorted(by_intent[intent], key=lambda p: (-p.count, p.timestamp)):
            seen = f", {pick.count} times" if pick.count > 1 else ""
            why = "; ".join(pick.reasons).replace("\n", " ")
            lines.append(f"  # {why}; confidence {pick.confidence:.2f}; conversation {pick.conversation}{seen}")
            lines.append(f"  - text: {_quoted(pick.text)}")
    if not by_intent:
        lines[-1] = "nlu: []"
    return "\n".join(lines) + "\n"


def review(url: str, days: float, out: Path, now: float | None = None) -> tuple[list[Pick], dict[str, int]]:
    now = time.time() if now is None else now
    conversations = read_events(url, now - days * 86400)
    picks = [p for sender, events in conversations.items() for p in pick_messages(sender, events)]
    unique = deduplicate(picks)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_review(unique, days, now), encoding="utf-8")
    stats = {
        "conversations": len(conversations),
        "messages": sum(1 for events in conversations.values() for e in events if e.get("event") == "user"),
        "picked": len(picks),
        "unique": len(unique),
    }
    return unique, stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--url", default=os.environ.get("TRACKER_STORE_URL"), help="the SQL tracker store (default: $TRACKER_STORE_URL)"
    )
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--out", default="results/review.yml")
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("no tracker store: set TRACKER_STORE_URL or pass --url")
    picks, stats = review(args.url, args.days, Path(args.out))
    reasons = Counter(r.split(" (")[0] for p in picks for r in p.reasons)
    print(
        f"last {args.days:g} days: {stats['conversations']} conversations, {stats['messages']} customer messages; "
        f"{stats['picked']} worth a look, {stats['unique']} different"
    )
    if picks:
        print("  why: " + ", ".join(f"{why} {n}" for why, n in reasons.most_common()))
        top = Counter(p.intent for p in picks).most_common(5)
        print("  most under: " + ", ".join(f"{intent} {n}" for intent, n in top))
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
