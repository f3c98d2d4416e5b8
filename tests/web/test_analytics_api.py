"""The funnel's JSON API, the dashboard's page and the widget's report of an opened chat
(web/analytics.py), on the web app started for real, with conversation events the consumer
would have kept."""

import re
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
    refused = funnel(app, agent_headers(app, BEN))  # logged in, without the role
    assert refused.status_code == 403 and "analytics role" in refused.json()["error"]
    assert funnel(app, agent_headers(app, ALICE)).status_code == 200
    assert funnel(app, bearer(TOKEN)).status_code == 200


def test_the_dashboard_page_is_served_no_store_unframed_and_self_only(app):
    for path in ("/analytics/", "/analytics"):
        page = requests.get(app.url + path, timeout=10, allow_redirects=False)
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        assert page.headers["Cache-Control"] == "no-store"
        assert page.headers["X-Frame-Options"] == "DENY"
        policy = dict(part.strip().split(" ", 1) for part in page.headers["Content-Security-Policy"].split(";"))
        assert policy["default-src"] == "'none'"
        for directive in ("script-src", "style-src", "connect-src"):
            assert policy[directive] == "'self'", directive  # no inline code, nothing from elsewhere
        assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert '<script src="/static/vendor/chart.umd.js" defer></script>' in page.text
    assert '<script src="/static/analytics.js" defer></script>' in page.text
    assert "http://" not in page.text and "https://" not in page.text  # nothing loaded from elsewhere
    for asset in ("/static/analytics.js", "/static/analytics.css"):
        assert requests.get(app.url + asset, timeout=10).status_code == 200, asset


def test_the_vendored_chart_js_is_served(app):
    vendor = requests.get(app.url + "/static/vendor/chart.umd.js", timeout=10)
    assert vendor.status_code == 200, "web/static/vendor is built by `make web-assets` (part of make install)"
    assert "javascript" in vendor.headers["Content-Type"]
    assert re.search(r"Chart\.js v4\.\d+\.\d+", vendor.text[:300]) and "MIT License" in vendor.text[:300]


def test_me_says_who_is_logged_in_and_whether_they_have_the_role(app):
    assert requests.get(f"{app.url}/analytics/api/me", timeout=10).status_code == 401
    assert requests.get(f"{app.url}/analytics/api/me", headers=bearer(TOKEN), timeout=10).status_code == 401
    alice = requests.get(f"{app.url}/analytics/api/me", headers=agent_headers(app, ALICE), timeout=10).json()
    ben = requests.get(f"{app.url}/analytics/api/me", headers=agent_headers(app, BEN), timeout=10).json()
    assert alice["agent"] == {"name": "Alice Moreno", "email": ALICE, "analytics": True}
    assert ben["agent"]["email"] == BEN and ben["agent"]["analytics"] is False


def test_the_login_cookie_reaches_the_dashboard_and_logout_clears_it(app):
    with requests.Session() as browser:
        answer = browser.post(f"{app.url}/inbox/api/login", json={"email": ALICE, "password": PASSWORD}, timeout=10)
        paths = sorted(cookie.path for cookie in browser.cookies if cookie.name == "inbox_session")
        assert paths == ["/analytics", "/inbox"]
        assert all(c.has_nonstandard_attr("HttpOnly") for c in browser.cookies if c.name == "inbox_session")
        assert browser.get(f"{app.url}/analytics/api/funnel", timeout=30).status_code == 200
        assert browser.get(f"{app.url}/analytics/api/me", timeout=10).json()["agent"]["email"] == ALICE
        # Logging out from the dashboard: the cookie with the CSRF header (any value), as the page sends it.
        out = browser.post(f"{app.url}/inbox/api/logout", headers={"X-Requested-With": "analytics"}, timeout=10)
        assert out.status_code == 200
        cleared = [c for c in out.headers.get("Set-Cookie", "").split(", ") if c.startswith("inbox_session=")]
        assert len(cleared) == 2 and all("max-age=0" in c.lower() for c in cleared)
        assert not [c for c in browser.cookies if c.name == "inbox_session"]
        assert browser.get(f"{app.url}/analytics/api/funnel", timeout=30).status_code == 401
    assert answer.ok


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
