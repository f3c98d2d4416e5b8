import pytest
import yaml

from actions.shop.handoff_routing import INBOX_CONFIG_PATH
from tests.e2e.servers import MODEL, Servers

# End-to-end runs happen at any hour: the inbox teams are always in, and its clocks are fast
# (reassign after 3 s, back to the bot after 20 s) so the sweep can be watched.
ALWAYS_OPEN = {day: ["00:00", "24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture(scope="session")
def inbox_config(tmp_path_factory):
    config = yaml.safe_load(INBOX_CONFIG_PATH.read_text(encoding="utf-8"))
    for team in config["teams"].values():
        team["hours"] = ALWAYS_OPEN
    config["assignment"].update(reassign_after_seconds=3, return_to_bot_after_minutes=1 / 3)
    path = tmp_path_factory.mktemp("inbox") / "inbox.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def servers(tmp_path_factory, inbox_config):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` (make test does it first)")
    running = Servers(tmp_path_factory.mktemp("e2e"), extra_env={"INBOX_CONFIG": str(inbox_config)}).start()
    yield running
    running.stop()
