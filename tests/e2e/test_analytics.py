"""The funnel fed for real: a set of conversations whose figures are known in advance, over REST,
the Rasa server publishing to its event broker (Rasa's SQL event broker, batched:
addons/event_broker.py), the consumer process (python -m shop.analytics) keeping the facts; then
every view of them: shop.analytics.metrics, the web app's JSON API, the dashboard in headless
Chromium, `make report`'s HTML, and Rasa's markers over the tracker store."""

import csv
import secrets
import subprocess
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
import requests
from sqlalchemy import func, select

from scripts import markers as rasa_markers
from shop.analytics.metrics import Filters, conversations_of, funnel
from shop.db import session_scope
from shop.models import ConversationEvent
from tests.shop.analytics.test_report import read as read_report
from tests.support.chromium import chromium
from tests.support.dashboard import figure, flow_cell, log_in, note, ready
from tests.support.servers import BIN, ROOT, Chat
from tests.support.web_app import WebApp, set_agent_password

pytestmark = pytest.mark.e2e

ALICE, PASSWORD = "alice@shop.example", "e2e-analytics-password"  # Alice has the analytics role
QUESTION = "how did I do?"  # the satisfaction question after an order
HOODIE_CENTS = 6500
# The set below, figure by figure: six conversations of one campaign on the REST channel, and
# two widget sessions opened for that campaign (no web conversation: REST is not the widget).
KNOWN = {
    "conversations": 6,
    "purchase": {"started": 3, "finished": 2, "completion_rate": 2 / 3, "abandoned_at": {"email": 1}},
    "orders": {"count": 2, "revenue_cents": 2 * HOODIE_CENTS},
    "handoffs": 1,
    "handoff_rate": 1 / 6,
    "handoff_reasons": {"customer_asked": 1},
    "opt_outs": {"conversations": 6, "opt_outs": 1, "rate": 1 / 6, "warning": True},
    "misunderstood": 2,
    "csat": {"asked": 2, "answered": 1, "average": 5.0},
    "engagement": {"widget_sessions": 2, "web_conversations": 0, "engagement_rate": 0.0},
}
# Sessions each of Rasa's markers (markers.yml) applied in, for the same set.
KNOWN_MARKERS = {
    "purchase_started": 3,
    "purchase_completed": 2,
    "refund_started": 0,
    "order_status_started": 0,
    "lead_qualified": 0,
    "meeting_booked": 0,
    "handoff_asked": 1,
    "csat_asked": 2,
    "csat_answered": 1,
    "misunderstood_twice": 1,
    "opted_out": 1,
}


def kept_for(servers, senders) -> int:
    with session_scope(servers.shop_db) as session:
        return session.scalar(select(func.count(ConversationEvent.id)).where(ConversationEvent.sender_id.in_(senders)))


def wait_until_kept(servers, chats, timeout=30):
    """Until the consumer has kept every customer's last message (it reads every 0.2 s)."""
    senders = [c.sender for c in chats]
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        now = kept_for(servers, senders)
        if now and now == last:
            return now
        last = now
        time.sleep(1.0)
    pytest.fail(f"the consumer kept {last} events of {senders}")


def buy(chat, size="M", finish=True) -> str:
    chat.say("I want to buy a hoodie")
    chat.say(size)
    chat.say("black")
    chat.say("1")
    if not finish:
        return ""
    chat.say(f"{chat.sender}@example.com")
    placed = chat.text("yes")
    assert "Your order A10" in placed and QUESTION in placed
    return placed


@pytest.fixture(scope="module")
def known_set(servers, tmp_path_factory):
    """The conversations of KNOWN, kept by the consumer, and the web app beside the servers (the
    funnel's API behind its token, Alice's password set), which the widget told of two opens."""
    campaign = f"e2e-{secrets.token_hex(3)}"  # this set's conversations only
    metadata = {"utm_campaign": campaign, "path": "/p/hoodie"}
    chats = [Chat(servers, metadata=metadata) for _ in range(6)]
    buyer1, buyer2, quitter, confused, wants_person, leaving = chats
    buy(buyer1)
    assert "Anything we could do better?" in buyer1.text("5")
    assert "Thanks for telling us" in buyer1.text("quick and easy")
    buy(buyer2, size="L")
    assert "Anything we could do better?" not in buyer2.text("no")  # will not rate
    buy(quitter, finish=False)  # stops when the email is asked
    confused.say("hi")
    confused.say("qwzx blorp vrrr")
    confused.say("zzkk flurb")
    wants_person.say("I want to talk to a person")
    leaving.say("hi")
    leaving.say("stop sending me messages")
    wait_until_kept(servers, chats)

    token = secrets.token_urlsafe(16)
    set_agent_password(servers.shop_db, ALICE, PASSWORD)
    web = WebApp(tmp_path_factory.mktemp("analytics-web"), servers.shop_db, servers, {"ANALYTICS_API_TOKEN": token})
    for _ in range(2):
        opened = {"session_id": secrets.token_hex(8), "page": "/p/hoodie", "campaign": campaign}
        assert requests.post(f"{web.url}/analytics/widget-opened", json=opened, timeout=10).status_code == 202
    today = datetime.now(timezone.utc).date()
    try:
        yield SimpleNamespace(
            campaign=campaign, chats=chats, web=web, token=token, start=today - timedelta(days=1), end=today
        )
    finally:
        web.stop()


def test_the_funnel_of_real_conversations(servers, known_set):
    with session_scope(servers.shop_db) as session:
        f = funnel(session, known_set.start, known_set.end, Filters(campaign=known_set.campaign))
    assert f["conversations"] == KNOWN["conversations"]
    assert f["flows"]["purchase"] == KNOWN["purchase"]
    assert f["orders"] == KNOWN["orders"]
    assert f["misunderstanding"]["misunderstood_messages"] == KNOWN["misunderstood"]
    texts = [row["text"] for row in f["misunderstanding"]["top_unrecognized"]]
    assert "qwzx blorp vrrr" in texts
    assert (f["handoffs"]["count"], f["handoffs"]["rate"]) == (KNOWN["handoffs"], KNOWN["handoff_rate"])
    assert f["opt_outs"] == {"rest": KNOWN["opt_outs"]}
    csat = f["csat"]
    assert (csat["asked"], csat["answered"], csat["average"]) == tuple(KNOWN["csat"].values())
    assert f["bot_response_seconds"]["count"] >= 15 and f["bot_response_seconds"]["median"] < 10
    # No customer's email reached the facts.
    with session_scope(servers.shop_db) as session:
        values = session.scalars(select(ConversationEvent.value).where(ConversationEvent.value.is_not(None)))
        assert not [v for v in values if "@example.com" in v]


def api_figures(known_set) -> dict:
    response = requests.get(
        f"{known_set.web.url}/analytics/api/funnel",
        params={"from": known_set.start.isoformat(), "to": known_set.end.isoformat(), "campaign": known_set.campaign},
        headers={"Authorization": f"Bearer {known_set.token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


def report_text(servers, known_set, out) -> str:
    """`make report FROM= TO= CAMPAIGN=` on the servers' shop database, as its reader sees it."""
    command = [str(BIN / "python"), "-m", "shop.analytics.report", "--from", known_set.start.isoformat()]
    command += ["--to", known_set.end.isoformat(), "--campaign", known_set.campaign, "--out", str(out)]
    done = subprocess.run(command, cwd=ROOT, env={**servers.env}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return read_report(out.read_text(encoding="utf-8")).text


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


def test_the_api_the_dashboard_and_the_report_show_the_known_figures(servers, known_set, browser, tmp_path):
    # The JSON API, for the shop's BI.
    f = api_figures(known_set)
    assert f["filters"] == {"campaign": known_set.campaign}
    assert f["conversations"] == KNOWN["conversations"]
    assert f["flows"]["purchase"] == KNOWN["purchase"]  # rates too: JSON keeps a float exactly
    assert f["orders"] == KNOWN["orders"]
    assert (f["handoffs"]["count"], f["handoffs"]["reasons"]) == (KNOWN["handoffs"], KNOWN["handoff_reasons"])
    assert f["handoffs"]["rate"] == KNOWN["handoff_rate"]
    assert f["opt_outs"] == {"rest": KNOWN["opt_outs"]}
    assert f["misunderstanding"]["misunderstood_messages"] == KNOWN["misunderstood"]
    assert {k: f["csat"][k] for k in KNOWN["csat"]} == KNOWN["csat"]
    assert {k: f[k] for k in KNOWN["engagement"]} == KNOWN["engagement"]

    # The dashboard in headless Chromium, Alice logged in, the range and campaign in its address.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
    page = context.new_page()
    try:
        query = f"from={known_set.start}&to={known_set.end}&campaign={known_set.campaign}"
        page.goto(f"{known_set.web.url}/analytics/?{query}")
        log_in(page, ALICE, PASSWORD)
        ready(page)
        shown = {
            key: figure(page, key).inner_text()
            for key in ("conversations", "engagement", "orders", "revenue", "handoff-rate", "opt-out-rate")
        }
        assert shown == {
            "conversations": "6",
            "engagement": "0%",
            "orders": "2",
            "revenue": "$130.00",
            "handoff-rate": "16.7%",
            "opt-out-rate": "16.7%",
        }
        assert note(page, "engagement").inner_text() == "0 web conversations of 2 chats opened"
        assert figure(page, "misunderstanding").inner_text() == "0.33"  # 2 messages in 6 conversations
        cells = ("started", "finished", "completion", "stopped")
        assert [flow_cell(page, "purchase", c).inner_text() for c in cells] == ["3", "2", "66.7%", "at email (1)"]
        assert page.locator('#csat [data-figure="csat"]').inner_text() == (
            "1 of 2 customers asked rated the chat (50%); average 5.0 of 5."
        )
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    finally:
        context.close()

    # The weekly report of the same range and campaign.
    text = report_text(servers, known_set, tmp_path / "report.html")
    for line in (
        "Conversations 6 begun in the period",
        "Chat engagement 0% 0 web conversations / 2 widget opens",
        "Orders 2 placed in the chat",
        "Revenue $130.00 of those orders",
        "Handoff rate 16.7% 1 handoffs to a person",
        "Not understood 0.33 messages per conversation",
        "Purchase 3 2 66.7% email (1)",
        "rest 6 1 16.7% above 3%: look into it",
        "customer asked 1",
        "1 of 2 customers asked rated the chat (50%); average 5.0 of 5.",
    ):
        assert line in text


def test_rasa_markers_count_what_the_funnel_counts(servers, known_set, tmp_path):
    """`make markers` over the Rasa server's tracker store: each marker's sessions among this set
    are the known ones, and the same as the funnel's (metrics.py) for the same conversations."""
    rasa_markers.evaluate(tmp_path / "markers", env=servers.env)
    senders = {c.sender for c in known_set.chats}
    with (tmp_path / "markers" / rasa_markers.EXTRACTED).open(newline="") as extracted:
        rows = [row for row in csv.DictReader(extracted) if row["sender_id"] in senders]
    counts = rasa_markers.sessions_per_marker(rows, rasa_markers.marker_names())
    assert counts == KNOWN_MARKERS

    with session_scope(servers.shop_db) as session:
        f = funnel(session, known_set.start, known_set.end, Filters(campaign=known_set.campaign))
        events = session.scalars(select(ConversationEvent).where(ConversationEvent.sender_id.in_(senders)))
        conversations = conversations_of(events)
    purchase = f["flows"]["purchase"]
    assert (counts["purchase_started"], counts["purchase_completed"]) == (purchase["started"], purchase["finished"])
    assert counts["handoff_asked"] == f["handoffs"]["count"]
    assert (counts["csat_asked"], counts["csat_answered"]) == (f["csat"]["asked"], f["csat"]["answered"])
    assert counts["opted_out"] == sum(c["opt_outs"] for c in f["opt_outs"].values())
    assert counts["lead_qualified"] == f["leads"]["qualified"]
    assert counts["meeting_booked"] == f["bookings"]["count"]
    assert counts["misunderstood_twice"] == sum(1 for c in conversations if c.misunderstood >= 2)
