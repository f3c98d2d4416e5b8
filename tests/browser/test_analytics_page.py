"""The analytics dashboard (web/static/analytics.*) in headless Chromium, against the real web
app (python -m web) whose database holds a generated set of conversations of known figures
(tests/support/analytics.py, as the consumer would have kept them): log in with an inbox
account, read the figures, tables and charts, change the filters, and an agent without the
analytics role is refused. Screenshots: PNGs in the test's tmp dir."""

import re
import secrets
from datetime import datetime, time, timedelta, timezone
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from shop.analytics.feed import record_events
from shop.db import session_scope
from shop.models import CsatResponse, Handoff, Order, WidgetSession
from tests.support import database
from tests.support.analytics import Published, a_busy_day, order_status_told
from tests.support.dashboard import chart_data, figure, flow_cell, note, ready
from tests.support.dashboard import log_in as dashboard_log_in
from tests.support.web_app import RasaStandIn, WebApp, set_agent_password

PASSWORD = "analytics-dashboard-password"
ALICE, BEN = "alice@shop.example", "ben@shop.example"  # the analytics role; none
TODAY = datetime.now(timezone.utc).date()
# Whatever a customer wrote is shown as text, never run as markup.
INJECTED = "<img src=x onerror=window.__injected=1> where is it"


def moment(days_ago: int, hour: int, seconds: float = 0) -> datetime:
    """A naive UTC moment, as the shop's tables keep them."""
    return datetime.combine(TODAY - timedelta(days=days_ago), time(hour)) + timedelta(seconds=seconds)


def epoch(days_ago: int, hour: int) -> float:
    return moment(days_ago, hour).replace(tzinfo=timezone.utc).timestamp()


def generated() -> list[dict]:
    """Eight conversations two days and one day ago (inside the default last 30 days)."""
    conversations = [
        *a_busy_day(lambda hour: epoch(2, hour)),
        # Yesterday: an order status told, a greeting on Messenger, one message not understood.
        order_status_told("F", epoch(1, 9)),
        Published("G", epoch(1, 10), "facebook").session().says("hello", "greet").bot("utter_greet"),
        Published("H", epoch(1, 11)).session().says(INJECTED, "nlu_fallback").bot("utter_default"),
    ]
    return [e for c in conversations for e in c.events]


@pytest.fixture(scope="module")
def dashboard(seeded_template, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("dashboard")
    path = workdir / "shop.db"
    database.copy_database(seeded_template, path)
    db_url = f"sqlite:///{path}"
    for email in (ALICE, BEN):
        set_agent_password(db_url, email, PASSWORD)
    with session_scope(db_url) as session:
        record_events(session, generated())
        session.add(
            Order(reference="A9001", sender_id="A", email="a@b.co", total_cents=6500, placed_at=moment(2, 9, 30))
        )
        session.add(
            Handoff(
                sender_id="C",
                team="support",
                reason="customer_asked",
                status="closed",
                closed_by="agent",
                created_at=moment(2, 11, 10),
                first_reply_at=moment(2, 11, 40),
                closed_at=moment(2, 11, 310),
            )
        )
        # CSAT: A rated the purchase 4 with a comment that is markup; C was asked, no answer.
        comment = '<img src=x onerror="window.csatHacked=1">too slow'
        session.add(CsatResponse(sender_id="A", outcome="order", asked_at=moment(2, 9, 40), rating=4, comment=comment))
        session.add(CsatResponse(sender_id="C", outcome="agent_closed", asked_at=moment(2, 11, 320)))
        for i, (page, campaign, days_ago) in enumerate(
            [("/p/hoodie", "winter", 2), ("/p/hoodie", None, 2), ("/", None, 2), ("/", None, 1)]
        ):
            session.add(
                WidgetSession(session_id=f"w{i}-dash", opened_at=moment(days_ago, 8), page=page, campaign=campaign)
            )
    rasa = RasaStandIn(secrets.token_hex(8))
    app = WebApp(workdir, db_url, rasa)
    yield SimpleNamespace(url=app.url, db_url=db_url, app=app)
    app.stop()
    rasa.stop()


@pytest.fixture
def shot(tmp_path):
    """shot(page, "name") saves <tmp dir>/<name>.png (the whole page) and returns its path."""

    def take(page, name: str):
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def watch_errors(page):
    """Uncaught script errors, console errors (CSP refusals among them) and failed requests,
    kept as 'METHOD path -> status' without the query."""
    errors = []
    page.on("pageerror", lambda problem: errors.append(f"pageerror: {problem}"))
    page.on(
        "console",
        lambda message: (
            errors.append(f"console: {message.text}")
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            errors.append(
                f"{response.request.method} {re.sub(r'^https?://[^/]+|[?].*$', '', response.url)} -> {response.status}"
            )
            if response.status >= 400
            else None
        ),
    )
    return errors


def log_in(page, email: str) -> None:
    dashboard_log_in(page, email, PASSWORD)


def test_alice_reads_the_funnel_and_filters_it(dashboard, browser, shot):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
    page = context.new_page()
    errors = watch_errors(page)
    try:
        page.goto(f"{dashboard.url}/analytics/")
        expect(page.get_by_role("heading", name="Analytics", exact=True)).to_be_visible()
        expect(page.locator("#dashboard-view")).to_be_hidden()
        log_in(page, ALICE)
        expect(page.locator("#agent-name")).to_have_text("Alice Moreno")
        ready(page)

        # The last 30 days by default (UTC days).
        expect(page.get_by_label("From", exact=True)).to_have_value((TODAY - timedelta(days=29)).isoformat())
        expect(page.get_by_label("To", exact=True)).to_have_value(TODAY.isoformat())
        expect(page.locator("#summary")).to_contain_text("8 conversations begun from")
        expect(page.locator("#summary")).to_contain_text("on all channels")

        # The headline figures, as computed for the generated set.
        expected = {
            "conversations": "8",
            "engagement": "50%",  # 2 web conversations of 4 chats opened
            "orders": "1",
            "revenue": "$65.00",
            "handoff-rate": "12.5%",
            "opt-out-rate": "12.5%",
            "misunderstanding": "0.38",  # 3 messages in 8 conversations
            "pipeline": "12.5%",
            "bot-response": "0.51 s p95 0.53 s",  # 20 answers 0.5 s after the last action or slot (0.01 s each)
            "agent-response": "30 s p95 30 s",
        }
        for key, value in expected.items():
            expect(figure(page, key)).to_have_text(value)
        expect(note(page, "engagement")).to_have_text("2 web conversations of 4 chats opened")
        expect(note(page, "opt-out-rate")).to_have_text("⚠ Above 3% on Web chat (50%)")
        expect(page.locator('[data-figure="opt-out-rate"]')).to_have_class(re.compile(r"\bfigure-warning\b"))
        expect(note(page, "agent-response")).to_contain_text("resolved in 5 min (p95 5 min)")

        # The funnel: its table and its chart.
        expect(flow_cell(page, "purchase", "started")).to_have_text("2")
        expect(flow_cell(page, "purchase", "finished")).to_have_text("1")
        expect(flow_cell(page, "purchase", "completion")).to_have_text("50%")
        expect(flow_cell(page, "purchase", "stopped")).to_have_text("at email (1)")
        expect(flow_cell(page, "refund", "completion")).to_have_text("—")
        expect(flow_cell(page, "booking", "completion")).to_have_text("100%")
        assert chart_data(page, "#funnel-chart") == [[2, 0, 1, 1, 1], [1, 0, 1, 1, 1]]
        expect(page.locator("#funnel-chart")).to_be_visible()

        # Each daily metric over time: 30 days, the data two days ago and yesterday.
        panels = page.locator("#daily figure.daily")
        expect(panels).to_have_count(7)
        expect(page.locator('#daily [data-metric="conversations"] .total')).to_have_text("8")
        expect(page.locator('#daily [data-metric="orders"] .total')).to_have_text("1")
        conversations_per_day = chart_data(page, '#daily [data-metric="conversations"] canvas')
        assert conversations_per_day == [[0] * 27 + [5, 3, 0]]
        assert chart_data(page, '#daily [data-metric="misunderstood"] canvas') == [[0] * 27 + [2, 1, 0]]

        # Lead grades, handoff reasons, opt-outs per channel.
        expect(page.locator('[data-table="grades"] tbody tr')).to_have_count(1)
        expect(page.locator('[data-table="grades"] tr[data-key="hot"] td')).to_have_text(["1", "100%"])
        expect(page.locator('[data-table="reasons"] tr[data-key="customer_asked"]')).to_contain_text(
            "The customer asked for a person"
        )
        web = page.locator('[data-table="opt-outs"] tr[data-channel="socketio"]')
        expect(web).to_have_class(re.compile(r"\bwarned\b"))
        expect(web.locator("td")).to_have_text(["2", "1", "50%above 3%"])
        expect(page.locator('[data-table="opt-outs"] tr[data-channel="rest"] .badge')).to_have_count(0)

        # CSAT: 1 of the 2 asked rated (4); the comment shown as text, never run.
        expect(page.locator('#csat [data-figure="csat"]')).to_have_text(
            "1 of 2 customers asked rated the chat (50%); average 4.0 of 5."
        )
        expect(page.locator('[data-table="csat-comments"] tbody td.message')).to_have_text(
            '<img src=x onerror="window.csatHacked=1">too slow'
        )
        assert page.evaluate("() => window.csatHacked") is None
        # The unrecognized messages, most frequent first, as text.
        rows = page.locator('[data-table="unrecognized"] tbody tr')
        expect(rows).to_have_count(2)
        expect(rows.nth(0).locator("td")).to_have_text(["1", "blorp", "2"])
        expect(rows.nth(1).locator("td")).to_have_text(["2", INJECTED, "1"])
        expect(page.locator("#unrecognized img")).to_have_count(0)
        assert page.evaluate("window.__injected") is None
        desktop = shot(page, "1-desktop-all")

        # A channel: the figures of the web chat only; the address keeps the filter.
        page.get_by_label("Channel", exact=True).select_option("socketio")
        expect(figure(page, "conversations")).to_have_text("2")
        ready(page)
        expect(flow_cell(page, "purchase", "completion")).to_have_text("100%")
        expect(figure(page, "orders")).to_have_text("1")
        expect(page.locator("#unrecognized")).to_have_text("Every message in this range was understood.")
        expect(page.locator("#summary")).to_contain_text("2 conversations begun from")
        expect(page.locator("#summary")).to_contain_text("on Web chat")
        assert "channel=socketio" in page.url
        assert chart_data(page, "#funnel-chart") == [[1, 0, 0, 0, 0], [1, 0, 0, 0, 0]]

        # A campaign (typed, then Enter) on all channels.
        page.get_by_label("Channel", exact=True).select_option("")
        expect(figure(page, "conversations")).to_have_text("8")
        page.get_by_label("Campaign", exact=True).fill("winter")
        page.get_by_label("Campaign", exact=True).press("Enter")
        expect(figure(page, "conversations")).to_have_text("1")
        ready(page)
        expect(figure(page, "engagement")).to_have_text("100%")
        expect(figure(page, "revenue")).to_have_text("$65.00")
        expect(page.locator("#summary")).to_contain_text("campaign winter")

        # Messenger: a greeting and nothing else; a rate without data is a dash.
        page.get_by_label("Campaign", exact=True).fill("")
        page.get_by_label("Channel", exact=True).select_option("facebook")
        expect(figure(page, "conversations")).to_have_text("1")
        ready(page)
        expect(figure(page, "orders")).to_have_text("0")
        expect(figure(page, "engagement")).to_have_text("—")  # Messenger has no widget: no rate
        expect(note(page, "engagement")).to_have_text("no chat widget on this channel (it is on the web only)")
        expect(figure(page, "handoff-rate")).to_have_text("0%")
        expect(flow_cell(page, "purchase", "completion")).to_have_text("—")
        expect(page.locator("#funnel-empty")).to_be_visible()
        expect(page.locator("#grades")).to_have_text("No lead was qualified in this range.")

        # A range with nothing in it: empty states everywhere.
        page.get_by_label("Channel", exact=True).select_option("")
        page.get_by_label("From", exact=True).fill((TODAY - timedelta(days=60)).isoformat())
        page.get_by_label("To", exact=True).fill((TODAY - timedelta(days=40)).isoformat())
        expect(figure(page, "conversations")).to_have_text("0")
        ready(page)
        for key in ("engagement", "handoff-rate", "opt-out-rate", "misunderstanding", "pipeline", "bot-response"):
            expect(figure(page, key)).to_have_text(re.compile(r"^—( p95 —)?$"))
        expect(page.locator("#daily")).to_have_text("No conversations in this range.")
        expect(page.locator("#optouts")).to_have_text("No conversations in this range.")
        expect(page.locator("#unrecognized")).to_have_text("No messages in this range.")
        expect(note(page, "agent-response")).to_have_text("0 handoffs answered")
        expect(page.locator("#funnel-empty")).to_be_visible()
        empty = shot(page, "2-desktop-empty")

        # A range the server refuses: why, in words.
        after = (TODAY + timedelta(days=5)).isoformat()
        page.get_by_label("From", exact=True).fill(after)
        until = page.get_by_label("To", exact=True).input_value()
        expect(page.locator("#load-error")).to_have_text(
            f"The figures could not be read: from ({after}) is after to ({until})"
        )

        # Back to the last 30 days.
        page.get_by_role("button", name="Last 30 days").click()
        expect(figure(page, "conversations")).to_have_text("8")
        assert desktop.stat().st_size > 0 and empty.stat().st_size > 0
        assert errors == ["GET /analytics/api/me -> 401", "GET /analytics/api/funnel -> 400"]
    finally:
        context.close()


def test_the_dashboard_on_a_phone(dashboard, browser, shot):
    context = browser.new_context(
        viewport={"width": 375, "height": 812},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        reduced_motion="reduce",
    )
    page = context.new_page()
    errors = watch_errors(page)
    try:
        page.goto(f"{dashboard.url}/analytics/")
        log_in(page, ALICE)
        ready(page)
        expect(figure(page, "conversations")).to_have_text("8")
        shot(page, "3-phone")
        # Nothing is wider than the phone (a table may scroll inside its own box).
        sticking_out = page.evaluate(
            "[...document.querySelectorAll('body *')]"
            ".filter((e) => !e.closest('.table-wrap *') && e.getBoundingClientRect().right > 375)"
            ".map((e) => `${e.tagName}#${e.id}.${e.className}`)"
        )
        assert sticking_out == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        for selector in ("#filters", "#headline", "#funnel-chart", '#daily [data-metric="orders"]', "#unrecognized"):
            box = page.locator(selector).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 375, selector
        cards = page.locator("#headline .figure")
        first, second = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
        assert first["y"] == second["y"] and second["x"] > first["x"]  # two figures a row
        assert errors == ["GET /analytics/api/me -> 401"]
    finally:
        context.close()


def test_an_agent_without_the_role_is_refused(dashboard, browser, shot):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = watch_errors(page)
    try:
        page.goto(f"{dashboard.url}/analytics/")
        log_in(page, BEN)
        expect(page.get_by_role("heading", name="You need the analytics role")).to_be_visible()
        expect(page.locator("#refused-name")).to_have_text("Ben Carter (ben@shop.example)")
        expect(page.locator("#dashboard-view")).to_be_hidden()
        expect(page.locator("[data-figure]")).to_have_count(0)  # no figure ever reached the page
        # The API refuses Ben's session too.
        status = page.evaluate("fetch('/analytics/api/funnel').then((r) => r.status)")
        assert status == 403
        shot(page, "4-refused")
        page.get_by_role("button", name="Log out").click()
        expect(page.locator("#login-error")).to_have_text("You have logged out.")
        page.reload()
        expect(page.get_by_label("Password", exact=True)).to_be_visible()  # the session really ended
        assert errors == [
            "GET /analytics/api/me -> 401",
            "GET /analytics/api/funnel -> 403",
            "GET /analytics/api/me -> 401",
        ]
    finally:
        context.close()
