"""Scores the trained model on the NLU evaluation sets and fails under the quality bar.

Each --data (a Rasa NLU YAML file or a folder of them; an example's kind is its file's stem) is
parsed once and scored by scripts/nlu_metrics.py; the bars apply to the --gate set only
(default: the first --data). With --rasa-out, Rasa's own reports for the gate set (the files of
`rasa test nlu`: intent_report.json, entity reports, confusion matrix, histogram,
intent_errors.json) are written from the same parses, so the set is not parsed twice.
With --from-rasa DIR, nothing is parsed: the summary is read from the files Rasa wrote there
(used after `rasa test nlu --cross-validation`).

Labels: a retrieval intent counts by its key (faq/shipping), so the ResponseSelector is judged
too; nlu_fallback counts as not accepted. Entities: exact (start, end, type) spans from every
extractor together (DIET, the catalog matcher, the patterns).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from scripts import nlu_metrics
from scripts.nlu_metrics import predicted_label  # noqa: F401  (kept importable from here)

# The bars; the pipeline owner may tune them (see docs/nlu.md).
IN_SCOPE_ACCURACY_BAR = 0.85
OFF_TOPIC_FALSE_ACCEPT_BAR = 0.05
ENTITY_F1_BAR = 0.85
BARS = {
    "in_scope_accuracy": (">=", IN_SCOPE_ACCURACY_BAR),
    "off_topic_false_accept": ("<=", OFF_TOPIC_FALSE_ACCEPT_BAR),
    "entity_f1": (">=", ENTITY_F1_BAR),
}
DEFAULT_DATA = "tests/nlu/held_out"


def gate_failures(scores: dict[str, Any], bars: dict[str, Any] = BARS) -> list[str]:
    """The figures under their bar; an empty list passes."""
    return [
        f"{key} {scores.get(key):.3f} (bar {op} {bar})"
        for key, (op, bar) in bars.items()
        if not nlu_metrics.meets(scores.get(key), op, bar)
    ]


class _RecordingProcessor:
    """Rasa's MessageProcessor, keeping every parse so our summary reuses Rasa's evaluation run."""

    def __init__(self, processor: Any, parsed_by_text: dict[str, dict[str, Any]]) -> None:
        self._processor = processor
        self._parsed = parsed_by_text

    def __getattr__(self, name: str) -> Any:
        return getattr(self._processor, name)

    async def parse_message(self, message: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        result = await self._processor.parse_message(message, *args, **kwargs)
        self._parsed[message.text] = result
        return result


async def rasa_reports(agent: Any, data: str, out: str, no_plot: bool) -> dict[str, dict[str, Any]]:
    """Rasa's `rasa test nlu` reports for `data` in `out`; returns the parses by text."""
    from rasa.nlu.test import run_evaluation

    parsed: dict[str, dict[str, Any]] = {}
    Path(out).mkdir(parents=True, exist_ok=True)
    await run_evaluation(
        data,
        _RecordingProcessor(agent.processor, parsed),
        output_directory=out,
        successes=False,
        errors=True,
        disable_plotting=no_plot,
        report_as_dict=True,
    )
    return parsed


def records_from_rasa(out: str) -> list[dict[str, Any]]:
    """Intent records from Rasa's intent and response-selection successes/errors files.
    Rasa reverts nlu_fallback to the classifier's guess, so these count no fallback."""
    folder = Path(out)

    def read(name: str) -> list[dict[str, Any]]:
        path = folder / name
        return json.loads(path.read_text()) if path.exists() else []

    responses = {
        r["text"]: r for r in read("response_selection_successes.json") + read("response_selection_errors.json")
    }
    records = []
    for row in read("intent_successes.json") + read("intent_errors.json"):
        gold, predicted = row["intent"], (row.get("intent_prediction") or {}).get("name") or "none"
        response = responses.get(row["text"])
        if response and response.get("intent_response_key_target"):
            gold = response["intent_response_key_target"]
            if predicted == gold.split("/")[0]:
                predicted = (response.get("intent_response_key_prediction") or {}).get("name") or predicted
        records.append(
            {
                "text": row["text"],
                "gold": gold,
                "predicted": predicted,
                "kind": "cross-validation",
                "confidence": (row.get("intent_prediction") or {}).get("confidence"),
            }
        )
    return records


def entity_f1_from_rasa(out: str) -> dict[str, float | None]:
    """Micro-averaged F1 of each extractor, from Rasa's <Extractor>_report.json files."""
    figures = {}
    for path in sorted(Path(out).glob("*_report.json")):
        if path.stem in ("intent_report", "response_selection_report"):
            continue
        report = json.loads(path.read_text())
        micro = report.get("micro avg") or report.get("accuracy")
        figures[path.stem.replace("_report", "")] = micro.get("f1-score") if isinstance(micro, dict) else micro
    return figures


async def evaluate(
    model: str, datasets: list[str], gate: str, rasa_out: str | None, no_plot: bool
) -> dict[str, dict[str, Any]]:
    print(f"loading {model} (TensorFlow starts: about a minute)", file=sys.stderr, flush=True)
    agent = nlu_metrics.load_agent(model)
    nlu_metrics.quiet_rasa()
    results = {}
    for data in datasets:
        examples = nlu_metrics.load_examples(data)
        print(f"{data}: {len(examples)} examples", file=sys.stderr, flush=True)
        parsed: dict[str, dict[str, Any]] = {}
        if rasa_out and data == gate:
            parsed = await rasa_reports(agent, data, rasa_out, no_plot)
            print(f"Rasa's reports for {data} written to {rasa_out}", file=sys.stderr, flush=True)
        records = await nlu_metrics.parse_examples_async(agent, examples, parsed)
        results[data] = nlu_metrics.score(records)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="the trained model (models/shop.tar.gz)")
    parser.add_argument(
        "--data", action="append", help=f"an evaluation set, file or folder; repeatable (default {DEFAULT_DATA})"
    )
    parser.add_argument("--gate", help="the --data the bars apply to (default: the first)")
    parser.add_argument("--json", help="write every figure of every set there (e.g. results/nlu/summary.json)")
    parser.add_argument("--rasa-out", help="also write Rasa's own reports for the gate set in this folder")
    parser.add_argument("--no-plot", action="store_true", help="no confusion matrix and histogram PNGs")
    parser.add_argument("--from-rasa", help="summarize Rasa's result files in this folder instead of parsing")
    args = parser.parse_args(argv)
    nlu_metrics.quiet_rasa()

    if args.from_rasa:
        scores = nlu_metrics.score(records_from_rasa(args.from_rasa))
        print(
            nlu_metrics.format_summary(
                f"{args.from_rasa} (Rasa's results; nlu_fallback reverted)", scores, entities=False
            )
        )
        for extractor, f1 in entity_f1_from_rasa(args.from_rasa).items():
            print(f"  entity F1 of {extractor:<24} {'n/a' if f1 is None else f'{f1:.3f}'}")
        if args.json:
            _write_json(args.json, {args.from_rasa: scores})
        return 0

    if not args.model:
        parser.error("--model is needed (or --from-rasa)")
    datasets = [os.path.normpath(d) for d in args.data or [DEFAULT_DATA]]  # "held_out/" is "held_out"
    gate = os.path.normpath(args.gate) if args.gate else datasets[0]
    if gate not in datasets:
        parser.error(f"--gate {gate} is not one of the --data sets")
    results = asyncio.run(evaluate(args.model, datasets, gate, args.rasa_out, args.no_plot))

    for data, scores in results.items():
        is_gate = data == gate
        print(
            nlu_metrics.format_summary(
                f"{data}{' (the gate)' if is_gate else ''}", scores, bars=BARS if is_gate else None
            )
        )
        print()
    if args.json:
        _write_json(
            args.json, {**results, "gate": {"data": gate, "bars": BARS, "failures": gate_failures(results[gate])}}
        )
    failures = gate_failures(results[gate])
    if failures:
        print(f"NLU quality gate FAILED on {gate}: " + "; ".join(failures))
        return 1
    print(f"NLU quality gate passed on {gate}")
    return 0


def _write_json(path: str, payload: dict[str, Any]) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(payload, indent=2, sort_keys=True))
    print(f"figures written to {path}")


if __name__ == "__main__":
    sys.exit(main())
