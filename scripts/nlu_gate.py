"""Scores the trained model on the held-out NLU set and fails under the quality bar.

Intent macro-F1 counts every retrieval intent (faq/shipping, ...) as its own label, so the
ResponseSelector is judged too. Entity F1 is micro-averaged over exact (start, end, type)
spans from every extractor together: DIET, the catalog matcher and the patterns.
"""
import argparse
import asyncio
import os
import sys
from collections import Counter
from typing import Any, Dict, List, Set, Tuple

os.environ.setdefault("LOG_LEVEL", "WARNING")  # per-message debug lines would bury the score

from rasa.core.agent import Agent  # noqa: E402
from rasa.shared.nlu.training_data.loading import load_data  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402

INTENT_BAR, ENTITY_BAR = 0.90, 0.85
RETRIEVAL_INTENTS = {"faq"}


def predicted_label(parsed: Dict[str, Any]) -> str:
    intent = (parsed.get("intent") or {}).get("name") or "none"
    selectors = parsed.get("response_selector") or {}
    # A ResponseSelector without a retrieval_intent setting answers under "default".
    selector = selectors.get(intent) or (selectors.get("default") if intent in RETRIEVAL_INTENTS else None)
    if selector:
        return selector["response"].get("intent_response_key") or intent
    return intent


def spans(entities: List[Dict[str, Any]]) -> Set[Tuple[int, int, str]]:
    return {(e["start"], e["end"], e["entity"]) for e in entities}


FALLBACK_SWEEP = (0.3, 0.45, 0.6, 0.75)


def classifier_guess(parsed: Dict[str, Any]) -> Tuple[str, float]:
    """DIET's own top intent and confidence, before the FallbackClassifier stepped in."""
    ranking = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
    return (ranking[0]["name"], ranking[0]["confidence"]) if ranking else ("none", 0.0)


def fallback_sweep(guesses: List[Tuple[str, str, float]]) -> List[str]:
    """How the FallbackClassifier threshold trades wrong answers for 'sorry?': per threshold,
    the share of in-scope messages answered right, sent to fallback, and answered wrong."""
    lines = []
    for threshold in FALLBACK_SWEEP:
        right = fallback = wrong = 0
        for gold, guess, confidence in guesses:
            if confidence < threshold:
                fallback += 1
            elif gold.split("/")[0] == guess:
                right += 1
            else:
                wrong += 1
        n = max(1, len(guesses))
        lines.append(f"  threshold {threshold:.2f}: right {right / n:.1%}, fallback {fallback / n:.1%}, "
                     f"wrong {wrong / n:.1%}")
    return lines


async def evaluate(model: str, data: str) -> Tuple[float, float, List[str], List[str]]:
    agent = Agent.load(model)
    examples = load_data(data).nlu_examples
    gold_intents, pred_intents, misses, guesses = [], [], [], []
    counts = Counter()
    for example in examples:
        text = example.get("text")
        parsed = await agent.parse_message(text)
        gold = example.get_full_intent()
        pred = predicted_label(parsed)
        gold_intents.append(gold)
        pred_intents.append(pred)
        guesses.append((gold, *classifier_guess(parsed)))
        gold_spans = spans(example.get("entities") or [])
        pred_spans = spans(parsed.get("entities") or [])
        counts["tp"] += len(gold_spans & pred_spans)
        counts["fp"] += len(pred_spans - gold_spans)
        counts["fn"] += len(gold_spans - pred_spans)
        if gold != pred or gold_spans != pred_spans:
            misses.append(f"  {text!r}: intent {gold} -> {pred}; entities "
                          f"missed {sorted(gold_spans - pred_spans)} extra {sorted(pred_spans - gold_spans)}")
    labels = sorted(set(gold_intents))
    intent_f1 = f1_score(gold_intents, pred_intents, labels=labels, average="macro", zero_division=0)
    precision = counts["tp"] / max(1, counts["tp"] + counts["fp"])
    recall = counts["tp"] / max(1, counts["tp"] + counts["fn"])
    entity_f1 = 2 * precision * recall / max(1e-9, precision + recall)
    return intent_f1, entity_f1, misses, fallback_sweep(guesses)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", required=True)
    args = parser.parse_args()
    intent_f1, entity_f1, misses, sweep = asyncio.run(evaluate(args.model, args.data))
    if misses:
        print(f"{len(misses)} examples not fully right:")
        print("\n".join(misses))
    print("FallbackClassifier threshold sweep (config.yml uses 0.45):")
    print("\n".join(sweep))
    print(f"NLU held-out set: intent macro-F1 {intent_f1:.3f} (bar {INTENT_BAR}), "
          f"entity F1 {entity_f1:.3f} (bar {ENTITY_BAR})")
    if intent_f1 < INTENT_BAR or entity_f1 < ENTITY_BAR:
        print("NLU quality gate FAILED")
        return 1
    print("NLU quality gate passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
