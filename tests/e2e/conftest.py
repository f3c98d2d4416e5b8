import pytest

from tests.e2e.servers import MODEL, Servers
from tests.web_helpers import write_always_open_inbox

# End-to-end runs happen at any hour: the inbox teams are always in, and its clocks are fast
# (reassign after 3 s, back to the bot after 20 s) so the sweep can be watched.
@pytest.fixture(scope="session")
def inbox_config(tmp_path_factory):
    return write_always_open_inbox(tmp_path_factory.mktemp("inbox") / "inbox.yml",
                                   reassign_after_seconds=3, return_to_bot_after_minutes=1 / 3)


@pytest.fixture(scope="session")
def servers(tmp_path_factory, inbox_config):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` (make test does it first)")
    running = Servers(tmp_path_factory.mktemp("e2e"), extra_env={"INBOX_CONFIG": str(inbox_config)}).start()
    yield running
    running.stop()
