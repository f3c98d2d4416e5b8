"""compare-nlu's pure parts: stratified folds, the comparison, the table."""

from scripts import compare_nlu as c


def examples(counts):
    return [{"text": f"{intent} {i}", "gold": intent} for intent, n in counts.items() for i in range(n)]


def test_folds_are_disjoint_complete_and_stratified():
    data = examples({"greet": 9, "refund": 6, "out_of_scope": 30})
    parts = c.folds(data, 3)
    assert sorted(e["text"] for p in parts for e in p) == sorted(e["text"] for e in data)
    for part in parts:
        assert sum(e["gold"] == "greet" for e in part) == 3
        assert sum(e["gold"] == "refund" for e in part) == 2
    assert c.folds(data, 3) == parts  # the same split on every run


def result(name, seconds, **figures):
    return {"name": name, "description": name, "train_seconds": seconds, "model_mb": 1.0, "held_out": figures}


def test_beats_names_each_figure_where_ours_is_worse():
    ours = result("ours", 100, in_scope_accuracy=0.9, off_topic_false_accept=0.04)
    other = result("other", 50, in_scope_accuracy=0.8, off_topic_false_accept=0.03)
    assert c.beats(ours, other) == ["held-out off-topic → action", "training time"]
    assert c.beats(ours, result("slow", 500, in_scope_accuracy=0.5, off_topic_false_accept=0.2)) == []


def test_markdown_marks_ours_and_what_is_missing():
    text = c.markdown(
        [result("ours", 10, in_scope_accuracy=0.9), result("alt", 5, in_scope_accuracy=0.95)],
        2,
        missing=["rasa_default"],
        notes_of={"rasa_default": ["stopped at epoch 50"]},
    )
    assert "| **ours** | 10 |" in text and "0.900" in text and "—" in text
    assert "Not measured yet" in text and "rasa_default" in text
    assert "- rasa_default: stopped at epoch 50" in text
    assert "- alt: held-out in-scope acc., training time" in text


def test_training_is_compared_by_cpu_seconds_where_both_have_them():
    # Ours waited longer on a shared machine but used less CPU: not worse.
    ours = {**result("ours", 300), "train_cpu_seconds": 70}
    other = {**result("other", 100), "train_cpu_seconds": 90}
    assert c.beats(ours, other) == []
    assert "| **ours** | 300 | 70 |" in c.markdown([ours, other], 2)
    assert "| other | 100 | 90 |" in c.markdown([ours, other], 2)


def test_train_returns_wall_and_cpu_seconds_of_the_training(monkeypatch, tmp_path):
    """The CPU time is the training process's own (a stand-in for rasa that burns 0.3 s)."""
    fake_rasa = tmp_path / "rasa"
    fake_rasa.write_text(
        "#!/usr/bin/env python3\nimport time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\n"
    )
    fake_rasa.chmod(0o755)
    monkeypatch.setattr(c, "RASA", str(fake_rasa))
    wall, cpu = c.train(tmp_path / "config.yml", tmp_path, tmp_path, "x")
    assert 0.25 <= cpu <= wall + 0.1


def test_cv_only_adds_the_folds_to_a_result_measured_before(tmp_path, monkeypatch):
    import json

    import pytest

    monkeypatch.setattr(c, "RESULTS", tmp_path)
    with pytest.raises(SystemExit, match="no result"):
        c.cross_validate_only("slow", tmp_path / "slow.yml", 2, 2)
    (tmp_path / "slow.json").write_text(json.dumps(result("slow", 4848, in_scope_accuracy=0.79)))
    seen = {}
    monkeypatch.setattr(c, "cross_validate", lambda config, k, work, jobs: seen.update(k=k, jobs=jobs) or {"x": 1})
    updated = c.cross_validate_only("slow", tmp_path / "slow.yml", 2, 2)
    assert updated["cv"] == {"x": 1} and updated["held_out"] == {"in_scope_accuracy": 0.79}
    assert seen == {"k": 2, "jobs": 2}


def test_a_result_measured_on_other_training_data_is_flagged(monkeypatch):
    monkeypatch.setattr(c, "training_data_fingerprint", lambda: "now")
    fresh = {**result("ours", 10, in_scope_accuracy=0.9), "training_data": "now"}
    old = {**result("alt", 5, in_scope_accuracy=0.8), "training_data": "before", "reconstructed": "from the doc"}
    text = c.markdown([fresh, old], 2)
    assert "Measured on other training data than `data/nlu/` holds now: alt " in text
    assert "- **alt**: alt. Its scores: from the doc." in text
    assert "other training data" not in c.markdown([fresh], 2)


def test_the_fingerprint_follows_the_training_data(tmp_path, monkeypatch):
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    monkeypatch.setattr(c, "ROOT", tmp_path)
    (tmp_path / "data" / "nlu" / "a.yml").write_text("nlu: []\n")
    first = c.training_data_fingerprint()
    assert c.training_data_fingerprint() == first
    (tmp_path / "data" / "nlu" / "a.yml").write_text("nlu: [x]\n")
    assert c.training_data_fingerprint() != first


def test_a_fold_keeps_the_lookup_tables_and_synonyms_of_all_the_data(tmp_path):
    from rasa.shared.nlu.training_data.loading import load_data

    everything = load_data(str(c.ROOT / "data" / "nlu"))
    examples = c.training_examples()[:20]
    c.write_nlu(examples, tmp_path / "fold.yml")
    fold = load_data(str(tmp_path / "fold.yml"))
    assert [m.get("text") for m in fold.training_examples] == [e["text"] for e in examples]
    assert fold.lookup_tables == everything.lookup_tables and fold.lookup_tables
    assert fold.entity_synonyms == everything.entity_synonyms and fold.entity_synonyms
