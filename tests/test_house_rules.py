"""The layout's rules, read from the code itself (see the README's architecture section):
the core imports no framework, the web app and the Rasa plugins stand on the core and not on
the action server, the plugins touch no database, and the customer's words live in domain.yml."""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from shop.settings import PROJECT_ROOT

FRAMEWORKS = ("rasa", "rasa_sdk", "sanic")
DATABASE = ("sqlalchemy", "shop.db", "shop.models", "sqlite3")


def modules(folder: str) -> list[Path]:
    return sorted((PROJECT_ROOT / folder).rglob("*.py"))


def imported(path: Path) -> Iterator[tuple[int, str]]:
    """Every module a file imports, at the top or inside a function."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def is_within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def offending(folder: str, packages: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(PROJECT_ROOT)}:{line}: imports {module}"
        for path in modules(folder)
        for line, module in imported(path)
        if is_within(module, packages)
    ]


def test_the_core_imports_no_framework():
    assert offending("shop", FRAMEWORKS) == []


@pytest.mark.parametrize("folder", ["web", "addons"])
def test_the_web_app_and_the_rasa_plugins_do_not_stand_on_the_action_server(folder):
    assert offending(folder, ("actions",)) == []


def test_the_rasa_plugins_open_no_database():
    assert offending("addons", DATABASE) == []


def test_the_rules_see_imports_wherever_they_are(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import os\n\ndef late():\n    from rasa_sdk import Action\n    import sanic.response\n")
    assert [m for _, m in imported(sample) if is_within(m, FRAMEWORKS)] == ["rasa_sdk", "sanic.response"]


def words_in_python(path: Path) -> list[int]:
    """Lines where utter_message is given a text, or keywords it cannot see (**message) and no
    response; **values beside a response only fill its placeholders."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "utter_message":
            names = {k.arg for k in node.keywords}
            if node.args or "text" in names or (None in names and "response" not in names):
                lines.append(node.lineno)
    return sorted(lines)


def test_the_customer_reads_responses_of_the_domain_not_python_strings():
    found = {
        f"{path.relative_to(PROJECT_ROOT)}:{line}"
        for folder in ("actions", "addons", "web", "shop")
        for path in modules(folder)
        for line in words_in_python(path)
    }
    assert found == set(), "say it with a response in domain.yml: utter_message(response=..., **values)"


def test_the_words_rule_sees_text_and_unseen_keywords(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "d.utter_message(text='hi')\nd.utter_message(response='utter_hi', name=n)\nd.utter_message(**message)\n"
        "d.utter_message(response='utter_noted', **values)\n"
    )
    assert words_in_python(sample) == [1, 3]
