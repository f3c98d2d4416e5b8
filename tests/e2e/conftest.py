import pytest

from tests.e2e.servers import MODEL, Servers


@pytest.fixture(scope="session")
def servers(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` (make test does it first)")
    running = Servers(tmp_path_factory.mktemp("e2e")).start()
    yield running
    running.stop()
