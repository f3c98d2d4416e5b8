"""Trains and scores NLU pipelines side by side and writes the table to docs/nlu.md.

Each configuration (config.yml, the one we run, and the alternatives in scripts/nlu_configs/,
Rasa's own default among them) is trained on data/ and scored on the held-out set, on the
development data and by cross-validation on the training data, with the same scorer as the
gate (scripts/nlu_metrics.py). `make compare-nlu` runs it; FOLDS=0 skips cross-validation.

    python scripts/compare_nlu.py [--folds 3] [--only name ...]
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scripts import nlu_metrics

ROOT = Path(__file__).resolve().parents[1]

CONFIGS = ROOT / "scripts" / "nlu_configs"
HELD_OUT = ROOT / "tests" / "nlu" / "held_out"
DEV = ROOT / "tests" / "nlu" / "dev"
DOC = ROOT / "docs" / "nlu.md"
# Committed: a slow configuration (Rasa's default trains for over an hour) is not re-run per session.
RESULTS = ROOT / "docs" / "nlu-results"
RASA = str(ROOT / ".venv" / "bin" / "rasa")
COLUMNS = [  # (title, set, figure)
    ("held-out in-scope acc.", "held_out", "in_scope_accuracy"),
    ("held-out off-topic → action", "held_out", "off_topic_false_accept"),
    ("held-out off-topic → FAQ", "held_out", "off_topic_faq"),
    ("held-out macro-F1", "held_out", "intent_macro_f1"),
    ("held-out entity F1", "held_out", "entity_f1"),
    ("dev in-scope acc.", "dev", "in_scope_accuracy"),
    ("dev off-topic → action", "dev", "off_topic_false_accept"),
    ("dev off-topic → FAQ", "dev", "off_topic_faq"),
    ("CV in-scope acc.", "cv", "in_scope_accuracy"),
    ("CV off-topic → action", "cv", "off_topic_false_accept"),
    ("CV macro-F1", "cv", "intent_macro_f1"),
]
LOWER_IS_BETTER = {"off_topic_false_accept", "off_topic_faq"}


def training_data_fingerprint() -> str:
    """What the NLU training data is now, so a result measured on other data is flagged."""
    digest = hashlib.sha256()
    for file in nlu_metrics.yaml_files(ROOT / "data" / "nlu"):
        digest.update(file.relative_to(ROOT).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:12]


def configurations(only: Sequence[str]) -> dict[str, Path]:
    found = {"ours": ROOT / "config.yml", **{p.stem: p for p in sorted(CONFIGS.glob("*.yml"))}}
    if not only:
        return found
    missing = [name for name in only if name not in found]
    if missing:
        raise SystemExit(f"no configuration named {', '.join(missing)} (have: {', '.join(found)})")
    return {name: found[name] for name in only}  # in the order asked: cheap ones first, say


def description(config: Path) -> str:
    """The first comment line of a configuration says what it is."""
    for line in config.read_text().splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""


def notes(config: Path) -> list[str]:
    """`# note: ...` lines of a configuration: what is known of a run not finished (yet)."""
    return [line.split(":", 1)[1].strip() for line in config.read_text().splitlines() if line.startswith("# note:")]


def children_cpu_seconds() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def train(config: Path, nlu: Path, out: Path, name: str) -> tuple[float, float]:
    """Trains an NLU-only model; returns the wall-clock and CPU seconds it took (the CPU time
    hardly moves when the machine is shared, the wall-clock time does)."""
    started, cpu_before = time.monotonic(), children_cpu_seconds()
    subprocess.run(
        [
            RASA,
            "train",
            "nlu",
            "--config",
            str(config),
            "--nlu",
            str(nlu),
            "--domain",
            "domain.yml",
            "--out",
            str(out),
            "--fixed-model-name",
            name,
            "--quiet",
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.monotonic() - started, children_cpu_seconds() - cpu_before


def folds(examples: list[dict[str, Any]], k: int, seed: int = 7) -> list[list[dict[str, Any]]]:
    """k folds stratified by intent: each intent's examples dealt round-robin after a fixed shuffle."""
    by_intent: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for example in examples:
        by_intent[example["gold"]].append(example)
    parts: list[list[dict[str, Any]]] = [[] for _ in range(k)]
    rng = random.Random(seed)
    for intent in sorted(by_intent):
        group = sorted(by_intent[intent], key=lambda e: e["text"])
        rng.shuffle(group)
        for i, example in enumerate(group):
            parts[i % k].append(example)
    return parts


def write_nlu(examples: list[dict[str, Any]], path: Path) -> None:
    """Training examples back to Rasa YAML, with their entity annotations, and all of data/'s
    lookup tables, regexes and synonyms: a fold leaves out examples, not knowledge (as Rasa's
    own cross-validation, rasa.nlu.test.generate_folds, keeps them in every fold)."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    everything = load_data(str(ROOT / "data" / "nlu"))
    fold = TrainingData(
        training_examples=[Message(data=e["message"]) for e in examples],
        entity_synonyms=everything.entity_synonyms,
        regex_features=everything.regex_features,
        lookup_tables=everything.lookup_tables,
    )
    path.write_text(RasaYAMLWriter().dumps(fold))


def training_examples() -> list[dict[str, Any]]:
    from rasa.shared.nlu.training_data.loading import load_data

    examples = []
    for file in nlu_metrics.yaml_files(ROOT / "data" / "nlu"):
        for message in load_data(str(file)).intent_examples:
            examples.append(
                {
                    "text": message.get("text"),
                    "gold": message.get_full_intent(),
                    "gold_entities": sorted(nlu_metrics.spans(message.get("entities") or [])),
                    "kind": "cv",
                    "message": message.as_dict(),
                }
            )
    return examples


def cross_validate(config: Path, k: int, work: Path, jobs: int = 1) -> dict[str, Any]:
    """k-fold cross-validation; `jobs` folds train at once (a slow configuration on 2 cores)."""
    examples = training_examples()
    parts = folds(examples, k)
    for i in range(k):
        write_nlu([e for j, part in enumerate(parts) if j != i for e in part], work / f"fold{i}.yml")

    def train_fold(i: int) -> None:
        train(config, work / f"fold{i}.yml", work, f"fold{i}")
        print(f"    fold {i + 1}/{k} trained", flush=True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(train_fold, range(k)))
    records: list[dict[str, Any]] = []
    for i, test in enumerate(parts):
        records += nlu_metrics.parse_examples(str(work / f"fold{i}.tar.gz"), test, progress=False)
    return nlu_metrics.score(records)


def cross_validate_only(name: str, config: Path, k: int, jobs: int) -> dict[str, Any]:
    """Adds the cross-validation to a result measured before (its held-out and dev scores kept)."""
    path = RESULTS / f"{name}.json"
    if not path.exists():
        raise SystemExit(f"{name}: no result under {RESULTS} yet; run it without --cv-only first")
    result = json.loads(path.read_text())
    with tempfile.TemporaryDirectory(prefix=f"compare-nlu-{name}-cv-") as tmp:
        print(f"{name}: {k}-fold cross-validation, {jobs} at once", flush=True)
        result["cv"] = cross_validate(config, k, Path(tmp), jobs)
    if result.get("training_data") != training_data_fingerprint():
        print(f"{name}: its other figures were measured on other training data; run it again whole")
    return result


def evaluate(name: str, config: Path, k: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"compare-nlu-{name}-") as tmp:
        work = Path(tmp)
        print(f"{name}: training", flush=True)
        seconds, cpu_seconds = train(config, ROOT / "data" / "nlu", work, name)
        model = str(work / f"{name}.tar.gz")
        agent = nlu_metrics.load_agent(model)
        result = {
            "name": name,
            "description": description(config),
            "train_seconds": seconds,
            "train_cpu_seconds": cpu_seconds,
            "model_mb": os.path.getsize(model) / 1e6,
            "training_data": training_data_fingerprint(),
        }
        for label, path in (("held_out", HELD_OUT), ("dev", DEV)):
            print(f"{name}: scoring {label}", flush=True)
            examples = nlu_metrics.load_examples(path)
            result[label] = nlu_metrics.score(nlu_metrics.parse_examples(agent, examples, progress=False))
        save(result)  # a long cross-validation that is stopped keeps the scores so far
        if k > 1:
            print(f"{name}: {k}-fold cross-validation", flush=True)
            result["cv"] = cross_validate(config, k, work)
    return result


def save(result: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{result['name']}.json").write_text(json.dumps(result, indent=2, default=str))


def cell(result: dict[str, Any], subset: str, figure: str) -> str:
    value = (result.get(subset) or {}).get(figure)
    if value is None:
        return "—"
    return f"{value:.1%}" if figure in LOWER_IS_BETTER else f"{value:.3f}"


def training_cost(result: dict[str, Any]) -> float:
    """CPU seconds where measured (results before them have the wall-clock time only)."""
    return result.get("train_cpu_seconds") or result["train_seconds"]


def beats(ours: dict[str, Any], other: dict[str, Any]) -> list[str]:
    """The figures on which `ours` is not at least as good as `other`."""
    worse = []
    for title, subset, figure in COLUMNS:
        a, b = (ours.get(subset) or {}).get(figure), (other.get(subset) or {}).get(figure)
        if a is None or b is None:
            continue
        if (a > b) if figure in LOWER_IS_BETTER else (a < b):
            worse.append(title)
    if training_cost(ours) > training_cost(other):
        worse.append("training time")
    return worse


def markdown(
    results: list[dict[str, Any]], k: int, missing: Sequence[str] = (), notes_of: dict[str, list[str]] | None = None
) -> str:
    lines = [
        "# NLU pipeline comparison",
        "",
        "Written by `make compare-nlu` (scripts/compare_nlu.py): every configuration trained on",
        "`data/` on this machine (2 cores) and scored by the gate's scorer on the held-out set",
        "(`tests/nlu/held_out/`, written independently of the training data), the development",
        "data (`tests/nlu/dev/`: CLINC150 validation and a fifth of Banking77, never trained on)",
        f"and {k}-fold cross-validation on the training data. *Off-topic → action* is the share",
        "of off-topic messages taken for an intent that starts something (purchase, refund, order",
        "status, handoff, booking, opt-out...); *→ FAQ*, the share answered with an FAQ.",
        "*Training* is one training on all of `data/`: wall-clock seconds, and CPU seconds (which",
        "hardly move when the machine is shared; ours is held to under 5 minutes on 2 cores).",
        "",
    ]
    header = ["configuration", "training (s)", "training CPU (s)", "model (MB)"] + [c[0] for c in COLUMNS]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in results:
        row = [
            f"**{r['name']}**" if r["name"] == "ours" else r["name"],
            f"{r['train_seconds']:.0f}",
            f"{r['train_cpu_seconds']:.0f}" if r.get("train_cpu_seconds") else "—",
            f"{r['model_mb']:.0f}",
        ] + [cell(r, s, f) for _, s, f in COLUMNS]
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "## The configurations", ""]
    lines += [
        f"- **{r['name']}**: {r['description']}"
        + (f". Its scores: {r['reconstructed']}." if r.get("reconstructed") else "")
        for r in results
    ]
    if missing:
        lines += [
            "",
            "Not measured yet (no result under docs/nlu-results/; run `make compare-nlu "
            f"ONLY=...`): {', '.join(missing)}.",
        ]
        lines += [f"- {name}: {note}" for name in missing for note in (notes_of or {}).get(name, [])]
    current = training_data_fingerprint()
    stale = [r["name"] for r in results if r.get("training_data") != current]
    if stale:
        lines += [
            "",
            f"Measured on other training data than `data/nlu/` holds now: {', '.join(stale)} "
            "(run `make compare-nlu ONLY=...` again).",
        ]
    ours = next((r for r in results if r["name"] == "ours"), None)
    if ours:
        lines += ["", "## Where ours does not beat another", ""]
        for r in results:
            if r is not ours:
                worse = beats(ours, r)
                lines.append(f"- {r['name']}: " + (", ".join(worse) if worse else "nowhere"))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=int(os.environ.get("FOLDS", 3)))
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--doc", type=Path, default=DOC)
    parser.add_argument("--cv-only", action="store_true", help="add the cross-validation to results measured before")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("JOBS", 1)), help="folds trained at once")
    args = parser.parse_args(argv)
    nlu_metrics.quiet_rasa()
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name, config in configurations(args.only).items():
        if args.cv_only:
            result = cross_validate_only(name, config, args.folds, args.jobs)
        else:
            result = evaluate(name, config, args.folds)
        save(result)
        print(
            f"{name}: trained in {result['train_seconds']:.0f} s; held-out in-scope "
            f"{cell(result, 'held_out', 'in_scope_accuracy')}, off-topic → action "
            f"{cell(result, 'held_out', 'off_topic_false_accept')}",
            flush=True,
        )
    write_doc(args.doc, args.folds)
    print(f"written to {args.doc.relative_to(ROOT) if args.doc.is_relative_to(ROOT) else args.doc}")
    return 0


def write_doc(doc: Path, k: int) -> None:
    """The table of every configuration measured so far, so --only refreshes one row."""
    names = list(configurations([]))
    results = [json.loads((RESULTS / f"{n}.json").read_text()) for n in names if (RESULTS / f"{n}.json").exists()]
    missing = [n for n in names if not (RESULTS / f"{n}.json").exists()]
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(markdown(results, k, missing, {n: notes(configurations([n])[n]) for n in missing}))


if __name__ == "__main__":
    sys.exit(main())
