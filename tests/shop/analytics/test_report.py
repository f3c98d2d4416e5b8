"""The HTML report (make report) of the generated set of known figures (test_metrics.py), with
one more conversation whose unrecognized message is markup: the figures are in it, escaped,
and every chart is a real PNG inside the file."""

import base64
import io
import os
import re
import struct
import subprocess
import sys
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from matplotlib.image import imread

from shop.analytics import report
from shop.analytics.feed import record_events
from shop.analytics.metrics import Filters, funnel
from shop.db import session_scope
from shop.models import CsatResponse, Handoff, Order, WidgetSession
from shop.settings import PROJECT_ROOT
from tests.shop.analytics import test_metrics as known
from tests.support.analytics import Published

START, END = known.START, known.START + timedelta(days=1)
MARKUP = '<script>alert("x")</script> & <b>'
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def report_db(shop_db):
    """test_metrics' set, and J: a message not understood that is markup, then a person."""
    markup = (
        Published("J", known.utc(1, 14))
        .session()
        .says(MARKUP, "nlu_fallback")
        .action("action_handle_misunderstanding")
        .bot("utter_default")
    )
    with session_scope() as session:
        record_events(session, known.generated() + markup.events)
        session.add(
            Order(reference="A9001", sender_id="A", email="a@b.co", total_cents=6500, placed_at=known.naive(0, 9, 30))
        )
        session.add(
            Order(reference="A9002", sender_id="A", email="a@b.co", total_cents=123456, placed_at=known.naive(0, 9, 50))
        )
        session.add(
            Handoff(
                sender_id="C",
                team="support",
                reason="customer_asked",
                created_at=known.naive(0, 11, 10),
                first_reply_at=known.naive(0, 11, 40),
                closed_at=known.naive(0, 11, 310),
            )
        )
        session.add(
            Handoff(sender_id="J", team="support", reason="bot_misunderstood", created_at=known.naive(1, 14, 9))
        )
        session.add(
            CsatResponse(sender_id="A", outcome="order", asked_at=known.naive(0, 9, 40), rating=4, comment=MARKUP)
        )
        session.add(CsatResponse(sender_id="E", outcome="booking", asked_at=known.naive(0, 13, 30), rating=2))
        session.add(CsatResponse(sender_id="C", outcome="agent_closed", asked_at=known.naive(0, 11, 320)))
        for i, day in enumerate([0, 0, 0, 0, 1]):
            session.add(WidgetSession(session_id=f"w{i}", opened_at=known.naive(day, 8), page="/", campaign=None))
    return shop_db


def figures(start=START, end=END, **filters):
    with session_scope() as session:
        return funnel(session, start, end, Filters(**filters))


class Text(HTMLParser):
    """The document's text as a reader sees it (whitespace collapsed), and its images."""

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "img":
            self.images.append(dict(attrs))
        self.chunks.append(" ")

    def handle_endtag(self, tag):
        self.chunks.append(" ")

    def handle_data(self, data):
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.chunks))


def read(page: str) -> Text:
    parsed = Text()
    parsed.feed(page)
    parsed.close()
    return parsed


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, after checking the signature."""
    assert png[:8] == PNG_SIGNATURE
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def assert_self_contained(page: str) -> None:
    lowered = page.lower()
    assert "<script" not in lowered and "javascript:" not in lowered
    assert not re.search(r"https?://", lowered)
    assert not re.search(r"\son[a-z]+\s*=", lowered)  # no event handler attributes
    assert not re.search(r"<(link|iframe|object|embed|style)\b", lowered)


def test_the_report_shows_the_known_figures(report_db):
    f = figures()
    assert f["conversations"] == 10  # the set's 9 and J
    text = read(report.render(f)).text
    assert "Chat funnel, 2 Nov 2026 to 3 Nov 2026" in text
    assert "All channels, pages and campaigns" in text
    assert "Conversations 10 begun in the period" in text
    assert "Chat engagement 40% 2 web conversations / 5 widget opens" in text
    assert "Orders 2 placed in the chat" in text
    assert "Revenue $1,299.56 of those orders" in text  # 65.00 + 1,234.56
    assert "Handoff rate 20% 2 handoffs to a person" in text
    assert "Leads qualified 1 10% of conversations" in text
    assert "Not understood 0.30 messages per conversation" in text  # 3 in 10 conversations
    assert "Orders placed in the chat 2 Revenue $1,299.56 Refunds requested 0 Refunds granted 0" in text
    # The flows table: started, finished, completion, where the others stopped.
    assert "Purchase 2 1 50% email (1)" in text
    assert "Order status 1 1 100% —" in text
    assert "Lead qualification 1 1 100% —" in text
    assert "Meeting booking 1 1 100% —" in text
    assert "Refund 0 0 — —" in text
    # Handoffs: reasons and times.
    assert "customer asked 1" in text and "bot misunderstood 1" in text
    assert "Agent's first response 30 s 30 s 1" in text
    assert "Resolution 5 min 5 min 1" in text
    assert "Bot response 0.51 s" in text
    assert "socketio 2 1 50% above 3%: look into it" in text
    assert "Grade hot 1" in text
    # Day by day: conversations, flows started and finished, orders, handoffs, not understood, opt-outs.
    assert "Mon 2 Nov 5 4 3 2 1 2 1" in text
    assert "Tue 3 Nov 5 1 1 0 1 1 0" in text
    # CSAT: 2 of the 3 asked rated, 4 and 2; the comment (markup) as text.
    assert "2 of 3 customers asked rated the chat (66.7%); average 3.0 of 5." in text
    assert "Rating Answers 5 0 4 1 3 0 2 1 1 0" in text
    assert "booking 2.0" in text and "order 4.0" in text
    assert f"4 order {MARKUP}" in text
    # The unrecognized messages: the customer's markup is shown as text, never run.
    assert "1 blorp 2" in text
    assert f"2 {MARKUP.lower()} 1" in text


def test_the_customer_words_are_escaped_and_nothing_comes_from_elsewhere(report_db):
    page = report.render(figures())
    assert_self_contained(page)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in page
    assert "<b>" not in page


def test_every_image_is_a_png_drawn_by_matplotlib(report_db):
    page = report.render(figures())
    images = read(page).images
    assert len(images) == len(report.CHARTS) == 5  # funnel, flows, days, grades, reasons
    for image in images:
        src = image["src"] or ""
        assert src.startswith("data:image/png;base64,"), src[:40]
        png = base64.b64decode(src.removeprefix("data:image/png;base64,"), validate=True)
        width, height = png_size(png)
        assert width == report.CHART_WIDTH_IN * report.CHART_DPI
        assert height >= 100 and len(png) > 3_000
        pixels = imread(io.BytesIO(png), format="png")  # a drawn chart, not an empty canvas:
        inked = (pixels[:, :, :3] < 0.9).any(axis=2).mean()
        assert inked > 0.01, f"{inked:.2%} of the pixels drawn"
        assert image["alt"]


def test_each_chart_is_left_out_when_it_has_nothing_to_show(report_db):
    drawn = report.charts(figures())
    assert all(png and png.startswith(PNG_SIGNATURE) for png in drawn.values())
    facebook = report.charts(figures(channel="facebook"))  # G's greeting: one conversation, nothing else
    assert facebook["flows"] is None and facebook["grades"] is None and facebook["reasons"] is None
    assert facebook["funnel"] is not None and facebook["daily"] is not None


def test_a_channel_without_the_widget_says_so_instead_of_none_opened(report_db):
    facebook = figures(channel="facebook")
    assert report.funnel_stages(facebook)[0][0] == "Conversations"
    assert "no chat widget on this channel (it is on the web only)" in report.render(facebook)
    assert report.funnel_stages(figures())[0][0] == "Chat opened on the web"


def test_an_empty_range_says_so_without_charts(report_db):
    f = figures(START - timedelta(days=30), START - timedelta(days=1))
    page = report.render(f)
    parsed = read(page)
    assert parsed.images == []
    assert "No conversations began in this period" in parsed.text
    assert "Chat engagement — 0 web conversations / 0 widget opens" in parsed.text
    assert "Handoff rate — 0 handoffs to a person" in parsed.text
    assert "Not understood — messages per conversation" in parsed.text
    assert "Bot response — median" in parsed.text
    assert "No unrecognized messages in this period." in parsed.text
    assert_self_contained(page)


def test_labels_with_dollar_signs_do_not_break_a_chart():
    png = report._hbars("$5 off", [("a $ sign", 1), ("$x^2$ and $", 2)])
    assert png and png.startswith(PNG_SIGNATURE)


@pytest.mark.parametrize(
    ("value", "shown"), [(None, "—"), (0.5, "50%"), (1 / 9, "11.1%"), (1.0, "100%"), (0.0, "0%"), (0.031, "3.1%")]
)
def test_percent(value, shown):
    assert report.percent(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "—"), (0.51, "0.51 s"), (30, "30 s"), (12.34, "12.3 s"), (300, "5 min"), (5400, "1.5 h")],
)
def test_seconds(value, shown):
    assert report.seconds(value) == shown


# --------------------------------------------------------------------------- the command


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "shop.analytics.report", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_writes_the_report(report_db, tmp_path):
    out = tmp_path / "weekly" / "report.html"
    done = run("--from", "2026-11-02", "--to", "2026-11-03", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}" in done.stdout
    assert "2026-11-02 to 2026-11-03: 10 conversations, 2 orders ($1,299.56), handoff rate 20%" in done.stdout
    page = out.read_text(encoding="utf-8")
    assert len(read(page).images) == 5
    assert_self_contained(page)


def test_the_command_filters(report_db, tmp_path):
    out = tmp_path / "web.html"
    assert report.main(["--from", "2026-11-02", "--to", "2026-11-03", "--channel", "socketio", "--out", str(out)]) == 0
    text = read(out.read_text(encoding="utf-8")).text
    assert "Only channel socketio" in text and "Conversations 2 begun in the period" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01", "--to", "2026-12-01"], "--from must be a date like 2026-11-30, not '2026-13-01'"),
        (["--from", "2026-11-01", "--to", "next week"], "--to must be a date like 2026-11-30, not 'next week'"),
        (["--from", "2026-11-09", "--to", "2026-11-02"], "--from (2026-11-09) is after --to (2026-11-02)"),
        (["--from", "2020-01-01", "--to", "2026-11-02"], "at most 366 days at a time"),
    ],
)
def test_bad_dates_exit_2_with_a_message(args, message, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert report.main([*args, "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"report: {message}\n"
    assert not out.exists()


def test_bad_dates_exit_2_from_the_command_line(tmp_path):
    done = run("--from", "2026-11-09", "--to", "2026-11-02", "--out", str(tmp_path / "r.html"))
    assert done.returncode == 2
    assert "report: --from (2026-11-09) is after --to (2026-11-02)" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_command_on_an_empty_range(report_db, tmp_path):
    out = tmp_path / "empty.html"
    done = run("--from", "2026-01-05", "--to", "2026-01-11", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "0 conversations, 0 orders ($0.00), handoff rate —" in done.stdout
    assert "No conversations began in this period" in read(out.read_text(encoding="utf-8")).text


def test_the_last_7_days_by_default():
    today = known.START
    assert report.date_range(None, None, today) == (today - timedelta(days=6), today)
    assert report.date_range("2026-10-01", None, today) == (known.START.replace(month=10, day=1), today)


def test_an_unwritable_output_is_a_message_not_a_traceback(report_db, tmp_path, capsys):
    assert report.main(["--from", "2026-11-02", "--to", "2026-11-03", "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err.startswith(f"report: cannot write {tmp_path}")


def test_an_unreadable_database_is_a_message_not_a_traceback(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SHOP_DB_URL", f"sqlite:///{tmp_path}")  # a folder, not a database
    assert report.main(["--out", str(tmp_path / "r.html")]) == 1
    assert capsys.readouterr().err.startswith("report: cannot read the shop database (OperationalError)")
