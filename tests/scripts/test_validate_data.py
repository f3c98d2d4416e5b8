"""scripts/validate_data.py on a small project written in a temp dir: each check finds what it
should, at the right file and line, and nothing on clean data."""

import textwrap
from pathlib import Path

from scripts.validate_data import (
    Finding,
    main,
    normalized,
    read_examples,
    run_checks,
    split_allowed,
    strip_annotations,
)

DOMAIN = """\
version: "3.1"
intents:
  - greet
  - purchase
  - faq
  - refund
entities:
  - product
  - color
  - quantity
slots:
  email:
    type: text
    mappings:
      - type: from_text
forms:
  purchase_form:
    required_slots: [email]
actions:
  - action_place_order
  - validate_purchase_form
  - action_forgotten
  - action_sent_by_code
responses:
  utter_greet:
    - text: hi
  utter_ask_email:
    - text: email?
  utter_faq/shipping:
    - text: 3 days
  utter_from_code:
    - text: sent by an action
  utter_orphan:
    - text: nobody sends me
"""
RULES = """\
version: "3.1"
rules:
  - rule: greet
    steps:
      - intent: greet
      - action: utter_greet
  - rule: faq
    steps:
      - intent: faq
      - action: utter_faq
  - rule: buy
    steps:
      - intent: purchase
      - action: purchase_form
      - active_loop: purchase_form
      - action: action_place_order
"""
ACTIONS = """\
from rasa_sdk import Action

class ActionPlaceOrder(Action):
    def name(self):
        return "action_place_order"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_from_code")
        return [FollowupAction("action_sent_by_code")]

class ActionForgotten(Action):
    def name(self) -> str:
        return "action_forgotten"
"""
CATALOG = """\
products:
  - name: Hoodie
    synonyms: [hooded sweatshirt]
    variants:
      - {color: red, size: M, stock: 1}
"""


def nlu(*blocks: str) -> str:
    return 'version: "3.1"\nnlu:\n' + "".join(textwrap.dedent(b) for b in blocks)


def intent(name: str, *examples: str) -> str:
    return f"- intent: {name}\n  examples: |\n" + "".join(f"    - {e}\n" for e in examples)


def make_project(root: Path, nlu_files: dict, held_out: dict | None = None) -> Path:
    (root / "data" / "nlu").mkdir(parents=True)
    (root / "data" / "rules").mkdir()
    (root / "seed").mkdir()
    (root / "actions").mkdir()
    (root / "tests" / "nlu" / "held_out").mkdir(parents=True)
    (root / "domain.yml").write_text(DOMAIN)
    (root / "config.yml").write_text("pipeline: []\npolicies: []\n")
    (root / "data" / "rules" / "general.yml").write_text(RULES)
    (root / "seed" / "catalog.yml").write_text(CATALOG)
    (root / "actions" / "orders.py").write_text(ACTIONS)
    for name, text in nlu_files.items():
        (root / "data" / "nlu" / name).write_text(text)
    for name, text in (held_out or {}).items():
        (root / "tests" / "nlu" / "held_out" / name).write_text(text)
    return root


def ten(prefix: str):
    return [f"{prefix} number {i}" for i in range(10)]


CLEAN = {
    "general.yml": nlu(intent("greet", *ten("hello there")), intent("refund", *ten("refund my order"))),
    "shopping.yml": nlu(
        intent("purchase", *ten("buy a [hoodie](product)"), "buy [two](quantity) of them"),
        intent("faq/shipping", *ten("how long does shipping take")),
    ),
}


def by_check(findings):
    out = {}
    for f in findings:
        out.setdefault(f.check, []).append(f)
    return out


def test_clean_project_has_only_the_unused_response_and_action(tmp_path):
    findings = by_check(run_checks(make_project(tmp_path, CLEAN)))
    assert set(findings) == {"unused_response", "unused_action"}
    # utter_ask_email (form), utter_faq/shipping (utter_faq step), utter_from_code (action code),
    # validate_purchase_form (form), action_sent_by_code (FollowupAction) are all used.
    assert [(f.key, f.file, f.line) for f in findings["unused_response"]] == [("utter_orphan", "domain.yml", 33)]
    # Its own `def name(): return "action_forgotten"` does not count as a use.
    assert [(f.key, f.line) for f in findings["unused_action"]] == [("action_forgotten", 22)]


def test_same_example_under_two_intents_names_both_places(tmp_path):
    files = dict(CLEAN)
    files["orders.yml"] = nlu(intent("refund", "hello there number 3"))
    findings = by_check(run_checks(make_project(tmp_path, files)))["duplicate"]
    assert len(findings) == 1
    assert (findings[0].file, findings[0].line) == ("data/nlu/orders.yml", 5)
    assert "data/nlu/general.yml:8" in findings[0].message


def test_near_duplicates_by_normalized_text_and_by_word_set(tmp_path):
    files = dict(CLEAN)
    files["orders.yml"] = nlu(intent("refund", "Hello, there number 1!", "number 2 there hello"))
    findings = by_check(run_checks(make_project(tmp_path, files)))["near_duplicate"]
    assert [(f.file, f.line) for f in findings] == [("data/nlu/orders.yml", 5), ("data/nlu/orders.yml", 6)]


def test_too_few_examples_points_at_the_domain_intent(tmp_path):
    files = dict(CLEAN)
    files["general.yml"] = nlu(intent("greet", *ten("hello there")), intent("refund", "refund my order"))
    findings = by_check(run_checks(make_project(tmp_path, files)))["too_few"]
    assert [(f.key, f.file, f.line) for f in findings] == [("refund", "domain.yml", 6)]
    assert "1 training examples" in findings[0].message


def test_an_intent_triggered_through_rasas_api_needs_no_examples(tmp_path):
    root = make_project(tmp_path, dict(CLEAN))
    domain = root / "domain.yml"
    domain.write_text(domain.read_text().replace("intents:\n", "intents:\n  - EXTERNAL_reminder\n  - EXTRA\n", 1))
    findings = by_check(run_checks(root))["too_few"]
    assert [f.key for f in findings] == ["EXTRA"]


def test_entity_left_unannotated_in_a_similar_example(tmp_path):
    files = dict(CLEAN)
    files["shopping.yml"] = nlu(
        intent(
            "purchase",
            *ten("buy a [hoodie](product)"),
            "buy [two](quantity) of them",
            "buy two of them now",
            "buy it in two weeks",
        ),
        intent("faq/shipping", *ten("how long does shipping take")),
    )
    findings = by_check(run_checks(make_project(tmp_path, files)))["unannotated"]
    # "two of them" shares the neighbour "of"; "in two weeks" shares none and is left alone.
    assert [(f.line, f.key) for f in findings] == [(16, "buy two of them now|two")]


def test_product_or_color_unknown_to_the_catalog(tmp_path):
    files = dict(CLEAN)
    files["shopping.yml"] = nlu(
        intent(
            "purchase",
            *ten("buy a [hoodie](product)"),
            "a [hooded sweatshirts](product)",
            "in [Red](color)",
            "a [parka](product)",
            "in [teal](color)",
        ),
        intent("faq/shipping", *ten("how long does shipping take")),
    )
    findings = by_check(run_checks(make_project(tmp_path, files)))["unknown_catalog"]
    # Synonyms, their plurals and any case are known.
    assert [(f.line, f.key) for f in findings] == [(17, "parka"), (18, "teal")]


def test_held_out_example_also_in_training_data(tmp_path):
    held_out = {"typos.yml": nlu(intent("greet", "hi there", "HELLO there number 4"))}
    findings = by_check(run_checks(make_project(tmp_path, CLEAN, held_out)))["leak"]
    assert [(f.file, f.line) for f in findings] == [("tests/nlu/held_out/typos.yml", 6)]


def test_main_fails_on_findings_and_the_allow_list_lets_deliberate_ones_pass(tmp_path, capsys):
    root = make_project(tmp_path, CLEAN)
    assert main(["--root", str(root)]) == 1
    assert "domain.yml:33: [unused_response]" in capsys.readouterr().out
    (root / "scripts").mkdir()
    (root / "scripts" / "validate_data_allow.yml").write_text(
        "- check: unused_response\n  key: utter_orphan\n  why: sent by the web app\n"
        "- check: unused_action\n  key: action_forgotten\n  why: called over the HTTP API\n"
        "- check: leak\n  key: gone\n  why: stale\n"
    )
    assert main(["--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "clean (2 allowed" in out and "no longer found" in out


def test_read_examples_keeps_lines_and_skips_synonyms_and_comments(tmp_path):
    path = tmp_path / "x.yml"
    path.write_text(
        'version: "3.1"\nnlu:\n- synonym: S\n  examples: |\n    - small\n'
        "- intent: greet\n  # a comment\n  examples: |\n    # not an example\n    - hi [there](thing)\n\n"
        '    - "quoted"\n- regex: r\n  examples: |\n    - \\d+\n'
    )
    examples = read_examples(path, tmp_path)
    assert [(e.line, e.label, e.text) for e in examples] == [(10, "greet", "hi there"), (12, "greet", '"quoted"')]
    assert examples[0].entities == ((3, 8, "thing", "there"),)


def test_strip_annotations_and_normalized():
    assert strip_annotations('[two](quantity) [red]{"entity": "color"} [M](size:M) ok') == (
        "two red M ok",
        ((0, 3, "quantity", "two"), (4, 7, "color", "red"), (8, 9, "size", "M")),
    )
    assert normalized("  Where's   my ORDER?! ") == "wheres my order"


def test_split_allowed():
    f = Finding("leak", "a.yml", 1, "m", "k")
    kept, allowed, stale = split_allowed(
        [f], [{"check": "leak", "key": "k", "why": "w"}, {"check": "leak", "key": "other", "why": "w"}]
    )
    assert (kept, allowed, [e["key"] for e in stale]) == ([], [f], ["other"])


def test_read_examples_of_the_list_form_review_writes(tmp_path):
    path = tmp_path / "review.yml"
    path.write_text(
        'version: "3.1"\nnlu:\n- intent: faq/returns\n  examples:\n  # corrected; confidence 0.58\n'
        '  - text: "are you guys open sundays"\n  - text: |\n      buy [two](quantity)\n'
        "- intent: greet\n  examples: |\n    - hi\n"
    )
    assert [(e.line, e.label, e.text) for e in read_examples(path, tmp_path)] == [
        (6, "faq/returns", "are you guys open sundays"),
        (7, "faq/returns", "buy two"),
        (11, "greet", "hi"),
    ]


def test_a_layout_the_line_reader_misses_is_a_finding(tmp_path):
    files = dict(CLEAN)
    files["flow.yml"] = 'version: "3.1"\nnlu:\n- {intent: refund, examples: "- money back\\n- refund it\\n"}\n'
    findings = by_check(run_checks(make_project(tmp_path, files)))["unreadable"]
    assert [(f.file, f.message.split(" with")[0]) for f in findings] == [("data/nlu/flow.yml", "read 0 of 2 examples")]


def test_a_response_mentioned_by_another_response_is_used(tmp_path):
    root = make_project(tmp_path, CLEAN)
    domain = (
        (root / "domain.yml")
        .read_text()
        .replace(
            "  utter_greet:\n    - text: hi\n",
            "  utter_greet:\n    - text: hi\n      buttons:\n        - {title: more, payload: utter_orphan}\n",
        )
    )
    (root / "domain.yml").write_text(domain)
    assert "unused_response" not in by_check(run_checks(root))
