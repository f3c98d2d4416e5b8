"""Prints the assistant's speed and memory: per-turn latency over REST (p50/p95/max) for
scripted conversations, sequential and concurrent, and the servers' resident memory.
Starts both servers on free ports with throwaway databases; bounded in turns and time."""
import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.servers import Chat, Servers  # noqa: E402

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


def report(label: str, timings: list) -> None:
    ordered = sorted(timings)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(f"{label}: {len(timings)} turns, p50 {statistics.median(ordered) * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        started = time.perf_counter()
        servers = Servers(Path(workdir)).start()
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
            print(f"memory: Rasa server {rss_mb(servers.procs['rasa'].pid):.0f} MB, "
                  f"action server {rss_mb(servers.procs['actions'].pid):.0f} MB")
        finally:
            servers.stop()


if __name__ == "__main__":
    main()
