"""Tunes the confidence threshold of each intent that starts something, on the development data.

Each such intent gets the lowest threshold at which at most BUDGET of the off-topic development
messages would be taken for it, so the budgets add up to the off-topic false-accept we accept;
below its threshold a message becomes nlu_fallback and the bot asks instead of acting. Writes the
thresholds into config.yml (PerIntentFallbackClassifier's intent_thresholds) and into the variants
of ours that make compare-nlu compares, and prints what each costs in in-scope recall on the
development data.

    python scripts/tune_thresholds.py --model models/shop.tar.gz [--write]
"""

import argparse
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

os.environ.setdefault("LOG_LEVEL", "WARNING")

ROOT = Path(__file__).resolve().parents[1]
from scripts import nlu_metrics  # noqa: E402 (after LOG_LEVEL: Rasa reads it on import)
from scripts.nlu_metrics import ACTION_INTENTS, OUT_OF_SCOPE  # noqa: E402

DEV = ROOT / "tests" / "nlu" / "dev"
CONFIG = ROOT / "config.yml"
VARIANTS = ROOT / "scripts" / "nlu_configs"
# The share of off-topic messages each intent may take: 2.5% for all actions, 0.25% for the FAQ
# (under what Rasa's default configuration lets through, docs/nlu.md). The commonest requests get
# more: a threshold costs them the most customers, and the dev data shows that cost.
COMMON_REQUESTS = ("purchase", "refund", "order_status")
BUDGET = {**dict.fromkeys(ACTION_INTENTS, 0.002), **dict.fromkeys(COMMON_REQUESTS, 0.003), "faq": 0.0025}
GRID = [round(0.30 + 0.025 * i, 3) for i in range(27)]  # 0.30 .. 0.95
FLOOR = 0.30  # below this the global FallbackClassifier threshold applies anyway

Guess = tuple[str, str, float]  # gold intent, classifier's top intent, its confidence


def lowest_threshold(guesses: list[Guess], intent: str, budget: float) -> float:
    """The lowest threshold on the grid at which off-topic guesses of `intent` stay in budget."""
    off_topic = [g for g in guesses if g[0] == OUT_OF_SCOPE]
    allowed = budget * len(off_topic)
    for threshold in GRID:
        taken = sum(1 for _, top, conf in off_topic if top == intent and conf >= threshold)
        if taken <= allowed:
            return max(FLOOR, threshold)
    return GRID[-1]


def recall_at(guesses: list[Guess], intent: str, threshold: float) -> tuple[int, int]:
    gold = [g for g in guesses if g[0] == intent]
    return sum(1 for _, top, conf in gold if top == intent and conf >= threshold), len(gold)


def thresholds_for(guesses: list[Guess], budgets: dict[str, float]) -> dict[str, float]:
    return {intent: lowest_threshold(guesses, intent, budget) for intent, budget in sorted(budgets.items())}


def classifier_guesses(model: str, paths: Iterable[Path]) -> list[Guess]:
    """(gold, the classifier's own top intent, its confidence) per example, before any fallback."""
    records = []
    agent = nlu_metrics.load_agent(model)
    for path in paths:
        records += nlu_metrics.parse_examples(agent, nlu_metrics.load_examples(path))
    return [(r["gold"].split("/")[0], r["guess"], r["guess_confidence"]) for r in records]


def write_thresholds(config: Path, thresholds: dict[str, float]) -> None:
    """Replaces the intent_thresholds block in place, keeping the file's comments."""
    text = config.read_text()
    block = "    intent_thresholds:\n" + "".join(f"      {intent}: {value}\n" for intent, value in thresholds.items())
    pattern = re.compile(r"    intent_thresholds:\n(?:      \S.*\n)*")
    if not pattern.search(text):
        raise SystemExit(f"{config} has no intent_thresholds block to replace")
    config.write_text(pattern.sub(block, text, count=1))


def variants_of_ours(folder: Path = VARIANTS) -> list[Path]:
    """The compared configurations that are ours with one thing changed ("# Ours with..."):
    they share our thresholds, so that the comparison shows that one thing."""
    return [p for p in sorted(folder.glob("*.yml")) if p.read_text().startswith("# Ours")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "shop.tar.gz"))
    parser.add_argument("--write", action="store_true", help="write the thresholds to config.yml")
    args = parser.parse_args(argv)
    nlu_metrics.quiet_rasa()
    guesses = classifier_guesses(args.model, sorted(DEV.glob("*.yml")))
    off_topic = sum(1 for g in guesses if g[0] == OUT_OF_SCOPE)
    thresholds = thresholds_for(guesses, BUDGET)
    taken = Counter(top for gold, top, conf in guesses if gold == OUT_OF_SCOPE and conf >= thresholds.get(top, FLOOR))
    print(f"{len(guesses)} development messages, {off_topic} off-topic")
    for intent, threshold in thresholds.items():
        right, total = recall_at(guesses, intent, threshold)
        floor_right, _ = recall_at(guesses, intent, FLOOR)
        recall = f"recall {right}/{total} (at {FLOOR}: {floor_right})" if total else "no in-scope dev examples"
        print(f"  {intent:<20} {threshold:.3f}  off-topic taken {taken[intent]:>3}  {recall}")
    accepted = sum(taken[i] for i in ACTION_INTENTS)
    print(
        f"off-topic taken for an action: {accepted / max(1, off_topic):.1%}, "
        f"for an FAQ: {taken['faq'] / max(1, off_topic):.1%}"
    )
    if args.write:
        for config in [CONFIG, *variants_of_ours()]:
            write_thresholds(config, thresholds)
            print(f"written to {config.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
