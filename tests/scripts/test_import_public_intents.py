"""The public data import: mapping, stable selection, and no example in two places."""

import json

from scripts import import_public_intents as imp


def test_rank_is_stable_and_in_unit_range():
    assert imp.rank("where is my order") == imp.rank("where is my order")
    assert 0 <= imp.rank("x") < 1


def test_clean_drops_what_rasa_would_read_as_annotations():
    assert imp.clean("buy [two](quantity) {x}") == "buy two quantity x"
    assert imp.clean(" [ ] ") is None


def test_selection_maps_intents_samples_off_topic_and_skips_taken_texts():
    rows = [
        ("hello there", "greeting"),
        ("hi!", "greeting"),
        ("what's the weather", "weather"),
        ("will it rain", "weather"),
        ("is it sunny", "weather"),
        ("add milk to my list", "shopping_list"),
        ("i want to buy a game", "oos"),
        ("how old is the moon", "oos"),
        ("taken text", "greeting"),
    ]
    taken = {imp.normalized("taken text"): "dev"}
    selected = imp.select_training(rows, imp.CLINC_TO_OURS, oos_per_intent=2, taken=taken)
    assert sorted(selected["greet"]) == ["hello there", "hi!"]
    weather = [t for t in selected["out_of_scope"] if t in ("what's the weather", "will it rain", "is it sunny")]
    assert len(weather) == 2  # sampled per source intent
    assert "i want to buy a game" not in selected["out_of_scope"]  # a shop request in CLINC's oos
    assert "how old is the moon" in selected["out_of_scope"]


def test_not_trained_intents_are_left_out_of_training_but_kept_in_dev_as_off_topic():
    rows = [("my refund is not showing", "Refund_not_showing_up"), ("refund please", "request_refund")]
    assert dict(imp.select_training(rows, imp.BANKING_TO_OURS, 5, {})) == {"refund": ["refund please"]}
    dev = imp.select_dev(rows, imp.BANKING_TO_OURS, {})
    assert dev["out_of_scope"] == ["my refund is not showing"] and dev["refund"] == ["refund please"]


def test_requests_the_guard_overrules_made_of_another_company_are_not_trained():
    import re

    rows = [("what's the status of my last amazon order", "order_status"), ("did my order ship", "order_status")]
    rows += [("where is my amazon package", "oos"), ("order dog food from amazon", "order")]
    elsewhere = re.compile(r"\bamazon\b")
    selected = imp.select_training(rows, imp.CLINC_TO_OURS, 5, {}, elsewhere)
    assert selected["order_status"] == ["did my order ship"]
    assert selected["purchase"] == ["order dog food from amazon"]  # the guard lets buying through
    assert selected["out_of_scope"] == ["where is my amazon package"]  # off-topic anyway
    assert imp.other_companies().search("can you check my amazon order")  # our lookup table
    assert not imp.other_companies().search("did ups ship it")  # a partner of the shop


def test_main_writes_disjoint_training_and_dev_files(tmp_path, monkeypatch):
    source = tmp_path / "src"
    source.mkdir()
    train = [[f"where is my order number {i}", "order_status"] for i in range(5)]
    train += [[f"weather question {i}", "weather"] for i in range(40)]
    val = [["where is my order number 1", "order_status"], ["is it cold", "weather"]]
    (source / "clinc150_train_val.json").write_text(
        json.dumps({"train": train, "val": val, "oos_train": [["how far is mars", "oos"]], "oos_val": []})
    )
    (source / "banking77_train.csv").write_text(
        "text,category\n"
        + "".join(f"refund my card payment {i},request_refund\nmy pin {i},change_pin\n" for i in range(20))
    )
    for name in ("TRAIN_DIR", "DEV_DIR", "OWN_DATA", "HELD_OUT"):
        monkeypatch.setattr(imp, name, tmp_path / name.lower())
    monkeypatch.setattr(imp, "ROOT", tmp_path)
    assert imp.main(["--source", str(source)]) == 0
    from rasa.shared.nlu.training_data.loading import load_data

    trained = {imp.normalized(m.get("text")) for m in load_data(str(tmp_path / "train_dir")).nlu_examples}
    dev = {imp.normalized(m.get("text")) for m in load_data(str(tmp_path / "dev_dir")).nlu_examples}
    assert trained and dev and not trained & dev
    assert imp.normalized("where is my order number 1") in dev
    header = (tmp_path / "train_dir" / "clinc150.yml").read_text().splitlines()[0]
    assert header.startswith("# Derived from CLINC150")
    assert sum(1 for t in trained if t.startswith("weather question")) == imp.OOS_PER_CLINC_INTENT
