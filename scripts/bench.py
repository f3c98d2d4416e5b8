"""Prints the assistant's speed and memory: per-turn latency over REST (p50/p95/max) for
scripted conversations, sequential and concurrent, the servers' resident memory, and the human
handoff: the handover turn, and the inbox API (list, take, reply, close) with the web app.
Starts the servers on free ports with throwaway databases; bounded in turns and time."""

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from tests.support.servers import Chat, Servers
from tests.support.web_app import WebApp, set_agent_password, write_always_open_inbox

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = [
    "hi",
    "do you have the trail boots in size 10?",
    "how much is it?",
    "I want to buy a hoodie",
    "M",
    "black",
    "1",
    "bench@example.com",
    "no",
    "where is my order A1002",
]


def converse(servers: Servers, index: int) -> list:
    chat = Chat(servers, sender=f"bench-{index}-{time.time_ns()}")
    timings = []
    for message in SCRIPT:
        start = time.perf_counter()
        chat.say(message)
        timings.append(time.perf_counter() - start)
    return timings


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(call) -> float:
    start = time.perf_counter()
    answer = call()
    answer.raise_for_status()
    return time.perf_counter() - start


def bench_handoff(servers: Servers, workdir: Path, inbox_config: Path, count: int) -> None:
    """`count` customers ask for a person; one agent lists, takes, answers and closes each."""
    password = "bench password 123"
    set_agent_password(servers.shop_db, "ben@shop.example", password)
    web = WebApp(workdir, servers.shop_db, servers, extra_env={"INBOX_CONFIG": str(inbox_config)})
    try:
        api = f"{web.url}/inbox/api"
        token = requests.post(
            f"{api}/login", json={"email": "ben@shop.example", "password": password}, timeout=30
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        requests.post(f"{api}/presence", json={"online": True}, headers=headers, timeout=30).raise_for_status()
        handovers, chats = [], []
        for index in range(count):
            chat = Chat(servers, sender=f"bench-handoff-{index}-{time.time_ns()}")
            chat.say("do you have the trail boots in size 10?")
            start = time.perf_counter()
            chat.say("let me talk to a human")
            handovers.append(time.perf_counter() - start)
            chats.append(chat)
        report("handover turn", handovers)
        listing = [timed(lambda: requests.get(f"{api}/conversations", headers=headers, timeout=30)) for _ in range(20)]
        report(f"inbox list ({count} open)", listing)
        ids = [c["id"] for c in requests.get(f"{api}/conversations", headers=headers, timeout=30).json()["mine"]]
        steps = {"take": [], "reply": [], "close": []}
        for handoff_id in ids:
            url = f"{api}/conversations/{handoff_id}"
            steps["take"].append(timed(lambda url=url: requests.post(f"{url}/take", headers=headers, timeout=30)))
            steps["reply"].append(
                timed(
                    lambda url=url: requests.post(
                        f"{url}/messages", json={"text": "Hi, Ben here."}, headers=headers, timeout=30
                    )
                )
            )
            steps["close"].append(
                timed(
                    lambda url=url: requests.post(f"{url}/close", json={"note": "Bench."}, headers=headers, timeout=30)
                )
            )
        for step, timings in steps.items():
            report(f"inbox {step}", timings)
        print(f"memory: web app {rss_mb(web.proc.pid):.0f} MB")
    finally:
        web.stop()


def report(label: str, timings: list) -> None:
    ordered = sorted(timings)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(
        f"{label}: {len(timings)} turns, p50 {statistics.median(ordered) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=5)
    parser.add_argument("--handoffs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        started = time.perf_counter()
        inbox_config = write_always_open_inbox(Path(workdir) / "inbox.yml")
        servers = Servers(Path(workdir), extra_env={"INBOX_CONFIG": str(inbox_config)}).start()
        print(f"start-up (seed, action server, Rasa server with the model): {time.perf_counter() - started:.1f} s")
        try:
            converse(servers, -1)  # warm-up: first calls load lazily
            sequential = [t for i in range(args.conversations) for t in converse(servers, i)]
            report("sequential", sequential)
            began = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                results = list(pool.map(lambda i: converse(servers, 1000 + i), range(args.concurrency)))
            elapsed = time.perf_counter() - began
            concurrent = [t for r in results for t in r]
            report(f"{args.concurrency} concurrent conversations", concurrent)
            print(f"throughput: {len(concurrent) / elapsed:.1f} turns/s")
            print(
                f"memory: Rasa server {rss_mb(servers.procs['rasa'].pid):.0f} MB, "
                f"action server {rss_mb(servers.procs['actions'].pid):.0f} MB"
            )
            bench_handoff(servers, Path(workdir), inbox_config, args.handoffs)
        finally:
            servers.stop()


if __name__ == "__main__":
    main()
