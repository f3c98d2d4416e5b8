"""The erasure API of the web app (web/privacy.py), started for real."""

import secrets

import pytest
import requests
from sqlalchemy import func, select

from shop.db import session_scope
from shop.models import Contact, Lead
from tests.support import database
from tests.support.web_app import RasaStandIn, WebApp

TOKEN = secrets.token_hex(16)


@pytest.fixture(scope="module")
def app(seeded_template, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("privacy")
    path = workdir / "shop.db"
    database.copy_database(seeded_template, path)
    env = {"PRIVACY_API_TOKEN": TOKEN, "TRACKER_STORE_URL": f"sqlite:///{workdir / 'tracker.db'}"}
    web = WebApp(workdir, f"sqlite:///{path}", RasaStandIn(secrets.token_hex(8)), extra_env=env)
    yield web
    web.stop()


def erase(app, body, token=TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(f"{app.url}/privacy/api/erase", json=body, headers=headers, timeout=30)


def test_an_erasure_needs_the_token(app):
    assert erase(app, {"sender_id": "x"}, token=None).status_code == 401
    assert erase(app, {"sender_id": "x"}, token="wrong").status_code == 401


@pytest.mark.parametrize("body", [{}, {"sender_id": ""}, {"email": "not an email"}, {"sender_id": 5}, [], "x"])
def test_an_erasure_names_someone(app, body):
    answer = erase(app, body)
    assert answer.status_code == 400 and "sender_id" in answer.json()["error"]


def test_an_erasure_deletes_the_contact_and_says_what_went(app):
    with session_scope(app.db_url) as session:
        session.add(Contact(sender_id="to-forget", email="forget@example.com"))
        session.add(Lead(sender_id="to-forget", email="forget@example.com", need="a CRM"))
    answer = erase(app, {"email": "forget@example.com"})
    assert answer.status_code == 200
    erased = answer.json()["erased"]
    assert erased["contacts"] == 1 and erased["leads"] == 1
    with session_scope(app.db_url) as session:
        assert session.scalar(select(func.count()).select_from(Contact).where(Contact.sender_id == "to-forget")) == 0
