"""The load `make bench` puts on a bot over REST: one scripted shopping conversation per
customer, run one at a time or many at once, with every message's latency, every failure, and a
check that each conversation's tracker holds its messages once and in order."""

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

# Greeting, product and stock questions with follow-ups, a purchase to its order, a refund to its
# read-back (declined, so that every customer of the run takes the same path: a filed refund
# cannot be filed again), an FAQ and a handoff. The starter bot gets the same messages.
SCRIPT = (
    "hi",
    "do you have the trail boots in size 10?",
    "how much are they?",
    "do you have them in brown?",
    "I want to buy a hoodie",
    "M",
    "black",
    "1",
    "bench@example.com",
    "yes",
    "I want a refund",
    "A1003",
    "james.carter@example.com",
    "the dress shoes",
    "they are too small",
    "no",
    "what is your return policy?",
    "can I talk to a human?",
)
# What the bench's customers buy: its throwaway shop gets enough of it for every run.
BOUGHT = {"product": "Hoodie", "size": "M", "color": "black"}


@dataclass
class Load:
    """What one load gave: each answered message's latency (s), the failures, the wall time."""

    conversations: int
    concurrency: int
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    senders: list[str] = field(default_factory=list)
    steps: dict[int, list[float]] = field(default_factory=dict)  # script position -> latencies

    def step_p50s(self, script: tuple[str, ...]) -> dict[str, float | None]:
        """The median latency of each message of the script (ms): which turns are the slow ones."""
        return {f"{i + 1}. {text}": percentile_ms(self.steps.get(i, []), 50) for i, text in enumerate(script)}

    @property
    def messages(self) -> int:
        return len(self.latencies) + len(self.errors)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def summary(self) -> dict:
        return {
            "conversations": self.conversations,
            "concurrency": self.concurrency,
            "messages": self.messages,
            "errors": len(self.errors),
            "first_errors": self.errors[:5],
            "p50_ms": percentile_ms(self.latencies, 50),
            "p95_ms": percentile_ms(self.latencies, 95),
            "p99_ms": percentile_ms(self.latencies, 99),
            "max_ms": percentile_ms(self.latencies, 100),
            "messages_per_s": round(self.throughput, 2),
            "elapsed_s": round(self.elapsed, 1),
        }


def percentile_ms(values: list[float], pct: float) -> float | None:
    """The nearest-rank percentile in milliseconds (None for no values): p95 of 20 values is the 19th."""
    if not values:
        return None
    ordered = sorted(values)
    if pct == 50:
        return round(statistics.median(ordered) * 1000, 1)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil without floats
    return round(ordered[int(rank) - 1] * 1000, 1)


def converse(url: str, sender: str, script: tuple[str, ...], load: Load, silence_is_error: bool) -> None:
    """One customer: each message waits for the answer to the one before, as a person does.
    Ours never answers with silence; the starter bot does where its stories end (not a failure)."""
    session = requests.Session()
    for step, text in enumerate(script):
        start = time.perf_counter()
        try:
            answer = session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120)
            answer.raise_for_status()
            if silence_is_error and not answer.json():
                raise ValueError("no answer")
        except (requests.RequestException, ValueError) as error:
            load.errors.append(f"{sender} {text!r}: {error}")
            continue
        load.latencies.append(time.perf_counter() - start)
        load.steps.setdefault(step, []).append(load.latencies[-1])


def run_load(
    url: str,
    conversations: int,
    concurrency: int,
    tag: str,
    script: tuple[str, ...] = SCRIPT,
    silence_is_error: bool = True,
) -> Load:
    """`conversations` customers, `concurrency` of them at a time, each with a new sender id."""
    load = Load(conversations, concurrency)
    load.senders = [f"bench-{tag}-{index}-{time.time_ns()}" for index in range(conversations)]
    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(lambda sender: converse(url, sender, script, load, silence_is_error), load.senders))
    load.elapsed = time.perf_counter() - began
    return load


def misrecorded(user_texts: list[str], script: tuple[str, ...]) -> str | None:
    """Why a tracker's user messages are not the script once each and in order, or None."""
    if user_texts == list(script):
        return None
    if len(user_texts) != len(script):
        return f"{len(user_texts)} user messages recorded for {len(script)} sent"
    first = next(i for i, (got, sent) in enumerate(zip(user_texts, script, strict=True)) if got != sent)
    return f"message {first + 1} recorded as {user_texts[first]!r}, sent {script[first]!r}"


def check_trackers(url: str, token: str, senders: list[str], script: tuple[str, ...] = SCRIPT) -> list[str]:
    """Each conversation's problems (a message missing, twice or out of order), from the tracker."""
    problems = []
    for sender in senders:
        answer = requests.get(f"{url}/conversations/{sender}/tracker", params={"token": token}, timeout=60)
        if not answer.ok:
            problems.append(f"{sender}: tracker not read ({answer.status_code})")
            continue
        texts = [e.get("text") for e in answer.json()["events"] if e.get("event") == "user"]
        problem = misrecorded(texts, script)
        if problem:
            problems.append(f"{sender}: {problem}")
    return problems


def action_counts(action_url: str) -> dict[str, tuple[float, float]]:
    """Each custom action's (calls, seconds) so far, from the action server's /metrics: two reads
    around a load tell how many round trips a message makes and what each costs."""
    from prometheus_client.parser import text_string_to_metric_families

    answer = requests.get(f"{action_url}/metrics", timeout=30)
    answer.raise_for_status()
    counts: dict[str, list[float]] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            name = sample.labels.get("action")
            if sample.name == "shop_actions_total" and name:
                counts.setdefault(name, [0.0, 0.0])[0] += sample.value
            elif sample.name == "shop_action_seconds_sum" and name:
                counts.setdefault(name, [0.0, 0.0])[1] += sample.value
    return {name: (calls, seconds) for name, (calls, seconds) in counts.items()}


def actions_per_message(before: dict, after: dict, messages: int) -> dict[str, dict]:
    """Per action: calls per customer message and mean milliseconds per call, between two reads."""
    rows = {}
    for name, (calls, seconds) in after.items():
        done = calls - before.get(name, (0.0, 0.0))[0]
        spent = seconds - before.get(name, (0.0, 0.0))[1]
        if done > 0:
            rows[name] = {"per_message": round(done / messages, 3), "ms_per_call": round(spent / done * 1000, 1)}
    return dict(sorted(rows.items(), key=lambda row: -row[1]["per_message"]))
