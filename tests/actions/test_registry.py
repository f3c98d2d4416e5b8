"""The action server serves exactly the custom actions the domain declares: no missing one,
and no helper base class registered as an action (that crashes the server at start)."""

from pathlib import Path

import yaml
from rasa_sdk.executor import ActionExecutor

ROOT = Path(__file__).resolve().parents[2]


def test_action_server_registers_exactly_the_domain_actions():
    executor = ActionExecutor()
    executor.register_package("actions")
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert sorted(executor.actions) == sorted(domain["actions"])
