"""Writes the public intent data we train and measure on (CLINC150, Banking77) as Rasa NLU files.

Training examples go to data/nlu/public/, the development set to tests/nlu/dev/; the two never
share an example, and neither holds an example that our own data or the held-out set has. The
selection is deterministic (a hash of the text), so re-running it after new own examples only
drops the new collisions. Sources and licences: NOTICE.

    python scripts/import_public_intents.py [--source ../shared/data/public-intents]
"""

import argparse
import csv
import hashlib
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from re import Pattern

from scripts.validate_data import normalized  # the same sameness as `make validate`'s

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "public-intents"
TRAIN_DIR = ROOT / "data" / "nlu" / "public"
DEV_DIR = ROOT / "tests" / "nlu" / "dev"
OWN_DATA = ROOT / "data" / "nlu"
HELD_OUT = ROOT / "tests" / "nlu" / "held_out"

OUT_OF_SCOPE = "out_of_scope"
# The sources' intents that mean what ours mean; every other one is off-topic for a shop.
CLINC_TO_OURS = {
    "greeting": "greet",
    "goodbye": "goodbye",
    "yes": "affirm",
    "no": "deny",
    "thank_you": "thank",
    "are_you_a_bot": "bot_challenge",
    "order": "purchase",
    "order_status": "order_status",
    "cancel": "cancel",
    # "What can I ask you?" is answered by the off-topic reply, which says what the bot does.
    "what_can_i_ask_you": OUT_OF_SCOPE,
}
BANKING_TO_OURS = {"request_refund": "refund"}
# Near the shop's business, neither clearly ours nor clearly off-topic: not trained on.
# (The development set keeps them as the sources label them: off-topic.)
NOT_TRAINED = {"change_language", "Refund_not_showing_up", "transaction_charged_twice"}
# A request of another company's, of an intent the other-company guard overrules ("the status of
# my last amazon order"), is one the shop cannot act on: not trained. Orders stay ("order a
# case of coke from amazon" is a purchase: the catalog answers it).
COMPANIES_LOOKUP = "other_company"
# CLINC's own out-of-scope class holds a few shop requests ("i want to buy some ... game").
SHOP_WORDS = re.compile(r"\b(buy|order|purchase|shop|store|return|refund|deliver|ship)", re.I)

# Off-topic examples kept for training per source intent; in-scope ones are all kept.
OOS_PER_CLINC_INTENT = 25
OOS_PER_BANKING_INTENT = 15
BANKING_DEV_SHARE = 0.2  # Banking77 has only a train split: a fixed fifth of it is our dev set


def rank(text: str) -> float:
    """A stable pseudo-random number in [0, 1) per text: the same choice on every machine."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16) / 16**12


def clean(text: str) -> str | None:
    # Brackets and braces would be read as entity annotations in Rasa's YAML.
    text = " ".join(re.sub(r"[\[\]{}()]", " ", text).split())
    return text or None


def own_texts(paths: Iterable[Path]) -> dict[str, str]:
    """{normalized text: intent} of the NLU examples in these folders (annotations stripped)."""
    from rasa.shared.nlu.training_data.loading import load_data

    texts: dict[str, str] = {}
    for path in paths:
        if not path.exists():
            continue
        for file in sorted(path.rglob("*.yml")):
            if TRAIN_DIR in file.parents or DEV_DIR in file.parents:
                continue
            for example in load_data(str(file)).nlu_examples:
                texts.setdefault(normalized(example.get("text")), example.get("intent"))
    return texts


def clinc_rows(source: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    data = json.loads((source / "clinc150_train_val.json").read_text())
    train = [(t, i) for t, i in data["train"]] + [(t, "oos") for t, _ in data["oos_train"]]
    dev = [(t, i) for t, i in data["val"]] + [(t, "oos") for t, _ in data["oos_val"]]
    return train, dev


def banking_rows(source: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    with open(source / "banking77_train.csv", newline="") as handle:
        rows = [(r["text"], r["category"]) for r in csv.DictReader(handle)]
    dev = [row for row in rows if rank("banking77 " + row[0]) < BANKING_DEV_SHARE]
    train = [row for row in rows if rank("banking77 " + row[0]) >= BANKING_DEV_SHARE]
    return train, dev


def ours(intent: str, mapping: dict[str, str]) -> str:
    return mapping.get(intent, OUT_OF_SCOPE)


def other_companies() -> Pattern[str] | None:
    """The other companies' names of our lookup table, less the shop's partners, as the guard has them."""
    from rasa.shared.nlu.training_data.loading import load_data

    from addons.other_company_guard import OtherCompanyGuard, names_pattern

    path = OWN_DATA / "other_companies.yml"
    if not path.exists():
        return None
    tables = load_data(str(path)).lookup_tables
    names = [n for t in tables if t.get("name") == COMPANIES_LOOKUP for n in t.get("elements") or []]
    return names_pattern(names, OtherCompanyGuard.get_default_config()["partners"])


def guarded_intents() -> set[str]:
    """Our intents that the other-company guard turns into out_of_scope for another company's name."""
    from addons.other_company_guard import OtherCompanyGuard

    return set(OtherCompanyGuard.get_default_config()["intents"])


def select_training(
    rows: list[tuple[str, str]],
    mapping: dict[str, str],
    oos_per_intent: int,
    taken: dict[str, str],
    elsewhere: Pattern[str] | None = None,
) -> dict[str, list[str]]:
    """{our intent: texts}: every in-scope row, and the first `oos_per_intent` off-topic rows of
    each source intent by stable rank; rows that collide with a text already taken, and rows of
    an intent the guard overrules that name another company (`elsewhere`), are left out."""
    by_source: dict[str, list[str]] = defaultdict(list)
    for text, intent in rows:
        if intent in NOT_TRAINED:
            continue
        if elsewhere is not None and ours(intent, mapping) in guarded_intents() and elsewhere.search(text):
            continue
        if intent == "oos" and SHOP_WORDS.search(text):
            continue
        text = clean(text)
        if text:
            by_source[intent].append(text)
    selected: dict[str, list[str]] = defaultdict(list)
    for source_intent in sorted(by_source):
        target = ours(source_intent, mapping)
        texts = sorted(set(by_source[source_intent]), key=rank)
        if target == OUT_OF_SCOPE and source_intent not in mapping:
            texts = texts[:oos_per_intent]
        for text in texts:
            key = normalized(text)
            if key in taken:
                continue
            taken[key] = target
            selected[target].append(text)
    return selected


def select_dev(rows: list[tuple[str, str]], mapping: dict[str, str], taken: dict[str, str]) -> dict[str, list[str]]:
    selected: dict[str, list[str]] = defaultdict(list)
    seen: set[str] = set()
    for text, intent in rows:
        text = clean(text)
        if not text:
            continue
        key = normalized(text)
        if key in taken or key in seen:
            continue
        seen.add(key)
        selected[ours(intent, mapping)].append(text)
    return selected


def yaml_file(header: str, examples: dict[str, list[str]]) -> str:
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += ['version: "3.1"', "", "nlu:"]
    for intent in sorted(examples):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in examples[intent]]
        lines.append("")
    return "\n".join(lines)


CLINC_HEADER = """Derived from CLINC150 (Larson et al., "An Evaluation Dataset for Intent Classification and
Out-of-Scope Prediction", EMNLP 2019; github clinc/oos-eval), licensed CC BY 3.0: see NOTICE.
Written by scripts/import_public_intents.py: do not edit by hand. Labels mapped to our intents."""
BANKING_HEADER = """Derived from Banking77 (Casanueva et al., "Efficient Intent Detection with Dual Sentence
Encoders", 2020; github PolyAI-LDN/task-specific-datasets), licensed CC BY 4.0: see NOTICE.
Written by scripts/import_public_intents.py: do not edit by hand. Labels mapped to our intents."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args(argv)
    if not (args.source / "clinc150_train_val.json").exists():
        print(f"No public intent data under {args.source}", file=sys.stderr)
        return 2
    clinc_train, clinc_dev = clinc_rows(args.source)
    banking_train, banking_dev = banking_rows(args.source)
    # Our own examples and the held-out set win every collision.
    taken = own_texts([OWN_DATA, HELD_OUT])
    # Dev text never trained on: reserve it before the training selection.
    dev_keys = {normalized(t): "dev" for t, _ in clinc_dev + banking_dev}
    train_taken = {**dev_keys, **taken}
    elsewhere = other_companies()
    clinc = select_training(clinc_train, CLINC_TO_OURS, OOS_PER_CLINC_INTENT, train_taken, elsewhere)
    banking = select_training(banking_train, BANKING_TO_OURS, OOS_PER_BANKING_INTENT, train_taken, elsewhere)
    dev_taken = dict(taken)
    for selection in (clinc, banking):
        for texts in selection.values():
            dev_taken.update({normalized(t): "train" for t in texts})
    outputs = {
        TRAIN_DIR / "clinc150.yml": (CLINC_HEADER, clinc),
        TRAIN_DIR / "banking77.yml": (BANKING_HEADER, banking),
        DEV_DIR / "clinc150_val.yml": (
            CLINC_HEADER.replace("Labels", "Validation split; labels"),
            select_dev(clinc_dev, CLINC_TO_OURS, dev_taken),
        ),
        DEV_DIR / "banking77_dev.yml": (
            BANKING_HEADER.replace("Labels", "A fixed fifth of the train split, never trained on; labels"),
            select_dev(banking_dev, BANKING_TO_OURS, dev_taken),
        ),
    }
    for path, (header, examples) in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml_file(header, examples))
        counts = ", ".join(f"{i} {len(t)}" for i, t in sorted(examples.items()))
        print(f"{path.relative_to(ROOT)}: {sum(len(t) for t in examples.values())} ({counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
