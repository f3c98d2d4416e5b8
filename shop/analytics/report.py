"""The funnel (metrics.py) as one self-contained HTML file for the weekly email: the headline
figures, the funnel and each metric over time as PNG charts (matplotlib, embedded as base64
data URIs), lead grades, handoff reasons, opt-outs per channel and the top unrecognized
messages. Inline styles only, no script, nothing loaded from elsewhere.

    python -m shop.analytics.report --from 2026-11-02 --to 2026-11-08 [--channel socketio]
        [--page /p/hoodie] [--campaign winter] [--out results/report.html]

(`make report FROM= TO=`.) The last 7 days by default; writes results/report-FROM-TO.html."""

import argparse
import base64
import html
import io
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from shop.analytics import metrics
from shop.analytics.metrics import FLOWS, OPT_OUT_WARNING, Filters
from shop.formatting import money
from shop.settings import PROJECT_ROOT

DEFAULT_DAYS = 7
DAILY_TABLE_DAYS = 31  # a longer range shows its days as a chart only
NONE = "—"  # a rate of nothing (no conversations, no widget sessions...)

FLOW_NAMES = {
    "purchase": "Purchase",
    "refund": "Refund",
    "order_status": "Order status",
    "qualification": "Lead qualification",
    "booking": "Meeting booking",
}
DAILY_SERIES = (
    ("conversations", "Conversations"),
    ("flows_started", "Flows started"),
    ("flows_finished", "Flows finished"),
    ("orders", "Orders"),
    ("handoffs", "Handoffs"),
    ("misunderstood", "Messages not understood"),
    ("opt_outs", "Opt-outs"),
)
GRADE_ORDER = ("hot", "warm", "cold")

# Charts: 6.4 in wide at 150 dpi (960 px), shown 640 px wide: sharp on a high-density screen.
CHART_WIDTH_IN = 6.4
CHART_DPI = 150
IMAGE_WIDTH_PX = 640
BLUE, GREEN, GREY, RED = "#2f6fde", "#2a9d8f", "#9aa5b1", "#d1495b"

FONT = "font-family:Helvetica,Arial,sans-serif;color:#1f2933"
H2 = f"{FONT};font-size:18px;margin:28px 0 8px 0;padding:0"
P = f"{FONT};font-size:14px;line-height:1.45;margin:6px 0"
NOTE = f"{FONT};font-size:13px;color:#52606d;margin:6px 0"
TABLE = "border-collapse:collapse;width:100%;margin:6px 0"
TH = f"{FONT};font-size:13px;text-align:left;padding:6px 8px;border-bottom:2px solid #cbd2d9;background:#f5f7fa"
TD = f"{FONT};font-size:13px;text-align:left;padding:6px 8px;border-bottom:1px solid #e4e7eb;vertical-align:top"
TILE = "padding:10px;border:1px solid #e4e7eb;background:#f8fafc;width:25%;vertical-align:top"
TILE_LABEL = f"{FONT};font-size:12px;color:#52606d"
TILE_VALUE = f"{FONT};font-size:22px;font-weight:bold;margin-top:4px"
TILE_NOTE = f"{FONT};font-size:11px;color:#7b8794;margin-top:2px"


# --------------------------------------------------------------------------- formatting


def percent(value: float | None) -> str:
    """0.5 -> '50%', 1/9 -> '11.1%', None -> '—'."""
    if value is None:
        return NONE
    shown = f"{value * 100:.1f}".removesuffix(".0")
    return f"{shown}%"


def seconds(value: float | None) -> str:
    """A duration: '0.51 s', '30 s', '5 min', '1.5 h'; None -> '—'."""
    if value is None:
        return NONE
    if value < 1:
        return f"{value:.2f} s"
    if value < 60:
        return f"{value:.1f}".removesuffix(".0") + " s"
    if value < 3600:
        return f"{value / 60:.1f}".removesuffix(".0") + " min"
    return f"{value / 3600:.1f}".removesuffix(".0") + " h"


def ratio(value: float | None) -> str:
    """A count per conversation: 2/9 -> '0.22'."""
    return NONE if value is None else f"{value:.2f}"


def long_day(value: str) -> str:
    """'2026-11-02' -> '2 Nov 2026'."""
    day = date.fromisoformat(value)
    return f"{day.day} {day:%b %Y}"


def short_day(value: str) -> str:
    """'2026-11-02' -> 'Mon 2 Nov': a line of the daily table."""
    day = date.fromisoformat(value)
    return f"{day:%a} {day.day} {day:%b}"


def plain(name: str) -> str:
    """An internal name as words: 'customer_asked' -> 'customer asked'."""
    return name.replace("_", " ")


def _label(text: str) -> str:
    """Text for a chart: matplotlib reads $...$ as mathematics (and may fail on it)."""
    return text.replace("$", r"\$")


# --------------------------------------------------------------------------- charts


def _figure(height_in: float) -> Figure:
    figure = Figure(figsize=(CHART_WIDTH_IN, height_in), dpi=CHART_DPI, constrained_layout=True)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=CHART_DPI, facecolor="white", metadata={"Software": None})
    return buffer.getvalue()


def _tidy(axes: Any) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(labelsize=9)


def _hbars(title: str, items: Sequence[tuple[str, int]], color: str = BLUE) -> bytes | None:
    """Horizontal bars, the first item on top, each with its count; None when all are 0."""
    if not items or not any(n for _, n in items):
        return None
    figure = _figure(0.6 + 0.42 * len(items))
    axes = figure.add_subplot()
    labels = [_label(label) for label, _ in items][::-1]
    counts = [n for _, n in items][::-1]
    bars = axes.barh(labels, counts, color=color)
    axes.bar_label(bars, labels=[str(n) for n in counts], padding=3, fontsize=9)
    axes.set_xlim(0, max(counts) * 1.15)
    axes.set_title(_label(title), fontsize=11, loc="left")
    axes.xaxis.set_visible(False)
    _tidy(axes)
    axes.spines["bottom"].set_visible(False)
    return _png(figure)


def funnel_chart(figures: dict[str, Any]) -> bytes | None:
    return _hbars("From the chat opened to an order", funnel_stages(figures))


def funnel_stages(figures: dict[str, Any]) -> list[tuple[str, int]]:
    opened = [] if figures["widget_sessions"] is None else [("Chat opened on the web", figures["widget_sessions"])]
    return [
        *opened,
        ("Conversations", figures["conversations"]),
        ("Leads qualified", figures["leads"]["qualified"]),
        ("Meetings booked", figures["bookings"]["count"]),
        ("Orders", figures["orders"]["count"]),
    ]


def flows_chart(figures: dict[str, Any]) -> bytes | None:
    flows = figures["flows"]
    names = [name for name in FLOWS if name in flows]
    if not any(flows[name]["started"] for name in names):
        return None
    figure = _figure(0.8 + 0.55 * len(names))
    axes = figure.add_subplot()
    rows = list(range(len(names)))[::-1]
    started = [flows[name]["started"] for name in names]
    finished = [flows[name]["finished"] for name in names]
    height = 0.38
    bars = axes.barh([r + height / 2 for r in rows], started, height, color=GREY, label="started")
    done = axes.barh([r - height / 2 for r in rows], finished, height, color=GREEN, label="finished")
    axes.bar_label(bars, padding=3, fontsize=8)
    axes.bar_label(
        done,
        labels=[f"{n} ({percent(flows[name]['completion_rate'])})" for name, n in zip(names, finished, strict=True)],
        padding=3,
        fontsize=8,
    )
    axes.set_yticks(rows, [FLOW_NAMES.get(name, plain(name)) for name in names])
    axes.set_xlim(0, max(started) * 1.3)
    axes.xaxis.set_visible(False)
    axes.set_title("Flows started and finished (completion rate)", fontsize=11, loc="left")
    axes.legend(fontsize=8, frameon=False, loc="lower right")
    _tidy(axes)
    axes.spines["bottom"].set_visible(False)
    return _png(figure)


def daily_chart(figures: dict[str, Any]) -> bytes | None:
    """One small chart per daily figure; None when every day is all zeros."""
    daily = figures["daily"]
    if not any(row[key] for row in daily for key, _ in DAILY_SERIES):
        return None
    days = [date.fromisoformat(row["date"]) for row in daily]
    columns = 2
    lines = -(-len(DAILY_SERIES) // columns)
    figure = _figure(1.7 * lines)
    grid = figure.subplots(lines, columns, sharex=True, squeeze=False)
    for index, (key, title) in enumerate(DAILY_SERIES):
        axes = grid[index // columns][index % columns]
        values = [row[key] for row in daily]
        axes.bar(days, values, width=0.8, color=RED if key in ("misunderstood", "opt_outs") else BLUE)
        axes.set_title(f"{title} ({sum(values)})", fontsize=9, loc="left")
        axes.set_ylim(0, max(max(values), 1) * 1.15)
        axes.yaxis.get_major_locator().set_params(integer=True)
        locator = AutoDateLocator(minticks=3, maxticks=8)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        _tidy(axes)
        axes.tick_params(labelsize=7)
    for index in range(len(DAILY_SERIES), lines * columns):
        grid[index // columns][index % columns].set_visible(False)
    for index in range(columns):  # the last chart of each column shows the days
        last = max(i for i in range(len(DAILY_SERIES)) if i % columns == index)
        grid[last // columns][index].xaxis.set_tick_params(labelbottom=True)
    return _png(figure)


def grades_of(figures: dict[str, Any]) -> list[tuple[str, int]]:
    by_grade = figures["leads"]["by_grade"]
    known = [grade for grade in GRADE_ORDER if grade in by_grade]
    others = sorted(grade for grade in by_grade if grade not in GRADE_ORDER)
    return [(grade, by_grade[grade]) for grade in known + others]


def grades_chart(figures: dict[str, Any]) -> bytes | None:
    return _hbars("Qualified leads by grade", grades_of(figures), GREEN)


def reasons_chart(figures: dict[str, Any]) -> bytes | None:
    reasons = [(plain(reason or "unknown"), n) for reason, n in figures["handoffs"]["reasons"].items()]
    return _hbars("Handoffs to a person, by reason", reasons, BLUE)


CHARTS: dict[str, Callable[[dict[str, Any]], bytes | None]] = {
    "funnel": funnel_chart,
    "flows": flows_chart,
    "daily": daily_chart,
    "grades": grades_chart,
    "reasons": reasons_chart,
}


def charts(figures: dict[str, Any]) -> dict[str, bytes | None]:
    """Each chart's PNG, or None for a chart that would have nothing to show."""
    return {name: draw(figures) for name, draw in CHARTS.items()}


# --------------------------------------------------------------------------- HTML


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _image(png: bytes | None, alt: str, nothing: str) -> str:
    if png is None:
        return f'<p style="{NOTE}">{_e(nothing)}</p>'
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<img src="data:image/png;base64,{data}" width="{IMAGE_WIDTH_PX}" alt="{_e(alt)}" '
        f'style="display:block;width:100%;max-width:{IMAGE_WIDTH_PX}px;height:auto;border:0;margin:8px 0">'
    )


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], numeric: Sequence[int] = (), nowrap: Sequence[int] = ()
) -> str:
    """A table of plain text cells (escaped); the columns in `numeric` right-aligned, those in
    `nowrap` on one line."""

    def cell(tag: str, style: str, index: int, value: object) -> str:
        extra = (";text-align:right" if index in numeric else "") + (";white-space:nowrap" if index in nowrap else "")
        return f'<{tag} style="{style}{extra}">{_e(value)}</{tag}>'

    head = "".join(cell("th", TH, i, h) for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(cell("td", TD, i, v) for i, v in enumerate(row)) + "</tr>" for row in rows)
    return f'<table style="{TABLE}"><tr>{head}</tr>{body}</table>'


def _tiles(tiles: Sequence[tuple[str, str, str]], per_line: int = 4) -> str:
    lines = []
    for start in range(0, len(tiles), per_line):
        cells = "".join(
            f'<td style="{TILE}"><div style="{TILE_LABEL}">{_e(label)}</div>'
            f'<div style="{TILE_VALUE}">{_e(value)}</div><div style="{TILE_NOTE}">{_e(note)}</div></td>'
            for label, value, note in tiles[start : start + per_line]
        )
        lines.append(f"<tr>{cells}</tr>")
    style = f"{TABLE};border-spacing:6px;border-collapse:separate"
    return f'<table role="presentation" style="{style}">{"".join(lines)}</table>'


def _section(title: str, *parts: str) -> str:
    return f'<h2 style="{H2}">{_e(title)}</h2>' + "".join(parts)


def _p(text: str, style: str = P) -> str:
    return f'<p style="{style}">{_e(text)}</p>'


def scope(figures: dict[str, Any]) -> str:
    """'Only channel socketio, page /p/hoodie', or every conversation."""
    chosen = [f"{name} {value}" for name, value in figures.get("filters", {}).items()]
    return ("Only " + ", ".join(chosen)) if chosen else "All channels, pages and campaigns"


def headline(figures: dict[str, Any]) -> list[tuple[str, str, str]]:
    leads, handoffs, orders = figures["leads"], figures["handoffs"], figures["orders"]
    refunds, misread = figures["refunds"], figures["misunderstanding"]
    return [
        ("Conversations", str(figures["conversations"]), "begun in the period"),
        (
            "Chat engagement",
            percent(figures["engagement_rate"]),
            "no chat widget on this channel (it is on the web only)"
            if figures["widget_sessions"] is None
            else f"{figures.get('web_conversations', 0)} web conversations / {figures['widget_sessions']} widget opens",
        ),
        ("Orders", str(orders["count"]), "placed in the chat"),
        ("Revenue", money(orders["revenue_cents"]), "of those orders"),
        ("Leads qualified", str(leads["qualified"]), f"{percent(leads['qualification_rate'])} of conversations"),
        (
            "Meetings booked",
            str(figures["bookings"]["count"]),
            f"{percent(figures['bookings'].get('booking_rate'))} of conversations",
        ),
        ("Conversation to pipeline", percent(figures["conversation_to_pipeline"]), "hot or warm leads and bookings"),
        ("Handoff rate", percent(handoffs["rate"]), f"{handoffs['count']} handoffs to a person"),
        ("Refunds", f"{refunds['requested']} / {refunds['granted']}", "requested / granted"),
        ("Not understood", ratio(misread["per_conversation"]), "messages per conversation"),
        ("Bot response", seconds(figures["bot_response_seconds"]["median"]), "median"),
        ("Agent first response", seconds(handoffs["agent_first_response_seconds"]["median"]), "median"),
    ]


def _flows_table(figures: dict[str, Any]) -> str:
    rows = []
    for name in FLOWS:
        flow = figures["flows"].get(name)
        if flow is None:
            continue
        stopped = ", ".join(f"{plain(step)} ({n})" for step, n in flow["abandoned_at"].items()) or NONE
        rows.append(
            (
                FLOW_NAMES.get(name, plain(name)),
                flow["started"],
                flow["finished"],
                percent(flow["completion_rate"]),
                stopped,
            )
        )
    return _table(("Flow", "Started", "Finished", "Completion", "Where the others stopped"), rows, numeric=(1, 2, 3))


def _daily_table(figures: dict[str, Any]) -> str:
    daily = figures["daily"]
    if len(daily) > DAILY_TABLE_DAYS:
        return _p(f"{len(daily)} days: the figures of each day are in the charts above.", NOTE)
    headers = ["Day"] + [title for _, title in DAILY_SERIES]
    rows = [[short_day(row["date"])] + [row[key] for key, _ in DAILY_SERIES] for row in daily]
    return _table(headers, rows, numeric=range(1, len(headers)), nowrap=(0,))


def _spread_row(what: str, spread: dict[str, Any]) -> tuple[str, str, str, int]:
    return (what, seconds(spread["median"]), seconds(spread["p95"]), spread["count"])


def _opt_outs_table(figures: dict[str, Any]) -> str:
    channels = figures["opt_outs"]
    if not channels:
        return _p("No conversations, so no opt-outs.", NOTE)
    rows = [
        (
            channel,
            c["conversations"],
            c["opt_outs"],
            percent(c["rate"]),
            f"above {percent(OPT_OUT_WARNING)}: look into it" if c["warning"] else "",
        )
        for channel, c in channels.items()
    ]
    return _table(("Channel", "Conversations", "Opt-outs", "Rate", "Warning"), rows, numeric=(1, 2, 3))


def _unrecognized_table(figures: dict[str, Any]) -> str:
    top = figures["misunderstanding"]["top_unrecognized"]
    if not top:
        return _p("No unrecognized messages in this period.", NOTE)
    rows = [(i, item["text"], item["count"]) for i, item in enumerate(top, start=1)]
    return _table(("#", "Message", "Times"), rows, numeric=(0, 2))


def _csat_parts(figures: dict[str, Any]) -> list[str]:
    """The ratings asked for after an outcome, and the latest comments."""
    csat = figures.get("csat") or {}
    if not csat.get("asked"):
        return [_p("No satisfaction question was asked in this period.")]
    average = f"{csat['average']:.1f} of 5" if csat.get("average") is not None else "—"
    parts = [
        _p(
            f"{csat['answered']} of {csat['asked']} customers asked rated the chat "
            f"({percent(csat['response_rate'])}); average {average}."
        ),
        _table(("Rating", "Answers"), [(n, csat["distribution"].get(n, 0)) for n in "54321"], numeric=(1,)),
    ]
    if csat.get("average_by_outcome"):
        parts.append(
            _table(
                ("After", "Average rating"),
                [(plain(outcome), f"{value:.1f}") for outcome, value in csat["average_by_outcome"].items()],
                numeric=(1,),
            )
        )
    if csat.get("recent_comments"):
        parts.append(
            _table(
                ("Rating", "After", "Comment"),
                [(c["rating"], plain(c["outcome"]), c["comment"]) for c in csat["recent_comments"]],
            )
        )
    return parts


def render(figures: dict[str, Any], pngs: dict[str, bytes | None] | None = None) -> str:
    """The report of one funnel() answer, as a complete HTML document."""
    pngs = charts(figures) if pngs is None else pngs
    period = f"{long_day(figures['from'])} to {long_day(figures['to'])}"
    title = f"Chat funnel, {period}"
    handoffs, leads, orders, refunds = figures["handoffs"], figures["leads"], figures["orders"], figures["refunds"]
    misread = figures["misunderstanding"]
    empty = figures["conversations"] == 0
    parts = [
        f'<h1 style="{FONT};font-size:24px;margin:0 0 4px 0">{_e(title)}</h1>',
        _p(f"{scope(figures)}. Conversations begun in the period (UTC days, inclusive).", NOTE),
    ]
    if empty:
        parts.append(
            f'<p style="{P};padding:10px;background:#fff8e1;border:1px solid #f0c36d">'
            "No conversations began in this period: there is nothing to chart.</p>"
        )
    parts += [
        _section("Headline figures", _tiles(headline(figures))),
        _section(
            "The funnel",
            _image(
                pngs.get("funnel"),
                "The funnel: chat opened, conversations, leads, meetings, orders",
                "Nothing to chart: every stage is 0.",
            ),
            _table(("Stage", "Count"), funnel_stages(figures), numeric=(1,)),
        ),
        _section(
            "Flows",
            _image(pngs.get("flows"), "Flows started and finished", "No flow was started in this period."),
            _flows_table(figures),
        ),
        _section(
            "Day by day",
            _image(pngs.get("daily"), "Each figure per day", "Nothing happened on any day of this period."),
            _daily_table(figures),
        ),
        _section(
            "Leads and meetings",
            _image(pngs.get("grades"), "Qualified leads by grade", "No lead was qualified in this period."),
            _table(
                ("Figure", "Value"),
                [
                    ("Leads qualified", leads["qualified"]),
                    ("Qualification rate", percent(leads["qualification_rate"])),
                    *[(f"Grade {grade}", n) for grade, n in grades_of(figures)],
                    ("Meetings booked", figures["bookings"]["count"]),
                    ("Booking rate", percent(figures["bookings"].get("booking_rate"))),
                    ("Conversation to pipeline", percent(figures["conversation_to_pipeline"])),
                ],
                numeric=(1,),
            ),
        ),
        _section(
            "Orders and refunds",
            _table(
                ("Figure", "Value"),
                [
                    ("Orders placed in the chat", orders["count"]),
                    ("Revenue", money(orders["revenue_cents"])),
                    ("Refunds requested", refunds["requested"]),
                    ("Refunds granted", refunds["granted"]),
                    ("Amount of the refunds requested", money(refunds.get("requested_cents", 0))),
                ],
                numeric=(1,),
            ),
        ),
        _section(
            "Handoffs to a person",
            _p(f"{handoffs['count']} handoffs; handoff rate {percent(handoffs['rate'])} of conversations."),
            _image(pngs.get("reasons"), "Handoffs by reason", "No handoff in this period."),
            _table(
                ("Reason", "Handoffs"),
                [(plain(reason or "unknown"), n) for reason, n in handoffs["reasons"].items()],
                numeric=(1,),
            )
            if handoffs["reasons"]
            else "",
            _table(
                ("Time", "Median", "95th percentile", "Measured"),
                [
                    _spread_row("Agent's first response", handoffs["agent_first_response_seconds"]),
                    _spread_row("Resolution", handoffs["resolution_seconds"]),
                    _spread_row("Bot response", figures["bot_response_seconds"]),
                ],
                numeric=(1, 2, 3),
            ),
        ),
        _section("Customer satisfaction (CSAT)", *_csat_parts(figures)),
        _section("Opt-outs per channel", _opt_outs_table(figures)),
        _section(
            "Messages not understood",
            _p(
                f"{misread['misunderstood_messages']} of {misread.get('messages', 0)} messages not understood; "
                f"{ratio(misread['per_conversation'])} per conversation."
            ),
            _p("The top unrecognized messages (what to teach the assistant next):", NOTE),
            _unrecognized_table(figures),
        ),
        _p(
            "Orders, refunds and handoffs are those of the conversations counted here. "
            "Made with make report from the shop's analytics.",
            NOTE,
        ),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title></head>"
        '<body style="margin:0;padding:0;background:#eef1f5">'
        '<table role="presentation" style="width:100%;border-collapse:collapse;background:#eef1f5"><tr>'
        '<td style="padding:16px 8px" align="center">'
        '<table role="presentation" style="width:100%;max-width:700px;border-collapse:collapse;background:#ffffff">'
        f'<tr><td style="padding:24px;text-align:left">{"".join(parts)}</td></tr></table>'
        "</td></tr></table></body></html>\n"
    )


def summary(figures: dict[str, Any]) -> str:
    """One line: what the report says first."""
    orders = figures["orders"]
    return (
        f"{figures['from']} to {figures['to']}: {_count(figures['conversations'], 'conversation')}, "
        f"{_count(orders['count'], 'order')} ({money(orders['revenue_cents'])}), "
        f"handoff rate {percent(figures['handoffs']['rate'])}, "
        f"{_count(figures['misunderstanding']['misunderstood_messages'], 'message')} not understood"
    )


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


# --------------------------------------------------------------------------- command


def date_range(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    """--from/--to (inclusive); the last 7 days by default."""
    return metrics.date_range(start, end, today, DEFAULT_DAYS, names=("--from", "--to"))


def main(argv: list[str] | None = None) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from shop.analytics.metrics import funnel
    from shop.clock import naive_now
    from shop.db import session_scope
    from shop.visit import clean_value

    parser = argparse.ArgumentParser(prog="python -m shop.analytics.report", description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day (default: 6 days before --to)")
    parser.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day, included (default: today, UTC)")
    parser.add_argument("--channel", help="only this channel: socketio, rest, facebook")
    parser.add_argument("--page", help="only conversations begun on this page, e.g. /p/hoodie")
    parser.add_argument("--campaign", help="only this utm_campaign")
    parser.add_argument("--out", type=Path, help="the HTML file (default: results/report-FROM-TO.html)")
    args = parser.parse_args(argv)
    try:
        start, end = date_range(args.start, args.end, naive_now().date())
    except metrics.BadRange as error:
        print(f"report: {error}", file=sys.stderr)
        return 2
    filters = Filters(**{name: clean_value(getattr(args, name)) for name in ("channel", "page", "campaign")})
    out: Path = args.out or PROJECT_ROOT / "results" / f"report-{start}-{end}.html"
    try:
        with session_scope() as session:
            figures = funnel(session, start, end, filters)
    except SQLAlchemyError as error:
        print(f"report: cannot read the shop database ({type(error).__name__}); is SHOP_DB_URL right?", file=sys.stderr)
        return 1
    page = render(figures)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page, encoding="utf-8")
    except OSError as error:
        print(f"report: cannot write {out}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"wrote {out}")
    print(summary(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
