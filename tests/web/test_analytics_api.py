"""The funnel's JSON API and the widget's report of an opened chat (web/analytics.py), on the
web app started for real, with conversation events the consumer would have kept."""

import secrets
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import func, select

from shop.analytics.feed import record_events
from shop.clock import naive_now
from shop.db import session_scope
from shop.models import WidgetSession
from tests.support import database
from tests.support.analytics import Published
from tests.support.web_app import RasaStandIn, WebApp, set_agent_password

TOKEN = secrets.token_hex(16)
PASSWORD = "analytics-test-password"
ALICE, BEN = "alice@shop.example", "ben@shop.example"  # analytics role, none


@pytest.fixture(scope="module")
def app(seeded_template, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("analytics")
    path = workdir / "shop.db"
    database.copy_database(seeded_template, path)
    db_url = f"sqlite:///{path}"
    for email in (ALICE, BEN):
        set_agent_password(db_url, email, PASSWORD)
    now = datetime.now(timezone.utc).timestamp()
    with session_scope(db_url) as session:
        record_events(
            session,
            Published("web-1", now - 3600, "socketio", {"utm_campaign": "spring"})
            .session()
            .says("hi", "greet")
            .bot("utter_greet")
            .events
            + Published("rest-1", now - 3000).session().purchase().events,
        )
    rasa = RasaStandIn(secrets.token_hex(8))
    web = WebApp(workdir, db_url, rasa, extra_env={"ANALYTICS_API_TOKEN": TOKEN})
    yield web
    web.stop()
    rasa.stop()


def funnel(app, headers=None, **params):
    return requests.get(f"{app.url}/analytics/api/funnel", params=params, headers=headers or {}, timeout=30)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def agent_headers(app, email):
    answer = requests.post(f"{app.url}/inbox/api/login", json={"email": email, "password": PASSWORD}, timeout=10)
    assert answer.ok
    return bearer(answer.json()["token"])


def test_the_funnel_needs_the_token_or_the_analytics_role(app):
    assert funnel(app).status_code == 401
    assert funnel(app, bearer("wrong")).status_code == 401
    assert funnel(app, agent_headers(app, BEN)).status_code == 401  # an agent without the role
    assert funnel(app, agent_headers(app, ALICE)).status_code == 200
    assert funnel(app, bearer(TOKEN)).status_code == 200


def test_the_funnel_of_the_last_30_days_by_default_and_filtered(app):
    figures = funnel(app, bearer(TOKEN)).json()
    assert figures["conversations"] == 2
    assert figures["flows"]["purchase"] == {"started": 1, "finished": 1, "completion_rate": 1.0, "abandoned_at": {}}
    assert len(figures["daily"]) == 30
    spring = funnel(app, bearer(TOKEN), campaign="spring").json()
    assert spring["conversations"] == 1 and spring["filters"] == {"campaign": "spring"}
    assert funnel(app, bearer(TOKEN), channel="rest").json()["conversations"] == 1


@pytest.mark.parametrize(
    "params",
    [
        {"from": "yesterday"},
        {"to": "2026-13-01"},
        {"from": "2026-05-02", "to": "2026-05-01"},
        {"from": "2020-01-01", "to": "2026-01-01"},
    ],
)
def test_a_bad_range_is_a_400_saying_why(app, params):
    answer = funnel(app, bearer(TOKEN), **params)
    assert answer.status_code == 400 and answer.json()["error"]


def opened(app, body):
    return requests.post(f"{app.url}/analytics/widget-opened", json=body, timeout=10)


def test_an_opened_widget_is_counted_once_per_session(app):
    session_id = secrets.token_hex(8)
    assert opened(app, {"session_id": session_id, "page": "/p/hoodie", "campaign": "spring"}).status_code == 202
    assert opened(app, {"session_id": session_id, "page": "/p/hoodie"}).status_code == 202
    with session_scope(app.db_url) as session:
        rows = list(session.scalars(select(WidgetSession).where(WidgetSession.session_id == session_id)))
    assert [(r.page, r.campaign) for r in rows] == [("/p/hoodie", "spring")]
    today = (naive_now() + timedelta(minutes=1)).date().isoformat()
    figures = funnel(app, bearer(TOKEN), campaign="spring", to=today).json()
    assert figures["widget_sessions"] >= 1 and figures["engagement_rate"] is not None


@pytest.mark.parametrize(
    "body", [{}, {"session_id": "short"}, {"session_id": "x" * 65}, {"session_id": "a b c d e f g h"}, [], "x"]
)
def test_a_bad_widget_report_is_a_400(app, body):
    assert opened(app, body).status_code == 400


def test_widget_reports_are_limited_per_client(app):
    with session_scope(app.db_url) as session:
        before = session.scalar(select(func.count(WidgetSession.id)))
    answers = [opened(app, {"session_id": secrets.token_hex(8)}).status_code for _ in range(40)]
    assert 429 in answers and answers.count(202) <= 30
    with session_scope(app.db_url) as session:
        assert session.scalar(select(func.count(WidgetSession.id))) - before == answers.count(202)
