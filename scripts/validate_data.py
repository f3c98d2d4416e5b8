"""Our checks of the training data beyond `rasa data validate`; each finding names file and line.

  duplicate         the same example under two intents
  near_duplicate    two intents with the same text once lower-cased and stripped of punctuation
                    and spacing, or with the same set of words
  too_few           an intent of domain.yml with fewer than MIN_EXAMPLES training examples
  unannotated       an entity value annotated in one example appears unannotated in another
                    example of the same intent
  unknown_catalog   a product or color annotated that seed/catalog.yml (names, synonyms, plurals,
                    variant colors) does not know, so the catalog matcher never finds it
  unused_response   a domain response no rule, story, form, action code or other response uses
  unused_action     a domain action no rule, story, form, config or other action code triggers
  leak              a held-out or dev example (tests/nlu/held_out, tests/nlu/dev) also in data/
  unreadable        a file whose examples this script reads fewer or more of than YAML does

Everything is keyed by hashes of normalized text, so 10,000 examples take well under a second.
Deliberate exceptions go in scripts/validate_data_allow.yml (check, key, why). Exit 1 on any
finding not allowed there.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent

MIN_EXAMPLES = 10
CATALOG_ENTITIES = ("product", "color")
ALLOW_FILE = "scripts/validate_data_allow.yml"
# Responses Rasa's own default actions send (action_default_fallback, action_default_ask_rephrase).
RASA_DEFAULT_RESPONSES = {"utter_default", "utter_ask_rephrase"}
# Rasa's annotation syntax: [text](entity), [text](entity:value), [text]{"entity": ...}.
ENTITY_RE = re.compile(r"\[(?P<text>[^\]]+?)\](?:\((?P<entity>[^:)]+?)(?::(?P<value>[^)]+))?\)|\{(?P<json>[^}]+?)\})")
JSON_ENTITY_RE = re.compile(r'"entity"\s*:\s*"([^"]+)"')
WORD_RE = re.compile(r"[\w'’-]+")
PUNCT_RE = re.compile(r"[^\w\s]")


@dataclass(frozen=True)
class Example:
    file: str
    line: int
    label: str  # intent, or faq/<key>
    text: str  # without annotations
    entities: tuple[tuple[int, int, str, str], ...]  # (start, end, entity, surface text)


@dataclass(frozen=True)
class Finding:
    check: str
    file: str
    line: int
    message: str
    key: str  # what the allow-list matches: the example's text or the name

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: [{self.check}] {self.message}"


# --------------------------------------------------------------------------- reading with lines


def strip_annotations(annotated: str) -> tuple[str, tuple[tuple[int, int, str, str], ...]]:
    """Plain text and (start, end, entity, surface) spans of an annotated example."""
    plain: list[str] = []
    entities = []
    pos = length = 0
    for match in ENTITY_RE.finditer(annotated):
        before = annotated[pos : match.start()]
        plain.append(before)
        length += len(before)
        surface = match.group("text")
        entity = match.group("entity")
        if entity is None:
            found = JSON_ENTITY_RE.search(match.group("json") or "")
            entity = found.group(1) if found else "?"
        entities.append((length, length + len(surface), entity.strip(), surface))
        plain.append(surface)
        length += len(surface)
        pos = match.end()
    plain.append(annotated[pos:])
    return "".join(plain), tuple(entities)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def read_examples(path: Path, root: Path = ROOT) -> list[Example]:
    """The examples under every intent with their line numbers (Rasa's loader keeps none): the
    `- text` lines of an `examples: |` block, or the `- text: ...` items of an `examples:` list
    (the form results/review.yml uses). Synonyms, regexes and lookups are not examples."""
    rel = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    examples = []
    label: str | None = None
    block_indent: int | None = None  # indentation of the `examples:` key while inside it
    as_list = False  # `examples:` followed by `- text:` items rather than a `|` block
    pending: int | None = None  # line of a `- text: |` whose text is on the next line
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = raw.strip()
        indent = len(raw) - len(raw.lstrip())
        if block_indent is not None:
            if not stripped or stripped.startswith("#"):
                continue
            if indent > block_indent or (as_list and indent == block_indent and stripped.startswith("- text")):
                if label is None:
                    continue
                if pending is not None:
                    text, entities = strip_annotations(stripped)
                    examples.append(Example(rel, pending, label, text, entities))
                    pending = None
                elif as_list:
                    item = re.match(r"^-\s+text\s*:\s*(.*)$", stripped)
                    if item and item.group(1).strip() in ("|", "|-", ">", ">-", ""):
                        pending = number
                    elif item:
                        text, entities = strip_annotations(_unquote(item.group(1)))
                        examples.append(Example(rel, number, label, text, entities))
                elif stripped.startswith("- "):
                    text, entities = strip_annotations(stripped[2:].strip())
                    examples.append(Example(rel, number, label, text, entities))
                continue
            block_indent = None
        item = re.match(r"^-\s+(intent|synonym|regex|lookup)\s*:\s*(.+?)\s*$", stripped)
        if item and indent == 0:
            label = _unquote(item.group(2)) if item.group(1) == "intent" else None
            continue
        key = re.match(r"^(?:-\s+)?examples\s*:\s*(\|[-+]?)?\s*$", stripped)
        if key:
            block_indent, as_list, pending = indent, key.group(1) is None, None
    return examples


def yaml_example_count(path: Path) -> int:
    """How many intent examples a YAML parser sees, to catch a layout read_examples misreads."""
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    count = 0
    for item in document.get("nlu") or []:
        if not isinstance(item, dict) or "intent" not in item:
            continue
        examples = item.get("examples") or []
        if isinstance(examples, str):
            count += sum(1 for line in examples.splitlines() if line.strip().startswith("- "))
        else:
            count += len(examples)
    return count


def check_readable(files: Iterable[Path], examples: Sequence[Example], root: Path) -> list[Finding]:
    found: dict[str, int] = defaultdict(int)
    for example in examples:
        found[example.file] += 1
    findings = []
    for path in files:
        rel = str(path.relative_to(root))
        expected = yaml_example_count(path)
        if found[rel] != expected:
            findings.append(
                Finding(
                    "unreadable",
                    rel,
                    1,
                    f"read {found[rel]} of {expected} examples with their "
                    "lines: write them as `examples: |` blocks of `- text` lines",
                    rel,
                )
            )
    return findings


def nlu_files(folder: Path) -> list[Path]:
    if not folder.exists():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.suffix in (".yml", ".yaml") and p.is_file() and "nlu:" in p.read_text(encoding="utf-8")
    )


# --------------------------------------------------------------------------- keys


def normalized(text: str) -> str:
    """Lower case, no punctuation, single spaces: "Where's my order?!" -> "wheres my order"."""
    return " ".join(PUNCT_RE.sub("", text.lower()).split())


def token_set(text: str) -> frozenset:
    return frozenset(normalized(text).split())


def _where(example: Example) -> str:
    return f"{example.file}:{example.line}"


# --------------------------------------------------------------------------- the checks


def check_duplicates(training: Sequence[Example]) -> list[Finding]:
    """Exact, normalized and same-word-set texts under more than one label; one finding per
    later example, pointing at the first one of another label."""
    findings = []
    reported: set[tuple[str, int]] = set()
    for check, key_of in (
        ("duplicate", lambda e: e.text.strip()),
        ("near_duplicate", lambda e: normalized(e.text)),
        ("near_duplicate", lambda e: token_set(e.text)),
    ):
        first_by_key: dict[Any, dict[str, Example]] = defaultdict(dict)
        for example in training:
            key = key_of(example)
            if not key:
                continue
            first_by_key[key].setdefault(example.label, example)
        for by_label in first_by_key.values():
            if len(by_label) < 2:
                continue
            first, *others = sorted(by_label.values(), key=lambda e: (e.file, e.line))
            for other in others:
                if (other.file, other.line) in reported:
                    continue
                reported.add((other.file, other.line))
                how = "is also" if check == "duplicate" else "is nearly the same as"
                findings.append(
                    Finding(
                        check,
                        other.file,
                        other.line,
                        f'"{other.text}" ({other.label}) {how} "{first.text}" under {first.label} ({_where(first)})',
                        normalized(other.text),
                    )
                )
    return findings


# Rasa's convention for intents triggered through its API (trigger_intent), never typed: no examples.
EXTERNAL_PREFIX = "EXTERNAL_"


def check_too_few(
    training: Sequence[Example], intents: dict[str, int], domain_file: str, minimum: int = MIN_EXAMPLES
) -> list[Finding]:
    counts: dict[str, int] = defaultdict(int)
    for example in training:
        counts[example.label.split("/")[0]] += 1
    return [
        Finding(
            "too_few",
            domain_file,
            line,
            f"intent {intent} has {counts[intent]} training examples (at least {minimum})",
            intent,
        )
        for intent, line in intents.items()
        if counts[intent] < minimum and not intent.startswith(EXTERNAL_PREFIX)
    ]


def _contexts(words: Sequence[str], start: int, n: int) -> tuple[str, str]:
    """The word before and after words[start:start+n], "^" and "$" at the edges."""
    return (words[start - 1] if start > 0 else "^", words[start + n] if start + n < len(words) else "$")


def check_unannotated(training: Sequence[Example]) -> list[Finding]:
    """Per label, a surface text annotated somewhere and left bare in another example with the
    same word before or after it ("[two](quantity) of them" / "two of them", but not "in two
    weeks"): numbers and "one" are too common to flag every bare occurrence."""
    findings = []
    by_label: dict[str, list[Example]] = defaultdict(list)
    for example in training:
        by_label[example.label].append(example)
    for label, examples in by_label.items():
        # {words: {"left": {...}, "right": {...}, "pairs": {...}, "first": (entity, example)}}
        annotated: dict[tuple[str, ...], dict[str, Any]] = {}
        tokenized = []
        for example in examples:
            matches = list(WORD_RE.finditer(example.text))
            words = [m.group().lower() for m in matches]
            tokenized.append((example, matches, words))
            for start, end, entity, _surface in example.entities:
                inside = [i for i, m in enumerate(matches) if m.start() >= start and m.end() <= end]
                if not inside:
                    continue
                key = tuple(words[inside[0] : inside[-1] + 1])
                left, right = _contexts(words, inside[0], len(key))
                seen = annotated.setdefault(
                    key, {"left": set(), "right": set(), "pairs": set(), "first": (entity, example)}
                )
                seen["left"].add(left)
                seen["right"].add(right)
                seen["pairs"].add((left, right))
        if not annotated:
            continue
        longest = max(len(words) for words in annotated)
        for example, matches, words in tokenized:
            spans = [(s, e) for s, e, _, _ in example.entities]
            for i in range(len(words)):
                for n in range(1, min(longest, len(words) - i) + 1):
                    seen = annotated.get(tuple(words[i : i + n]))
                    if not seen:
                        continue
                    start, end = matches[i].start(), matches[i + n - 1].end()
                    if any(s < end and start < e for s, e in spans):
                        continue
                    left, right = _contexts(words, i, n)
                    # A shared real neighbour, or both texts being the bare value; an edge alone
                    # says nothing ("[12](size)" at the end vs "a team of 12").
                    if not (
                        (left != "^" and left in seen["left"])
                        or (right != "$" and right in seen["right"])
                        or ((left, right) == ("^", "$") and ("^", "$") in seen["pairs"])
                    ):
                        continue
                    entity, where = seen["first"]
                    surface = example.text[start:end]
                    findings.append(
                        Finding(
                            "unannotated",
                            example.file,
                            example.line,
                            f'"{surface}" is not annotated in "{example.text}" ({label}) but is {entity} in '
                            f'"{where.text}" ({_where(where)})',
                            f"{normalized(example.text)}|{surface.lower()}",
                        )
                    )
    return findings


def matcher_phrases_function(source: Path = ROOT / "addons" / "catalog_entity_extractor.py") -> Any:
    """The catalog matcher's own catalog_phrases(), taken from its source: importing the module
    imports Rasa (about 6 s), and a copy of the function would drift from the matcher."""
    tree = ast.parse(source.read_text(encoding="utf-8"))
    wanted = [
        node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name in ("catalog_phrases", "_forms")
    ]
    namespace: dict[str, Any] = {}
    exec("from typing import Any, Dict, Iterable, List\n", namespace)  # the names its annotations use
    exec(compile(ast.Module(body=wanted, type_ignores=[]), str(source), "exec"), namespace)
    return namespace["catalog_phrases"]


def catalog_vocabulary(catalog_path: Path) -> dict[str, set[str]]:
    """{entity: phrases} exactly as the catalog matcher knows them."""
    with open(catalog_path, encoding="utf-8") as handle:
        catalog = yaml.safe_load(handle) or {}
    return {entity: set(phrases) for entity, phrases in matcher_phrases_function()(catalog).items()}


def check_catalog(examples: Iterable[Example], vocabulary: dict[str, set[str]]) -> list[Finding]:
    findings = []
    for example in examples:
        for _start, _end, entity, surface in example.entities:
            phrase = " ".join(surface.lower().split())
            if entity in CATALOG_ENTITIES and phrase not in vocabulary.get(entity, set()):
                findings.append(
                    Finding(
                        "unknown_catalog",
                        example.file,
                        example.line,
                        f'{entity} "{surface}" is not in the catalog (names, synonyms, colors)',
                        phrase,
                    )
                )
    return findings


def check_leaks(training: Sequence[Example], evaluation: Sequence[Example]) -> list[Finding]:
    seen: dict[str, Example] = {}
    for example in training:
        seen.setdefault(normalized(example.text), example)
    findings = []
    for example in evaluation:
        twin = seen.get(normalized(example.text))
        if twin:
            findings.append(
                Finding(
                    "leak",
                    example.file,
                    example.line,
                    f'"{example.text}" is also training data ({_where(twin)}, {twin.label})',
                    normalized(example.text),
                )
            )
    return findings


# --------------------------------------------------------------------------- responses and actions


def _names(items: Any) -> list[str]:
    """Names of a domain list (`- name` or `- name: {...}`) or mapping."""
    if isinstance(items, dict):
        return [str(k) for k in items]
    out = []
    for item in items or []:
        out.extend([str(k) for k in item] if isinstance(item, dict) else [str(item)])
    return out


def domain_lines(domain_file: Path) -> dict[tuple[str, str], int]:
    """{(section, name): line} for the top-level sections' entries."""
    lines: dict[tuple[str, str], int] = {}
    section = None
    for number, raw in enumerate(domain_file.read_text(encoding="utf-8").splitlines(), start=1):
        top = re.match(r"^([a-z_]+)\s*:", raw)
        if top:
            section = top.group(1)
            continue
        entry = re.match(r"^\s{0,4}(?:-\s+)?([A-Za-z0-9_/]+)\s*:?\s*(?:\{.*\})?\s*$", raw)
        if section and entry and not raw.lstrip().startswith("#"):
            indent = len(raw) - len(raw.lstrip())
            if raw.lstrip().startswith("-") or indent == 2:
                lines.setdefault((section, entry.group(1)), number)
    return lines


def story_steps(files: Iterable[Path]) -> set[str]:
    """Every `action:` and `active_loop:` of the rules and stories."""
    used: set[str] = set()
    for path in files:
        for match in re.finditer(
            r"^\s*-?\s*(?:action|active_loop)\s*:\s*([A-Za-z0-9_/]+)", path.read_text(encoding="utf-8"), re.M
        ):
            used.add(match.group(1))
    return used


def code_references(files: Iterable[Path]) -> set[str]:
    """String literals in the code naming an action or response, except each action's own
    `def name(): return "..."` (which defines rather than uses it)."""
    used: set[str] = set()
    for path in files:
        source = re.sub(
            r"def name\(self\)[^:]*:\s*(?:\"\"\"[^\"]*\"\"\"\s*)?return\s+[\"'][^\"']+[\"']",
            "",
            path.read_text(encoding="utf-8"),
        )
        used.update(re.findall(r"[\"']((?:utter|action|validate)_[A-Za-z0-9_/]+)[\"']", source))
        # A name built in code ("utter_clarify_option_{}", f"utter_noted_{slot}"): its prefix + "*".
        used.update(p + "*" for p in re.findall(r"[\"']((?:utter|action)_[A-Za-z0-9_]*_)\{", source))
    return used


def check_unused(
    domain: dict[str, Any],
    lines: dict[tuple[str, str], int],
    domain_file: str,
    steps: set[str],
    code: set[str],
    config_text: str,
) -> list[Finding]:
    forms = domain.get("forms") or {}
    form_slots = {(form, slot) for form, spec in forms.items() for slot in (spec or {}).get("required_slots") or []}
    # Forms ask with utter_ask_<form>_<slot> or utter_ask_<slot>, or with action_ask_...; they
    # validate with validate_<form>; Rasa finds all of these by name.
    by_form = {f"utter_ask_{form}_{slot}" for form, slot in form_slots} | {
        f"action_ask_{form}_{slot}" for form, slot in form_slots
    }
    by_slot = {f"utter_ask_{slot}" for _, slot in form_slots} | {f"action_ask_{slot}" for _, slot in form_slots}
    # Rasa runs action_validate_slot_mappings every turn and action_session_start at each new session.
    validators = {f"validate_{form}" for form in forms} | {"action_validate_slot_mappings", "action_session_start"}
    used = steps | code | by_form | by_slot | validators | RASA_DEFAULT_RESPONSES
    used |= set(re.findall(r"(?:action|utter)_[A-Za-z0-9_]+", config_text))  # e.g. core_fallback_action_name

    responses = domain.get("responses") or {}
    # Names each response mentions (e.g. in a button payload), dumped once rather than per pair.
    mentioned_by = {
        name: set(re.findall(r"utter_[A-Za-z0-9_/]+", yaml.safe_dump(spec))) for name, spec in responses.items()
    }
    prefixes = tuple(u[:-1] for u in used if u.endswith("*"))
    findings = []
    for name in responses:
        retrieval = name.split("/")[0]  # utter_faq/shipping is sent by the utter_faq step
        if (
            name in used
            or retrieval in used
            or name.startswith(prefixes)
            or any(name in names for other, names in mentioned_by.items() if other != name)
        ):
            continue
        findings.append(
            Finding(
                "unused_response",
                domain_file,
                lines.get(("responses", name), 1),
                f"response {name} is used by no rule, story, form, action or response",
                name,
            )
        )
    for name in _names(domain.get("actions")):
        if name in used or name.startswith(prefixes):
            continue
        findings.append(
            Finding(
                "unused_action",
                domain_file,
                lines.get(("actions", name), 1),
                f"action {name} is triggered by no rule, story, form or other action",
                name,
            )
        )
    return findings


# --------------------------------------------------------------------------- the allow-list and main


def load_allow(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    for entry in entries:
        if not {"check", "key", "why"} <= set(entry):
            raise SystemExit(f"{path}: every entry needs check, key and why: {entry}")
    return entries


def split_allowed(
    findings: Sequence[Finding], allow: Sequence[dict[str, str]]
) -> tuple[list[Finding], list[Finding], list[dict[str, str]]]:
    """(not allowed, allowed, allow-list entries that matched nothing)."""
    allowed_keys = {(str(e["check"]), str(e["key"])) for e in allow}
    matched = {(f.check, f.key) for f in findings} & allowed_keys
    kept = [f for f in findings if (f.check, f.key) not in allowed_keys]
    allowed = [f for f in findings if (f.check, f.key) in allowed_keys]
    stale = [e for e in allow if (str(e["check"]), str(e["key"])) not in matched]
    return kept, allowed, stale


def run_checks(
    root: Path = ROOT,
    domain_path: str = "domain.yml",
    catalog_path: str = "seed/catalog.yml",
    evaluation_dirs: Sequence[str] = ("tests/nlu/held_out", "tests/nlu/dev"),
) -> list[Finding]:
    data = root / "data"
    training_files = nlu_files(data)
    evaluation_files = [path for folder in evaluation_dirs for path in nlu_files(root / folder)]
    training = [e for path in training_files for e in read_examples(path, root)]
    evaluation = [e for path in evaluation_files for e in read_examples(path, root)]
    domain_file = root / domain_path
    domain = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    lines = domain_lines(domain_file)
    intents = {name: lines.get(("intents", name), 1) for name in _names(domain.get("intents"))}
    story_files = [
        p
        for p in sorted(data.rglob("*.yml"))
        if re.search(r"^(rules|stories)\s*:", p.read_text(encoding="utf-8"), re.M)
    ]
    code_files = [
        path for folder in ("actions", "addons", "web", "shop") for path in sorted((root / folder).rglob("*.py"))
    ]
    config = root / "config.yml"

    findings: list[Finding] = check_readable(training_files + evaluation_files, training + evaluation, root)
    findings += check_duplicates(training)
    findings += check_too_few(training, intents, domain_path)
    findings += check_unannotated(training)
    # Held-out sets annotate what customers type, typos and products we do not sell included.
    findings += check_catalog(training, catalog_vocabulary(root / catalog_path))
    findings += check_unused(
        domain,
        lines,
        domain_path,
        story_steps(story_files),
        code_references(code_files),
        config.read_text(encoding="utf-8") if config.exists() else "",
    )
    findings += check_leaks(training, evaluation)
    print(
        f"checked {len(training)} training and {len(evaluation)} held-out/dev examples, "
        f"{len(intents)} intents, {len(domain.get('responses') or {})} responses, "
        f"{len(_names(domain.get('actions')))} actions"
    )
    return findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=str(ROOT), help="the project folder")
    parser.add_argument("--allow", default=ALLOW_FILE, help="the allow-list, relative to --root")
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()
    findings = run_checks(root)
    kept, allowed, stale = split_allowed(findings, load_allow(root / args.allow))
    by_check: dict[str, list[Finding]] = defaultdict(list)
    for finding in kept:
        by_check[finding.check].append(finding)
    for check, group in by_check.items():
        print(f"{check}: {len(group)}")
        for finding in sorted(group, key=lambda f: (f.file, f.line)):
            print(f"  {finding}")
    for entry in stale:
        print(f"note: {args.allow} allows {entry['check']} {entry['key']!r}, which is no longer found")
    if kept:
        print(f"data checks: {len(kept)} findings ({len(allowed)} allowed in {args.allow})")
        return 1
    print(f"data checks: clean ({len(allowed)} allowed in {args.allow})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
