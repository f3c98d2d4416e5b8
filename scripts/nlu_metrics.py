"""The NLU scorer: plain functions from per-example records to the figures the gate and the
comparison read, plus the table printer.

A record is a dict:
    text                  the message
    gold                  the expected label: an intent, or "faq/<key>" for a retrieval intent
    predicted             the label after the whole pipeline (predicted_label), so
                          "nlu_fallback" when the FallbackClassifier stepped in
    gold_entities         spans as (start, end, type) tuples or Rasa entity dicts
    predicted_entities    the same, from every extractor together
    kind                  the kind of text (the held-out file's stem: typos, off_topic, ...)
    guess, guess_confidence  optional: the classifier's own top intent before the fallback
    confidence            optional: the confidence of the predicted intent

`score(records)` returns a JSON-ready dict; `format_summary(scores)` prints it as text.
`load_examples(path)` reads a file or folder of Rasa NLU YAML (kind = file stem) and
`parse_examples(agent_or_model_path, examples)` turns those examples into records.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

OUT_OF_SCOPE = "out_of_scope"
FALLBACK = "nlu_fallback"
RETRIEVAL_INTENTS = {"faq"}
# Intents that start a task or change something for the customer: an off-topic message taken
# for one of these is the costly mistake, worse than a wrong FAQ answer or a "sorry?".
ACTION_INTENTS = frozenset(
    {
        "purchase",
        "refund",
        "order_status",
        "human_handoff",
        "book_meeting",
        "reschedule_meeting",
        "cancel_meeting",
        "opt_out",
        "opt_in",
        "request_followup",
        "sales_inquiry",
        "notify_restock",
    }
)
# What a good answer to an off-topic message looks like: declined, not understood, or
# recognized as another language.
REJECTED = frozenset({OUT_OF_SCOPE, FALLBACK, "other_language"})
FALLBACK_SWEEP = (0.3, 0.45, 0.6, 0.75)
WORST_PAIRS = 10

Span = tuple[int, int, str]


# --------------------------------------------------------------------------- labels of a parse


def predicted_label(parsed: Mapping[str, Any]) -> str:
    """The intent, or "faq/<key>" when the ResponseSelector answered a retrieval intent."""
    intent = (parsed.get("intent") or {}).get("name") or "none"
    selectors = parsed.get("response_selector") or {}
    # A ResponseSelector without a retrieval_intent setting answers under "default".
    selector = selectors.get(intent) or (selectors.get("default") if intent in RETRIEVAL_INTENTS else None)
    if selector:
        return selector["response"].get("intent_response_key") or intent
    return intent


def classifier_guess(parsed: Mapping[str, Any]) -> tuple[str, float]:
    """The classifier's own top intent and confidence, before the FallbackClassifier stepped in."""
    ranking = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    return (ranking[0]["name"], float(ranking[0]["confidence"])) if ranking else ("none", 0.0)


def spans(entities: Iterable[Any]) -> set[Span]:
    """Exact (start, end, type) spans from Rasa entity dicts or tuples."""
    out: set[Span] = set()
    for e in entities or ():
        if isinstance(e, Mapping):
            out.add((int(e["start"]), int(e["end"]), str(e["entity"])))
        else:
            start, end, kind = e
            out.add((int(start), int(end), str(kind)))
    return out


def is_correct(gold: str, predicted: str) -> bool:
    """Right label for in-scope messages; any rejection is right for an off-topic one."""
    if gold == OUT_OF_SCOPE:
        return predicted in REJECTED
    return predicted == gold


# --------------------------------------------------------------------------- the figures


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _f1(tp: int, fp: int, fn: int) -> float | None:
    if tp + fp + fn == 0:
        return None  # nothing to find and nothing found: no figure rather than a perfect one
    return 2 * tp / (2 * tp + fp + fn)


def score(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Every figure of one evaluation set; shares are None when their denominator is empty."""
    n = len(records)
    in_scope = [r for r in records if r["gold"] != OUT_OF_SCOPE]
    off_topic = [r for r in records if r["gold"] == OUT_OF_SCOPE]

    gold_count: Counter = Counter(r["gold"] for r in records)
    pred_count: Counter = Counter(r["predicted"] for r in records)
    hits: Counter = Counter(r["gold"] for r in records if r["predicted"] == r["gold"])
    per_intent: dict[str, dict[str, Any]] = {}
    f1s = []
    for label in sorted(gold_count):
        precision = _share(hits[label], pred_count[label])
        recall = hits[label] / gold_count[label]
        f1 = 2 * precision * recall / (precision + recall) if precision and recall else 0.0
        f1s.append(f1)
        per_intent[label] = {"count": gold_count[label], "recall": recall, "precision": precision, "f1": f1}

    tp = fp = fn = 0
    for r in records:
        gold, pred = spans(r.get("gold_entities") or ()), spans(r.get("predicted_entities") or ())
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)

    by_kind: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in records:
        by_kind[r.get("kind") or "unknown"].append(r)
    per_kind = {}
    for kind, rows in sorted(by_kind.items()):
        right = sum(is_correct(r["gold"], r["predicted"]) for r in rows)
        per_kind[kind] = {
            "count": len(rows),
            "accuracy": right / len(rows),
            "false_accept": sum(r["gold"] == OUT_OF_SCOPE and r["predicted"] in ACTION_INTENTS for r in rows),
        }

    confused = Counter((r["gold"], r["predicted"]) for r in records if not is_correct(r["gold"], r["predicted"]))
    pairs = sorted(confused.items(), key=lambda item: (-item[1], item[0]))

    return {
        "examples": n,
        "in_scope_examples": len(in_scope),
        "off_topic_examples": len(off_topic),
        "in_scope_accuracy": _share(sum(r["predicted"] == r["gold"] for r in in_scope), len(in_scope)),
        "in_scope_fallback": _share(sum(r["predicted"] == FALLBACK for r in in_scope), len(in_scope)),
        "off_topic_false_accept": _share(sum(r["predicted"] in ACTION_INTENTS for r in off_topic), len(off_topic)),
        "off_topic_faq": _share(
            sum(r["predicted"].split("/")[0] in RETRIEVAL_INTENTS for r in off_topic), len(off_topic)
        ),
        "off_topic_rejected": _share(sum(r["predicted"] in REJECTED for r in off_topic), len(off_topic)),
        "intent_macro_f1": sum(f1s) / len(f1s) if f1s else None,
        "entity_f1": _f1(tp, fp, fn),
        "entity_counts": {"tp": tp, "fp": fp, "fn": fn},
        "per_intent": per_intent,
        "per_kind": per_kind,
        "confused_pairs": [{"gold": g, "predicted": p, "count": c} for (g, p), c in pairs],
        "fallback_sweep": fallback_sweep(records),
    }


def fallback_sweep(
    records: Sequence[Mapping[str, Any]], thresholds: Sequence[float] = FALLBACK_SWEEP
) -> list[dict[str, float]]:
    """How the FallbackClassifier threshold trades wrong answers for "sorry?" on in-scope
    messages: per threshold, the share answered right, sent to fallback and answered wrong."""
    guesses = [r for r in records if r["gold"] != OUT_OF_SCOPE and "guess" in r]
    if not guesses:
        return []
    rows = []
    for threshold in thresholds:
        right = fallback = wrong = 0
        for r in guesses:
            if r["guess_confidence"] < threshold:
                fallback += 1
            elif r["gold"].split("/")[0] == r["guess"]:
                right += 1
            else:
                wrong += 1
        n = len(guesses)
        rows.append({"threshold": threshold, "right": right / n, "fallback": fallback / n, "wrong": wrong / n})
    return rows


# --------------------------------------------------------------------------- the table


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def format_summary(
    name: str,
    scores: Mapping[str, Any],
    bars: Mapping[str, tuple[str, float]] | None = None,
    worst: int = WORST_PAIRS,
    entities: bool = True,
) -> str:
    """The figures of one set as plain text; `bars` maps a figure to (">=" or "<=", bar) and
    puts the bar beside it with PASS/FAIL; `entities=False` leaves the entity line out."""
    bars = bars or {}

    def line(label: str, key: str, fmt: Callable[[float | None], str]) -> str:
        text = f"  {label:<34} {fmt(scores.get(key)):>8}"
        if key in bars:
            op, bar = bars[key]
            text += f"   bar {op} {fmt(bar):<7} {'PASS' if meets(scores.get(key), op, bar) else 'FAIL'}"
        return text

    out = [
        f"{name}: {scores['examples']} examples ({scores['in_scope_examples']} in scope, "
        f"{scores['off_topic_examples']} off-topic)"
    ]
    out.append(line("in-scope intent accuracy", "in_scope_accuracy", _pct))
    out.append(line("in-scope sent to fallback", "in_scope_fallback", _pct))
    out.append(line("off-topic taken for an action", "off_topic_false_accept", _pct))
    out.append(line("off-topic answered with an FAQ", "off_topic_faq", _pct))
    out.append(line("off-topic rejected", "off_topic_rejected", _pct))
    out.append(line("intent macro-F1", "intent_macro_f1", _num))
    if entities:  # off when the records carry no entities (Rasa's cross-validation files)
        counts = scores["entity_counts"]
        out.append(
            line("entity F1 (exact spans)", "entity_f1", _num)
            + f"   ({counts['tp']} right, {counts['fn']} missed, {counts['fp']} extra)"
        )

    out.append("  per kind of text:              count  accuracy  off-topic taken for an action")
    for kind, row in scores["per_kind"].items():
        out.append(f"    {kind:<28} {row['count']:>5}  {_pct(row['accuracy']):>8}  {row['false_accept']:>5}")

    weak = sorted(((row["recall"], label, row["count"]) for label, row in scores["per_intent"].items()))
    weak = [w for w in weak if w[0] < 1.0][:worst]
    if weak:
        out.append("  lowest recall per intent:")
        for recall, label, count in weak:
            out.append(f"    {label:<28} {recall:>6.1%} of {count}")

    pairs = scores["confused_pairs"][:worst]
    if pairs:
        out.append("  worst-confused (gold -> predicted):")
        for pair in pairs:
            out.append(f"    {pair['count']:>4}  {pair['gold']} -> {pair['predicted']}")

    if scores.get("fallback_sweep"):
        out.append("  FallbackClassifier threshold sweep (in scope: right / fallback / wrong):")
        for row in scores["fallback_sweep"]:
            out.append(f"    {row['threshold']:.2f}: {row['right']:.1%} / {row['fallback']:.1%} / {row['wrong']:.1%}")
    return "\n".join(out)


def meets(value: float | None, op: str, bar: float) -> bool:
    """A missing figure (no examples of that sort) does not fail the bar; a present one must meet it."""
    if value is None:
        return True
    return value >= bar if op == ">=" else value <= bar


# --------------------------------------------------------------------------- examples and parsing


def yaml_files(path: str | Path) -> list[Path]:
    """The NLU YAML files of a file or a folder (recursively), sorted so runs compare."""
    path = Path(path)
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())


def load_examples(path: str | Path) -> list[dict[str, Any]]:
    """Examples of a file or folder as dicts (text, gold, gold_entities, kind = the file's stem)."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples = []
    for file in yaml_files(path):
        for message in load_data(str(file)).intent_examples:
            examples.append(
                {
                    "text": message.get("text"),
                    "gold": message.get_full_intent(),
                    "gold_entities": sorted(spans(message.get("entities") or [])),
                    "kind": file.stem,
                }
            )
    return examples


def as_example(example: Any, kind: str = "unknown") -> dict[str, Any]:
    """An example dict from a dict (as load_examples makes) or a Rasa Message."""
    if isinstance(example, Mapping):
        return dict(example)
    return {
        "text": example.get("text"),
        "gold": example.get_full_intent(),
        "gold_entities": sorted(spans(example.get("entities") or [])),
        "kind": kind,
    }


def record_from_parse(example: Mapping[str, Any], parsed: Mapping[str, Any]) -> dict[str, Any]:
    guess, guess_confidence = classifier_guess(parsed)
    return {
        "text": example["text"],
        "gold": example["gold"],
        "predicted": predicted_label(parsed),
        "confidence": float((parsed.get("intent") or {}).get("confidence") or 0.0),
        "gold_entities": sorted(spans(example.get("gold_entities") or [])),
        "predicted_entities": sorted(spans(parsed.get("entities") or [])),
        "kind": example.get("kind") or "unknown",
        "guess": guess,
        "guess_confidence": guess_confidence,
    }


def load_agent(agent_or_model_path: Any) -> Any:
    if isinstance(agent_or_model_path, (str, Path)):
        import logging

        from rasa.core.agent import Agent
        from rasa.utils.common import configure_logging_and_warnings
        from rasa.utils.log_utils import configure_structlog

        # Outside Rasa's CLI nobody sets these up, and structlog prints a debug line per parse.
        configure_logging_and_warnings(logging.WARNING)
        configure_structlog(logging.WARNING)

        return Agent.load(str(agent_or_model_path))
    return agent_or_model_path


async def parse_examples_async(
    agent_or_model_path: Any,
    examples: Sequence[Mapping[str, Any]],
    parsed_by_text: dict[str, dict[str, Any]] | None = None,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Records for the examples (dicts as load_examples makes, or Rasa Messages); texts already
    in `parsed_by_text` are not parsed again."""
    examples = [as_example(e) for e in examples]
    agent = load_agent(agent_or_model_path)
    quiet_rasa()
    cache = parsed_by_text if parsed_by_text is not None else {}
    records = []
    todo = {e["text"] for e in examples if e["text"] not in cache}
    done = 0
    for example in examples:
        text = example["text"]
        if text not in cache:
            cache[text] = await agent.parse_message(text)
            done += 1
            if progress and (done % 250 == 0 or done == len(todo)):
                print(f"  parsed {done}/{len(todo)}", file=sys.stderr, flush=True)
        records.append(record_from_parse(example, cache[text]))
    return records


def parse_examples(
    agent_or_model_path: Any, examples: Sequence[Mapping[str, Any]], progress: bool = True
) -> list[dict[str, Any]]:
    """Synchronous parse_examples_async, for scripts that are not already in an event loop."""
    return asyncio.run(parse_examples_async(agent_or_model_path, examples, progress=progress))


# Rasa's recipe validator knows only its own classes: our LinearResponseSelector takes the
# response examples, EntityCRF the entity examples, the linear classifier the lookup features.
# Responses said by custom actions look unused to it (make validate checks the actions' code
# too), and it counts the faq retrieval intent it merges from the responses as a duplicate.
# Intents only a button or the outbox worker sends have no NLU data on purpose (make validate
# says so too, scripts/validate.sh).
VALIDATOR_FALSE_ALARMS = (
    "The intent 'EXTERNAL_outbound' is listed in the domain file, but is not found in the NLU",
    "The intent 'faq_topic_chosen' is listed in the domain file, but is not found in the NLU",
    "examples for training a response selector",
    "entity extractor trained on your training data",
    "any components that uses the features created from the lookup table",
    "is not used in any story or rule",
    "duplicated intents have been found across multiple domain files: faq",
)


def quiet_rasa() -> None:
    """Rasa's per-message debug lines and the libraries' deprecation notes would bury the score.
    Call it again after loading Rasa: Rasa puts its own warning filters in front."""
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
    warnings.filterwarnings("ignore", message=".*SQLAlchemy 2.0.*")
    # Rasa's reports: sklearn on labels never predicted, matplotlib on pyparsing's renames and
    # on an empty side of Rasa's confidence histogram.
    warnings.filterwarnings("ignore", module="sklearn")
    warnings.filterwarnings("ignore", module="matplotlib")
    # Some of Rasa's imports (aiogram) turn deprecation warnings back on: drop them at display.
    if not getattr(warnings.showwarning, "_drops_noise", False):
        shown = warnings.showwarning

        def show_unless_noise(message, category, filename, lineno, file=None, line=None):  # type: ignore[no-untyped-def]
            noise = (
                issubclass(category, (DeprecationWarning, PendingDeprecationWarning))
                or any(name in filename for name in ("sklearn", "matplotlib", "rasa/utils/plotting"))
                or any(alarm in str(message) for alarm in VALIDATOR_FALSE_ALARMS)
            )
            if not noise:
                shown(message, category, filename, lineno, file, line)

        show_unless_noise._drops_noise = True  # type: ignore[attr-defined]
        warnings.showwarning = show_unless_noise
