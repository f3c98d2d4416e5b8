"""make bench's arithmetic: percentiles, the tracker check, the profile's stages, the targets."""

from scripts import bench, bench_load, bench_profile

SITE = "/work/.venv/lib/python3.10/site-packages"


def test_percentiles_are_nearest_rank_in_milliseconds():
    values = [i / 1000 for i in range(1, 21)]  # 1 ms .. 20 ms
    assert bench_load.percentile_ms(values, 95) == 19.0
    assert bench_load.percentile_ms(values, 99) == 20.0
    assert bench_load.percentile_ms(values, 100) == 20.0
    assert bench_load.percentile_ms(values, 50) == 10.5
    assert bench_load.percentile_ms([], 95) is None


def test_a_load_with_failures_counts_them_beside_the_answers():
    load = bench_load.Load(1, 1, latencies=[0.1, 0.3], errors=["x 'hi': 500"], elapsed=2.0)
    summary = load.summary()
    assert summary["messages"] == 3 and summary["errors"] == 1
    assert summary["messages_per_s"] == 1.0  # answered messages only
    assert summary["p50_ms"] == 200.0


def test_a_tracker_must_hold_each_message_once_and_in_order():
    script = ("hi", "M", "black")
    assert bench_load.misrecorded(["hi", "M", "black"], script) is None
    assert bench_load.misrecorded(["hi", "M", "M", "black"], script) == "4 user messages recorded for 3 sent"
    assert bench_load.misrecorded(["hi", "black", "M"], script) == "message 2 recorded as 'black', sent 'M'"
    assert bench_load.misrecorded(["hi"], script) == "1 user messages recorded for 3 sent"


def test_action_counts_between_two_reads_are_per_message():
    before = {"action_greet": (10.0, 0.5)}
    after = {"action_greet": (30.0, 1.5), "validate_purchase_form": (40.0, 2.0), "action_idle": (3.0, 0.1)}
    rows = bench_load.actions_per_message(before | {"action_idle": (3.0, 0.1)}, after, 20)
    assert rows == {
        "validate_purchase_form": {"per_message": 2.0, "ms_per_call": 50.0},
        "action_greet": {"per_message": 1.0, "ms_per_call": 50.0},
    }


def frame(name: str, path: str, line: int = 1) -> str:
    return f"{name} ({SITE}/{path}:{line})"


def test_each_sample_goes_to_the_innermost_stage_of_its_stack():
    # The REST channel's handler holds the whole turn: the innermost stage marker names the stage.
    handle = f"{frame('receive', 'addons/rest.py')};{frame('handle_message', 'rasa/core/processor.py')}"
    save = frame("save", "rasa/core/tracker_store.py")
    nlu = frame("parse_message", "rasa/core/processor.py")
    run = frame("run", "rasa/core/actions/action.py")
    http = frame("request", "rasa/utils/endpoints.py")
    raw = "\n".join(
        [
            f"{handle};{nlu};{frame('process', 'addons/linear_intent_classifier.py')} 30",
            f"{handle};{save};{frame('commit', 'sqlalchemy/orm/session.py')} 10",
            f"{handle};{run};{http};{frame('read', 'aiohttp/streams.py')} 20",
            f"{handle};{run};{frame('generate', 'rasa/core/nlg/template.py')} 5",
            f"{frame('_run_once', 'asyncio/base_events.py')};{frame('select', 'selectors.py')} 500",
            f"{handle} 5",
            "not a sample line",
        ]
    )
    counts = bench_profile.breakdown(raw)
    assert counts == {
        "NLU": 30,
        "actions: action server round trip": 20,
        "tracker store save": 10,
        "actions: in the Rasa server": 5,
        "REST channel and JSON": 5,
    }
    shares = bench_profile.per_turn(counts, rate=100, turns=10)
    assert shares["NLU"] == {"share": 0.429, "ms_per_turn": 30.0}


def figures(**ours_loads) -> dict:
    starter_loads = {"1": {"p50_ms": 80.0, "p95_ms": 120.0}, "20": {"messages_per_s": 17.0, "errors": 0}}
    ours = {
        "loads": ours_loads,
        "rss_mb": {"Rasa server": 1000.0},
        "start_s": 25.0,
        "training": {"seconds": 200.0},
        "tracker_problems_20": [],
    }
    return {"ours": ours, "starter": {"loads": starter_loads, "rss_mb": {"Rasa server": 1200.0}}}


def test_the_targets_are_checked_as_ratios_to_the_starter_bot():
    checked = bench.targets(
        figures(
            **{
                "1": {"p50_ms": 160.0, "p95_ms": 300.0},
                "20": {"messages_per_s": 13.0, "errors": 0},
                "100": {"p95_ms": 9000.0},
            }
        )
    )
    by_name = {t.figure.split(" (")[0]: (t.value, t.holds) for t in checked}
    assert by_name["p50, one conversation at a time"] == (2.0, True)
    assert by_name["p95, one conversation at a time"] == (2.5, False)
    assert by_name["20 at once: messages/s"] == (0.76, True)
    assert by_name["20 at once: no error, every message in its tracker once, in order"] == (1.0, True)
    assert by_name["100 at once: p95"] == (9.0, True)
    assert by_name["Rasa server memory"] == (0.83, True)
    assert by_name["make run: start to first answer"] == (25.0, True)
    assert by_name["full training from clean"] == (200.0, True)


def test_a_load_with_errors_or_a_misrecorded_tracker_fails_its_target_and_an_unmeasured_one_says_so():
    data = figures(**{"20": {"messages_per_s": 20.0, "errors": 2}})
    data["ours"]["training"] = None
    checked = {t.figure: t.holds for t in bench.targets(data)}
    assert checked["20 at once: no error, every message in its tracker once, in order"] is False
    assert checked["p50, one conversation at a time (ours / starter)"] is None
    assert checked["full training from clean (s)"] is None
    data = figures(**{"20": {"messages_per_s": 20.0, "errors": 0}})
    data["ours"]["tracker_problems_20"] = ["bench-1: message 2 recorded as 'M', sent 'black'"]
    checked = {t.figure: t.holds for t in bench.targets(data)}
    assert checked["20 at once: no error, every message in its tracker once, in order"] is False


def test_hot_functions_leave_out_the_dispatch_and_the_handler_chain():
    loop = frame("run", "sanic/app.py")
    handler = frame("handle_message", "rasa/core/processor.py")
    ted = frame("predict_action_probabilities", "rasa/core/policies/ted_policy.py")
    nlu = frame("ranking", "addons/linear_intent_classifier.py")
    raw = f"{loop};{handler};{ted} 40\n{loop};{handler};{nlu} 30\n{loop};{handler} 30"
    hot = dict(bench_profile.hot_functions(raw))
    assert hot == {
        "predict_action_probabilities (rasa/core/policies/ted_policy.py)": 0.4,
        "ranking (addons/linear_intent_classifier.py)": 0.3,
    }
