"""make bench: our assistant beside Rasa's own starter bot (`rasa init`), in the same run, under
the same load, each figure of ours also as a ratio to the starter's so that runs on noisy
machines stay comparable, and whether each target of issue 12 holds.

Both are trained from clean (timed), started as their users start them (ours by `make run`, timed
to the first answered message), then given one scripted shopping conversation per customer
(scripts/bench_load.py) one at a time (interleaved, ours then the starter's) and with 20 and 50 at
once; ours also with 100 at once. Then where a turn's time goes (py-spy on our Rasa server, the
action server's own counts) and the inbox's handoff API. The table is printed and written, with
everything else, to results/bench/ as JSON."""

import argparse
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from scripts import bench_bots, bench_load, bench_profile
from scripts.bench_bots import Bot, Trained
from scripts.bench_load import Load

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results" / "bench"
PROFILE_RATE = 100


@dataclass
class Target:
    figure: str
    value: float | None
    bound: float
    at_most: bool  # True: the value must be <= bound; False: >= bound
    unit: str = "x"

    @property
    def holds(self) -> bool | None:
        if self.value is None:
            return None
        return self.value <= self.bound if self.at_most else self.value >= self.bound

    def row(self) -> dict:
        return {
            "figure": self.figure,
            "value": self.value,
            "bound": self.bound,
            "at_most": self.at_most,
            "holds": self.holds,
        }


def ratio(ours: float | None, theirs: float | None) -> float | None:
    return round(ours / theirs, 2) if ours is not None and theirs else None


def targets(figures: dict) -> list[Target]:
    """Issue 12's targets, from the figures of one run (None where the run did not measure one)."""
    ours, starter = figures["ours"], figures["starter"]
    seq, seq_s = ours["loads"].get("1"), starter["loads"].get("1")
    c20, c20_s = ours["loads"].get("20"), starter["loads"].get("20")
    crowd = ours["loads"].get("100")
    get = lambda load, key: load[key] if load else None  # noqa: E731
    clean20 = None
    if c20:
        clean20 = float(c20["errors"] == 0 and not ours.get("tracker_problems_20"))
    training = ours.get("training")
    return [
        Target(
            "p50, one conversation at a time (ours / starter)", ratio(get(seq, "p50_ms"), get(seq_s, "p50_ms")), 2, True
        ),
        Target(
            "p95, one conversation at a time (ours / starter)", ratio(get(seq, "p95_ms"), get(seq_s, "p95_ms")), 2, True
        ),
        Target(
            "20 at once: messages/s (ours / starter)",
            ratio(get(c20, "messages_per_s"), get(c20_s, "messages_per_s")),
            0.75,
            False,
        ),
        Target("20 at once: no error, every message in its tracker once, in order", clean20, 1, False, "yes/no"),
        Target("100 at once: p95 (s)", round(crowd["p95_ms"] / 1000, 2) if crowd else None, 10, True, "s"),
        Target(
            "Rasa server memory (ours / starter)",
            ratio(ours.get("rss_mb", {}).get("Rasa server"), starter.get("rss_mb", {}).get("Rasa server")),
            1.3,
            True,
        ),
        Target("make run: start to first answer (s)", ours.get("start_s"), 30, True, "s"),
        Target("full training from clean (s)", training["seconds"] if training else None, 240, True, "s"),
    ]


def load_rows(figures: dict) -> list[tuple]:
    rows = []
    for level in sorted(set(figures["ours"]["loads"]) | set(figures["starter"]["loads"]), key=int):
        ours, theirs = figures["ours"]["loads"].get(level), figures["starter"]["loads"].get(level)
        label = "one at a time" if level == "1" else f"{level} at once"
        for key, unit in (("p50_ms", "ms"), ("p95_ms", "ms"), ("p99_ms", "ms"), ("messages_per_s", "msg/s")):
            a, b = (ours or {}).get(key), (theirs or {}).get(key)
            rows.append((f"{label}: {key.split('_')[0]} ({unit})", b, a, ratio(a, b)))
        errors = [(load or {}).get("errors") for load in (theirs, ours)]
        rows.append((f"{label}: errors", errors[0], errors[1], None))
    return rows


def print_table(figures: dict, checked: list[Target]) -> None:
    def show(value):
        return "-" if value is None else (f"{value:,.1f}" if isinstance(value, float) else str(value))

    ours, starter = figures["ours"], figures["starter"]
    rows = load_rows(figures)
    for name in ("Rasa server", "action server", "web app"):
        a, b = ours.get("rss_mb", {}).get(name), starter.get("rss_mb", {}).get(name)
        rows.append((f"memory: {name} (MB)", b, a, ratio(a, b)))
    for name in ("Rasa server", "action server", "web app"):
        a, b = ours.get("cpu_ms_per_message_20", {}).get(name), starter.get("cpu_ms_per_message_20", {}).get(name)
        rows.append((f"CPU per message at 20: {name} (ms)", b, a, ratio(a, b)))
    rows.append(
        (
            "start to first answer (s)",
            starter.get("start_s"),
            ours.get("start_s"),
            ratio(ours.get("start_s"), starter.get("start_s")),
        )
    )
    for label, key in (("training from clean (s)", "seconds"), ("model size (MB)", "megabytes")):
        a, b = (ours.get("training") or {}).get(key), (starter.get("training") or {}).get(key)
        rows.append((label, b, a, ratio(a, b)))
    print(f"\n{'figure':<40} {'starter':>10} {'ours':>10} {'ratio':>7}")
    for label, theirs, mine, times in rows:
        print(f"{label:<40} {show(theirs):>10} {show(mine):>10} {show(times) + 'x' if times else '-':>7}")
    if ours.get("steps"):
        print("\nours, one at a time: p50 per message of the script (ms), the slowest first:")
        for text, ms in sorted(ours["steps"].items(), key=lambda item: -(item[1] or 0))[:6]:
            print(f"  {text:<38} {show(ms):>7}")
    if ours.get("actions_per_message"):
        print("\naction server calls per customer message (20 at once), and each call's time in the action server:")
        for name, row in ours["actions_per_message"].items():
            print(f"  {name:<38} {row['per_message']:>5.2f} per message  {row['ms_per_call']:>7.1f} ms")
    profile = ours.get("profile") or {}
    if profile.get("stages"):
        print("\nwhere a turn's time goes in our Rasa server (py-spy, 20 at once; server time per message):")
        for stage, row in profile["stages"].items():
            print(f"  {stage:<38} {row['share'] * 100:>5.1f} %  {row['ms_per_turn']:>7.1f} ms")
        for name, hot in profile["hot"].items():
            print(f"the {name}'s hot functions (share of its busy time):")
            for function, share in hot:
                print(f"  {share * 100:>5.1f} %  {function}")
    elif profile.get("error"):
        print(f"\nno profile: {profile['error']}")
    for label, row in (ours.get("inbox") or {}).items():
        print(f"inbox {label}: p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms ({row['count']} calls)")
    print(f"\n{'target':<66} {'value':>8} {'bound':>8}  holds")
    for target in checked:
        sign = "<=" if target.at_most else ">="
        holds = {True: "yes", False: "NO", None: "not measured"}[target.holds]
        value = f"{target.value:.2f}" if target.unit == "x" and target.value is not None else show(target.value)
        print(f"{target.figure:<66} {value:>8} {sign} {target.bound:>5}  {holds}")
    print(".ci/run under 20 minutes: not measured here (the CI run's own time)")


def stock_up(db_url: str) -> None:
    """Enough of what the bench's customers buy for every one of them (its own throwaway shop)."""
    from sqlalchemy import select

    from shop.db import session_scope
    from shop.models import Product, Variant

    with session_scope(db_url) as session:
        product = session.scalar(select(Product).where(Product.name == bench_load.BOUGHT["product"]))
        variant = session.scalar(
            select(Variant).where(
                Variant.product_id == product.id,
                Variant.size == bench_load.BOUGHT["size"],
                Variant.color == bench_load.BOUGHT["color"],
            )
        )
        variant.stock = 1_000_000


def sequential(bots: list[Bot], count: int) -> dict[str, Load]:
    """`count` conversations one at a time per bot, taking turns so that drift hits both alike."""
    loads = {bot.name: Load(count, 1) for bot in bots}
    for index in range(count):
        for bot in bots:
            one = bench_load.run_load(bot.url, 1, 1, f"seq{index}", silence_is_error=bot.silence_is_error)
            loads[bot.name].latencies += one.latencies
            loads[bot.name].errors += one.errors
            loads[bot.name].elapsed += one.elapsed
            loads[bot.name].senders += one.senders
            for step, latencies in one.steps.items():
                loads[bot.name].steps.setdefault(step, []).extend(latencies)
    return loads


def profile_load(bot: Bot, workdir: Path, concurrency: int) -> dict:
    """A load run again with py-spy on the Rasa server and the action server (not counted in the
    figures: sampling slows them): the Rasa server's time per stage, both servers' hot functions."""
    recorders = {}
    for name in ("Rasa server", "action server"):
        try:
            recorders[name] = bench_profile.start(bot.servers[name], workdir / f"profile-{name}.txt", PROFILE_RATE)
        except OSError as error:
            return {"error": f"py-spy could not start ({error}); pip install py-spy"}
    time.sleep(1)
    for recorder in recorders.values():
        if recorder.poll() is not None:
            return {
                "error": f"py-spy could not attach: {recorder.stderr.read().decode(errors='replace').strip()[:300]}"
            }
    load = bench_load.run_load(bot.url, concurrency, concurrency, "profile")
    problems = [bench_profile.stop(recorder) for recorder in recorders.values()]
    raws = {}
    for name in recorders:
        out = workdir / f"profile-{name}.txt"
        if not out.exists():
            return {"error": next((p for p in problems if p), "py-spy wrote nothing")}
        raws[name] = out.read_text(errors="replace")
    counts = bench_profile.breakdown(raws["Rasa server"])
    return {
        "stages": bench_profile.per_turn(counts, PROFILE_RATE, len(load.latencies)),
        "hot": {name: bench_profile.hot_functions(raw) for name, raw in raws.items()},
    }


def inbox_timings(bot: Bot, count: int) -> dict:
    """`count` customers ask for a person; one agent lists, takes, answers and closes each."""
    if count <= 0:
        return {}
    secrets = dict(line.split("=", 1) for line in (bot.run_dir / "run.env").read_text().splitlines() if "=" in line)
    api = f"{bot.web_url}/inbox/api"
    login = {"email": "ben@shop.example", "password": secrets["INBOX_DEMO_PASSWORD"]}
    token = requests.post(f"{api}/login", json=login, timeout=30).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    requests.post(f"{api}/presence", json={"online": True}, headers=headers, timeout=30).raise_for_status()
    handovers = bench_load.run_load(
        bot.url, count, 1, "handoff", ("do you have the trail boots in size 10?", "let me talk to a human")
    )
    timings: dict[str, list[float]] = {"handover turn": handovers.latencies[1::2]}

    def timed(label: str, method: str, url: str, **body) -> requests.Response:
        start = time.perf_counter()
        answer = requests.request(method, url, headers=headers, timeout=30, **body)
        answer.raise_for_status()
        timings.setdefault(label, []).append(time.perf_counter() - start)
        return answer

    for _ in range(20):
        listing = timed(f"list ({count} open)", "GET", f"{api}/conversations").json()
    for handoff in listing["mine"][:count]:
        url = f"{api}/conversations/{handoff['id']}"
        timed("take", "POST", f"{url}/take")
        timed("reply", "POST", f"{url}/messages", json={"text": "Hi, Ben here."})
        timed("close", "POST", f"{url}/close", json={"note": "Bench."})
    return {
        label: {
            "count": len(values),
            "p50_ms": bench_load.percentile_ms(values, 50),
            "p95_ms": bench_load.percentile_ms(values, 95),
        }
        for label, values in timings.items()
        if values
    }


def measure(args: argparse.Namespace, workdir: Path) -> dict:
    from tests.support.web_app import write_always_open_inbox

    figures: dict = {"ours": {"loads": {}}, "starter": {"loads": {}}, "script": list(bench_load.SCRIPT)}
    ours, starter = figures["ours"], figures["starter"]
    project = bench_bots.make_starter(workdir)
    print("training the starter bot from clean...", flush=True)
    trained_starter = bench_bots.train_starter(workdir, project)
    starter["training"] = vars(trained_starter) | {"model": str(trained_starter.model)}
    if args.model:
        model = Path(args.model)
        ours["training"] = None
        print(f"ours: {model} (not trained here: no training figure)")
    else:
        print("training ours from clean...", flush=True)
        trained: Trained = bench_bots.train_ours(workdir)
        model = trained.model
        ours["training"] = vars(trained) | {"model": str(trained.model)}
    print(
        f"trained: starter {trained_starter.seconds} s, ours {(ours['training'] or {}).get('seconds', '-')} s",
        flush=True,
    )

    write_always_open_inbox(workdir / "inbox.yml")  # the handoff finds a team in at any hour
    bots: list[Bot] = []
    try:
        print("make run...", flush=True)
        mine = bench_bots.start_ours(workdir, model)
        bots.append(mine)
        stock_up(f"sqlite:///{workdir / 'shop.db'}")
        theirs = bench_bots.start_starter(workdir, project, trained_starter.model)
        bots.append(theirs)
        ours["start_s"], starter["start_s"] = mine.start_seconds, theirs.start_seconds
        print(f"answering: ours after {mine.start_seconds} s, the starter after {theirs.start_seconds} s", flush=True)
        for bot in bots:  # warm-up: what loads lazily on first use is not a customer's wait
            bench_load.run_load(bot.url, 1, 1, "warm-up", silence_is_error=bot.silence_is_error)

        print(f"{args.conversations} conversations one at a time each...", flush=True)
        for name, load in sequential(bots, args.conversations).items():
            figures[name]["loads"]["1"] = load.summary()
            figures[name]["steps"] = load.step_p50s(bench_load.SCRIPT)
        for level in args.concurrency:
            for bot in bots:
                print(f"{bot.name}: {level} at once...", flush=True)
                before = bench_load.action_counts(bot.action_url) if bot.action_url and level == 20 else None
                cpu_before = bot.cpu_seconds()
                load = bench_load.run_load(bot.url, level, level, f"c{level}", silence_is_error=bot.silence_is_error)
                figures[bot.name]["loads"][str(level)] = load.summary()
                if level == 20:
                    cpu = bot.cpu_seconds()
                    figures[bot.name]["cpu_ms_per_message_20"] = {
                        name: round((cpu[name] - cpu_before[name]) * 1000 / max(1, len(load.latencies)), 1)
                        for name in cpu
                    }
                    figures[bot.name]["tracker_problems_20"] = bench_load.check_trackers(
                        bot.url, bot.token, load.senders
                    )
                if before is not None:
                    after = bench_load.action_counts(bot.action_url)
                    figures[bot.name]["actions_per_message"] = bench_load.actions_per_message(
                        before, after, len(load.latencies)
                    )
        if args.crowd:
            print(f"ours: {args.crowd} at once...", flush=True)
            ours["loads"][str(args.crowd)] = bench_load.run_load(mine.url, args.crowd, args.crowd, "crowd").summary()
        for bot in bots:
            figures[bot.name]["rss_mb"] = bot.rss_mb()
        if args.profile:
            print("ours: 20 at once again, with py-spy on the Rasa server...", flush=True)
            ours["profile"] = profile_load(mine, workdir, 20)
        ours["inbox"] = inbox_timings(mine, args.handoffs)
    finally:
        for bot in bots:
            bot.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=10, help="conversations one at a time, per bot")
    parser.add_argument("--concurrency", type=int, nargs="*", default=[20, 50], help="customers at once, per load")
    parser.add_argument("--crowd", type=int, default=100, help="customers at once for ours alone (0: none)")
    parser.add_argument("--handoffs", type=int, default=10, help="handoffs taken through the inbox API (0: none)")
    parser.add_argument("--model", help="serve this trained model of ours instead of training one (no training figure)")
    parser.add_argument("--no-profile", dest="profile", action="store_false", help="skip the py-spy profile")
    parser.add_argument("--keep", action="store_true", help="keep the working folder (logs, models) and say where")
    args = parser.parse_args()
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        figures = measure(args, workdir)
    finally:
        if args.keep:
            print(f"working folder kept: {workdir}")
        else:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
    checked = targets(figures)
    figures["targets"] = [t.row() for t in checked]
    figures["bench_seconds"] = round(time.perf_counter() - started, 1)
    print_table(figures, checked)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    for path in (RESULTS / f"bench-{stamp}.json", RESULTS / "latest.json"):
        path.write_text(json.dumps(figures, indent=2, default=str) + "\n")
    print(f"\nwritten: results/bench/bench-{stamp}.json ({figures['bench_seconds'] / 60:.1f} min)")


if __name__ == "__main__":
    main()
