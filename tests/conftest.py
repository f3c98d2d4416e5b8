"""Shared fixtures of the unit tests: a seeded SQLite shop per test, trackers, the domain."""

import warnings
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from shop import settings
from shop.settings import PROJECT_ROOT
from tests.support import database, trackers

# --------------------------------------------------------------------------- database


@pytest.fixture(autouse=True)
def _no_default_database(request, monkeypatch):
    """A unit test that forgot `shop_db` fails loudly instead of writing to var/shop.db."""
    if request.node.get_closest_marker("e2e"):
        yield
        return
    monkeypatch.delenv("SHOP_DB_URL", raising=False)
    monkeypatch.setitem(settings.DEFAULTS, "SHOP_DB_URL", "no_shop_db_in_this_test://")
    yield


@pytest.fixture(autouse=True)
def _state_in_tmp(tmp_path, monkeypatch):
    """What the channels keep across restarts (shop/shared_state.py) goes to the test's own folder."""
    monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("REDIS_URL", raising=False)
    # No webhook, CRM or email of the developer's own setup: a test starts its own stand-ins.
    for name in ("WEBHOOK_URL", "WEBHOOK_SECRET", "HUBSPOT_TOKEN", "HUBSPOT_BASE_URL", "SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory) -> Path:
    """A database file made by shop.seed.seed() once per test run."""
    path = tmp_path_factory.mktemp("shop-template") / "shop.db"
    database.seed_database(f"sqlite:///{path}")
    return path


@pytest.fixture
def shop_db(seeded_template, tmp_path, monkeypatch) -> str:
    """A fresh SQLite file database in tmp_path with the demo catalog and orders; the actions'
    session_scope() uses it through SHOP_DB_URL. Returns the URL.

    Each test gets its own file, a copy of a database seeded by shop.seed.seed(url) at
    the start of the run: seeding is ~0.25 s of ORM work, copying ~1 ms, and tests/test_seed.py
    seeds brand-new files itself."""
    path = tmp_path / "shop.db"
    database.copy_database(seeded_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("SHOP_DB_URL", url)
    return url


@pytest.fixture(autouse=True)
def _no_rep_calendars(tmp_path, monkeypatch):
    """No rep has a CalDAV calendar unless the test gives one (tests/support/caldav.py)."""
    monkeypatch.setenv("REP_CALENDARS", str(tmp_path / "no-calendars.yml"))


@pytest.fixture(scope="session")
def radicale(tmp_path_factory):
    """A real CalDAV server (Radicale) for the whole run; each test makes its own calendars."""
    from tests.support.caldav import Radicale

    server = Radicale(tmp_path_factory.mktemp("radicale"), CALDAV_USERS).start()
    yield server
    server.stop()


CALDAV_USERS = {"olivia": "olivia-caldav-secret", "marcus": "marcus-caldav-secret"}


# --------------------------------------------------------------------------- domain


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """The assistant's domain as the action server receives it."""
    from rasa.shared.core.domain import Domain

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Rasa 2 -> 3 migration hints
        return Domain.load(str(PROJECT_ROOT / "domain.yml")).as_dict()


@pytest.fixture
def make_tracker():
    """Builds a rasa_sdk Tracker: make_tracker(slots=..., intent=..., entities=..., text=...,
    events=..., active_loop=...). The same function is trackers.make_tracker."""
    return trackers.make_tracker


@pytest.fixture
def form_tracker():
    """Builds the tracker a form validation action gets; see trackers.form_tracker."""
    return trackers.form_tracker


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


# --------------------------------------------------------------------------- real servers


@pytest.fixture(scope="session")
def inbox_config(tmp_path_factory):
    """End-to-end runs happen at any hour: the inbox teams are always in, and its clocks are fast
    (reassign after 3 s, back to the bot after 20 s) so the sweep can be watched."""
    from tests.support.web_app import write_always_open_inbox

    return write_always_open_inbox(
        tmp_path_factory.mktemp("inbox") / "inbox.yml", reassign_after_seconds=3, return_to_bot_after_minutes=1 / 3
    )


@pytest.fixture(scope="session")
def graph():
    """The local stand-in of Facebook's Graph API that the Messenger channel replies to."""
    from tests.support.messenger import GraphStandIn

    with GraphStandIn() as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
def twilio():
    """The local stand-in of Twilio's Messages API that the SMS and WhatsApp channels reply to."""
    from tests.support.twilio import TwilioStandIn

    with TwilioStandIn() as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
def servers(tmp_path_factory, inbox_config, graph, twilio):
    """The action server and the Rasa server with the trained model, started once per run (the
    model takes ~100 s to load): REST, the web chat, Messenger (replying to `graph`), SMS and
    WhatsApp (replying to `twilio`; Twilio signs a public URL, not the local one), with credentials
    made by scripts/make_credentials.py as `make run` makes them."""
    from scripts.make_credentials import main as make_credentials
    from tests.support.messenger import E2E_MESSENGER_ENV
    from tests.support.servers import MODEL, Servers
    from tests.support.twilio import E2E_PUBLIC_URL, E2E_TWILIO_ENV

    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` (make test does it first)")
    workdir = tmp_path_factory.mktemp("e2e")
    env = {"INBOX_CONFIG": str(inbox_config), "FACEBOOK_GRAPH_API_URL": graph.url, **E2E_MESSENGER_ENV}
    env |= {**E2E_TWILIO_ENV, "TWILIO_API_BASE_URL": twilio.url, "TWILIO_WEBHOOK_BASE_URL": E2E_PUBLIC_URL}
    # No rep calendar until a test lists some there (read at each look-up: no restart needed).
    (workdir / "calendars.yml").write_text("reps: {}\n")
    env |= {"REP_CALENDARS": str(workdir / "calendars.yml")}
    env |= {f"CALDAV_PASSWORD_{user.upper()}": password for user, password in CALDAV_USERS.items()}
    credentials = workdir / "credentials.yml"
    assert make_credentials([str(credentials)], env=env) == 0
    running = Servers(workdir, extra_env=env, credentials=credentials)
    try:
        yield running.start()
    finally:
        running.stop()
