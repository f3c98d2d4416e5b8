"""The NLU components that need no training: the catalog phrase matcher and the patterns.
Built straight from seed/catalog.yml and config.yml, as the trained pipeline builds them."""

from pathlib import Path

import pytest
import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _pipeline_config(component_name: str) -> dict:
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    matches = [c for c in config["pipeline"] if c["name"] == component_name]
    assert len(matches) == 1, f"{component_name} should be in the pipeline once"
    return matches[0]


@pytest.fixture(scope="module")
def catalog() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "seed" / "catalog.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def catalog_extractor(catalog):
    from addons.catalog_entity_extractor import CatalogEntityExtractor, catalog_phrases

    config = _pipeline_config("addons.catalog_entity_extractor.CatalogEntityExtractor")
    return CatalogEntityExtractor(config, catalog_phrases(catalog))


@pytest.fixture(scope="module")
def pattern_extractor():
    from addons.pattern_entity_extractor import PatternEntityExtractor

    return PatternEntityExtractor(_pipeline_config("addons.pattern_entity_extractor.PatternEntityExtractor"))


def found(entities):
    """(entity, value, matched text) triples, to compare with a table."""
    return [(e["entity"], e["value"], e["_text"]) for e in entities]


def extract(extractor, text):
    entities = extractor.extract(text)
    for e in entities:
        e["_text"] = text[e["start"] : e["end"]]
    return entities


# --------------------------------------------------------------------------- catalog phrases


def test_catalog_phrases_cover_names_synonyms_plurals_and_colors(catalog):
    from addons.catalog_entity_extractor import catalog_phrases

    phrases = catalog_phrases(catalog)
    products, colors = phrases["product"], phrases["color"]
    assert products["classic dress shoes"] == "Classic Dress Shoes"
    assert products["classic dress shoe"] == "Classic Dress Shoes"  # singular of a plural name
    assert products["hoodie"] == products["hoodies"] == "Hoodie"  # plural of a singular name
    assert products["tee"] == products["tees"] == "Cotton T-Shirt"
    assert products["leather dress shoes"] == "Classic Dress Shoes"
    # every product name is a phrase of its own product
    assert all(products[entry["name"].lower()] == entry["name"] for entry in catalog["products"])
    # every variant color, lower case; "gray" is the other spelling of "grey"
    all_colors = {v["color"] for entry in catalog["products"] for v in entry.get("variants", []) if v.get("color")}
    assert set(colors) == all_colors | {"gray"}
    assert colors["gray"] == "grey"


def test_catalog_phrases_are_never_both_product_and_color(catalog):
    from addons.catalog_entity_extractor import catalog_phrases

    phrases = catalog_phrases(catalog)
    assert not set(phrases["product"]) & set(phrases["color"])


# --------------------------------------------------------------------------- catalog matcher


def test_dress_shoes_example_with_spans(catalog_extractor):
    text = "do you have black dress shoes in size 10"
    entities = catalog_extractor.extract(text)
    assert entities == [
        {"entity": "color", "value": "black", "start": 12, "end": 17, "confidence_entity": 1.0},
        {"entity": "product", "value": "Classic Dress Shoes", "start": 18, "end": 29, "confidence_entity": 1.0},
    ]
    assert [text[e["start"] : e["end"]] for e in entities] == ["black", "dress shoes"]


@pytest.mark.parametrize(
    "text, expected",
    [
        # plurals and singulars
        ("do you sell hoodies?", [("product", "Hoodie", "hoodies")]),
        ("one hoodie", [("product", "Hoodie", "hoodie")]),
        ("any classic dress shoe left", [("product", "Classic Dress Shoes", "classic dress shoe")]),
        ("Chelsea Boot in brown", [("product", "Chelsea Boots", "Chelsea Boot"), ("color", "brown", "brown")]),
        # synonyms, case-insensitive
        ("a grey tee", [("color", "grey", "grey"), ("product", "Cotton T-Shirt", "tee")]),
        ("Do you have T-shirts?", [("product", "Cotton T-Shirt", "T-shirts")]),
        ("price of the RUCKSACK", [("product", "Canvas Backpack", "RUCKSACK")]),
        ("gray hoodie", [("color", "grey", "gray"), ("product", "Hoodie", "hoodie")]),
        # the longest phrase wins
        ("the leather dress shoes", [("product", "Classic Dress Shoes", "leather dress shoes")]),
        ("an oxford shirt", [("product", "Oxford Shirt", "oxford shirt")]),  # not "oxford" (shoes)
        ("a leather tote bag", [("product", "Leather Tote", "leather tote bag")]),
        ("wool coats", [("product", "Wool Coat", "wool coats")]),
        # two products
        ("hoodie or joggers", [("product", "Hoodie", "hoodie"), ("product", "Joggers", "joggers")]),
        # whole words only
        ("I want to track my order", []),
        ("capital", []),  # not "cap"
        ("teeth", []),  # not "tee"
        ("", []),
    ],
)
def test_catalog_matcher(catalog_extractor, text, expected):
    assert found(extract(catalog_extractor, text)) == expected


def test_catalog_matcher_spans_cut_out_the_matched_text(catalog_extractor):
    text = "Hi!  Do you have NAVY Wool Coats, or a navy beanie?"
    entities = catalog_extractor.extract(text)
    assert [(e["entity"], e["value"]) for e in entities] == [
        ("color", "navy"),
        ("product", "Wool Coat"),
        ("color", "navy"),
        ("product", "Wool Beanie"),
    ]
    assert [text[e["start"] : e["end"]] for e in entities] == ["NAVY", "Wool Coats", "navy", "beanie"]


def test_process_appends_entities_with_the_extractor_name(catalog_extractor):
    from rasa.shared.nlu.training_data.message import Message

    earlier = {"entity": "size", "value": "10", "start": 38, "end": 40, "extractor": "DIETClassifier"}
    message = Message(data={"text": "do you have black dress shoes in size 10", "entities": [earlier]})
    empty = Message(data={"text": ""})
    catalog_extractor.process([message, empty])
    entities = message.get("entities")
    assert entities[0] == earlier
    assert [(e["entity"], e["value"], e["extractor"]) for e in entities[1:]] == [
        ("color", "black", "CatalogEntityExtractor"),
        ("product", "Classic Dress Shoes", "CatalogEntityExtractor"),
    ]
    assert not empty.get("entities")


def test_catalog_extractor_reads_the_catalog_on_create(tmp_path, monkeypatch):
    """A product added to the catalog is recognized after a restart, no retraining."""
    from addons.catalog_entity_extractor import CatalogEntityExtractor

    catalog = tmp_path / "catalog.yml"
    catalog.write_text(
        "products:\n"
        "  - {sku: X-1, name: Rain Poncho, category: outerwear, price: 10, synonyms: [poncho],\n"
        "     variants: [{color: teal, stock: 1}]}\n"
    )
    monkeypatch.setenv("CATALOG_PATH", str(catalog))
    extractor = CatalogEntityExtractor.create({"catalog_path": "does/not/exist.yml"}, None, None, None)
    assert found(extract(extractor, "a teal poncho")) == [
        ("color", "teal", "teal"),
        ("product", "Rain Poncho", "poncho"),
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        # typos of catalog words, in the shell conversations that went wrong
        (
            "pls do u have the backpak in olive",
            [("product", "Canvas Backpack", "backpak"), ("color", "olive", "olive")],
        ),
        ("r the runing shoes in stock", [("product", "Running Shoes", "runing shoes")]),
        ("do u have the denim jaket in L", [("product", "Denim Jacket", "denim jaket")]),
        ("hoddie", [("product", "Hoodie", "hoddie")]),
        ("Hoddies pls", [("product", "Hoodie", "Hoddies")]),
        ("a blak hoodie", [("color", "black", "blak"), ("product", "Hoodie", "hoodie")]),
        # two typos in three words: the longest name with half its words exact wins
        ("clasic dres shoes", [("product", "Classic Dress Shoes", "dres shoes")]),
        ("sneakrs in whte", [("product", "Canvas Sneakers", "sneakrs"), ("color", "white", "whte")]),
        ("the messanger bag", [("product", "Messenger Bag", "messanger bag")]),
        ("cashmire scarf", [("product", "Cashmere Scarf", "cashmire scarf")]),
        # aliases for how people split or misspell names
        ("a back pack", [("product", "Canvas Backpack", "back pack")]),
        ("bagpack", [("product", "Canvas Backpack", "bagpack")]),
        ("grey sweat pants", [("color", "grey", "grey"), ("product", "Joggers", "sweat pants")]),
        ("crew neck in navy", [("product", "Crewneck Sweatshirt", "crew neck"), ("color", "navy", "navy")]),
        # a multi-word name needs half its words exact: two typos in two words is no match
        ("runing shoos", []),
        ("jaket", []),  # "jacket" alone names no product
        # ordinary words and greetings are not products or colors
        ("howdy", []),
        ("Howdy! how are you", []),
        ("how much does it cost", []),
        ("what's the best one", []),
        ("can I pick it up", []),
        ("let's chat", []),
        ("short question", []),
        ("I need it in a hurry", []),
        ("write to me", []),
        ("are you open on weekends", []),
        # "tee" typed for "the" right before a product is no T-shirt; "tee" alone still is
        ("is tee hoodie in stock", [("product", "Hoodie", "hoodie")]),
        (
            "a tee and a hoodie",
            [("product", "Cotton T-Shirt", "tee"), ("product", "Hoodie", "hoodie")],
        ),  # not the Weekender Duffel, two edits away
        ("bluetooth speakers", []),  # not sneakers
        ("let me grab the tote", [("product", "Leather Tote", "tote")]),  # not grey
        ("how many world cups has Brazil won", []),  # not caps
        ("saya mau beli jaket ini", []),  # Indonesian "buy", not a belt
        ("avete queste scarpe in un numero più piccolo?", []),  # Italian shoes, not scarves
        # real typos from the held-out set
        (
            "do u have chelsae boots in brwon size 8",
            [("product", "Chelsea Boots", "chelsae boots"), ("color", "brown", "brwon")],
        ),
        ("how do i retrun my jeens", [("product", "Slim Jeans", "jeens")]),
        ("any raincaot avialable", [("product", "Rain Jacket", "raincaot")]),
        ("when wuold the sneekers get here", [("product", "Canvas Sneakers", "sneekers")]),
        # any text at all: nothing breaks, nothing is made up
        ("🙂🙂🙂 👍", []),
        ("привет, как дела?", []),
        ("商品はありますか", []),
        ("¿tienen la sudadera en negro?", []),
        ("a1003 x@y.com 10.5 #$%^&*", []),
        ("   \n\t ", []),
    ],
)
def test_catalog_matcher_forgives_typos_but_not_ordinary_words(catalog_extractor, text, expected):
    assert found(extract(catalog_extractor, text)) == expected


def test_a_typo_match_is_a_little_less_confident(catalog_extractor):
    exact, typo = catalog_extractor.extract("hoodie"), catalog_extractor.extract("hoddie")
    assert exact[0]["confidence_entity"] == 1.0
    assert typo[0]["confidence_entity"] < 1.0


def test_catalog_matcher_on_huge_text(catalog_extractor):
    text = "do you have the backpak " + "blah " * 20000 + "and a blak hoodie"
    assert [e["value"] for e in catalog_extractor.extract(text)] == ["Canvas Backpack", "black", "Hoodie"]


# --------------------------------------------------------------------------- patterns


@pytest.mark.parametrize(
    "text, expected",
    [
        ("order a1003", [("order_id", "A1003", "a1003")]),
        ("A1003", [("order_id", "A1003", "A1003")]),
        ("where is A-1003?", [("order_id", "A-1003", "A-1003")]),  # the slot validation drops the dash
        ("my email is Jane.Doe@Example.COM", [("email", "jane.doe@example.com", "Jane.Doe@Example.COM")]),
        ("x@y.co", [("email", "x@y.co", "x@y.co")]),
        (
            "refund A1003 for james.carter@example.com please",
            [("order_id", "A1003", "A1003"), ("email", "james.carter@example.com", "james.carter@example.com")],
        ),
        ("order 1003", []),  # no letter: not an order id
        ("order A10034", [("order_id", "A10034", "A10034")]),  # numbers grow past four digits
        ("order A1234567", []),  # seven digits: not an order id
        ("booking m3001", [("booking_ref", "M3001", "m3001")]),
        ("order B1003", []),  # orders start with A; M is a booking
        ("AB1003", []),
        ("jane@example", []),
        ("hello", []),
    ],
)
def test_pattern_extractor(pattern_extractor, text, expected):
    assert found(extract(pattern_extractor, text)) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # An email that contains something shaped like an order id is only an email:
        # otherwise typing one's email in the refund form would overwrite the order_id slot.
        ("my email is j1990@gmail.com", [("email", "j1990@gmail.com", "j1990@gmail.com")]),
        ("a1003.b2004@x.io", [("email", "a1003.b2004@x.io", "a1003.b2004@x.io")]),
        (
            "A1003, j1990@gmail.com",
            [("order_id", "A1003", "A1003"), ("email", "j1990@gmail.com", "j1990@gmail.com")],
        ),
    ],
)
def test_pattern_extractor_no_order_id_inside_an_email(pattern_extractor, text, expected):
    assert found(extract(pattern_extractor, text)) == expected
