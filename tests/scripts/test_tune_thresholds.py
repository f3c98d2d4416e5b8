"""Threshold tuning: the lowest threshold that keeps off-topic messages within the budget."""

from scripts import tune_thresholds as tune

OOS = "out_of_scope"


def test_lowest_threshold_keeps_the_budget():
    # 100 off-topic messages; 3 taken for refund at 0.5, 0.7 and 0.9 confidence.
    guesses = [(OOS, "out_of_scope", 0.9)] * 97 + [(OOS, "refund", c) for c in (0.5, 0.7, 0.9)]
    assert tune.lowest_threshold(guesses, "refund", budget=0.0) == 0.925  # none may pass
    assert tune.lowest_threshold(guesses, "refund", budget=0.01) == 0.725  # the 0.9 one passes
    assert tune.lowest_threshold(guesses, "refund", budget=0.02) == 0.525
    assert tune.lowest_threshold(guesses, "refund", budget=0.05) == tune.FLOOR


def test_an_intent_that_never_takes_off_topic_text_keeps_the_floor():
    guesses = [(OOS, "out_of_scope", 0.9)] * 10 + [("refund", "refund", 0.4)]
    assert tune.lowest_threshold(guesses, "refund", budget=0.0) == tune.FLOOR


def test_unreachable_budget_gives_the_top_of_the_grid():
    guesses = [(OOS, "refund", 0.99)] * 10
    assert tune.lowest_threshold(guesses, "refund", budget=0.0) == tune.GRID[-1]


def test_recall_at_counts_in_scope_messages_kept():
    guesses = [("refund", "refund", 0.8), ("refund", "refund", 0.4), ("refund", "purchase", 0.9)]
    assert tune.recall_at(guesses, "refund", 0.5) == (1, 3)


def test_write_thresholds_replaces_the_block_and_keeps_the_rest(tmp_path):
    config = tmp_path / "config.yml"
    config.write_text(
        "pipeline:\n  # keep me\n  - name: addons.intent_thresholds.PerIntentFallbackClassifier\n"
        "    threshold: 0.3\n    intent_thresholds:\n      purchase: 0.3\n\npolicies:\n"
    )
    tune.write_thresholds(config, {"purchase": 0.65, "refund": 0.6})
    text = config.read_text()
    assert "      purchase: 0.65\n      refund: 0.6\n" in text
    assert "# keep me" in text and text.endswith("\npolicies:\n")


def test_the_variants_of_ours_share_its_thresholds(tmp_path):
    (tmp_path / "linear_words.yml").write_text("# Ours with word n-grams only\npipeline: []\n")
    (tmp_path / "rasa_default.yml").write_text("# Rasa's default pipeline\npipeline: []\n")
    assert [p.name for p in tune.variants_of_ours(tmp_path)] == ["linear_words.yml"]
    assert {p.name for p in tune.variants_of_ours()} >= {"linear_words.yml", "linear_raw_text.yml"}
