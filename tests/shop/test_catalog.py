"""Catalog look-ups and in-stock alternatives, against the seeded SQLite shop."""

import pytest
from sqlalchemy import select, update

from shop import catalog
from shop.db import session_scope
from shop.models import Product, Variant


@pytest.fixture
def session(shop_db):
    with session_scope(shop_db) as session:
        yield session


def product(session, name: str) -> Product:
    return session.scalar(select(Product).where(Product.name == name))


def set_stock(session, name: str, stock: int, size=None, color=None) -> None:
    ids = [v.id for v in catalog.matching_variants(product(session, name), size, color)]
    session.execute(update(Variant).where(Variant.id.in_(ids)).values(stock=stock))
    session.expire_all()


@pytest.mark.parametrize(
    "text, expected",
    [
        # names, any case and punctuation
        ("Classic Dress Shoes", "Classic Dress Shoes"),
        ("classic dress shoes", "Classic Dress Shoes"),
        ("  HOODIE!  ", "Hoodie"),
        ("cotton t-shirt", "Cotton T-Shirt"),
        ("cotton t shirt", "Cotton T-Shirt"),
        # sku
        ("SHOE-DRESS", "Classic Dress Shoes"),
        ("shoe-dress", "Classic Dress Shoes"),
        # synonyms
        ("oxfords", "Classic Dress Shoes"),
        ("tee", "Cotton T-Shirt"),
        ("rucksack", "Canvas Backpack"),
        ("hiking boots", "Trail Boots"),
        # plurals and singulars
        ("hoodies", "Hoodie"),
        ("leather wallets", "Leather Wallet"),
        ("baseball caps", "Baseball Cap"),
        ("trail boot", "Trail Boots"),
        ("joggers", "Joggers"),
        ("jogger", "Joggers"),
        # typos
        ("sneakrs", "Canvas Sneakers"),
        ("runing shoes", "Running Shoes"),
        ("clasic dress shoes", "Classic Dress Shoes"),
        ("trail bots", "Trail Boots"),
        # not ours
        ("flux capacitor", None),
        ("laptop", None),
        ("socks", None),
        ("", None),
        ("!!!", None),
        (None, None),
    ],
)
def test_find_product(session, text, expected):
    found = catalog.find_product(session, text)
    assert (found.name if found else None) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # one typo in a short name (difflib's ratio used to reject "hoddie": 0.83)
        ("hoddie", "Hoodie"),
        ("backpak", "Canvas Backpack"),
        ("jaket", None),  # a typo of a word shared by four jackets names none of them
        ("denim jaket", "Denim Jacket"),
        ("runing shoes", "Running Shoes"),
        ("clasic dres shoes", "Classic Dress Shoes"),  # two typos of three words
        ("wallat", "Leather Wallet"),
        ("messanger bag", "Messenger Bag"),
        ("sunglases", "Sunglasses"),
        ("rucksak", "Canvas Backpack"),
        ("hoodeis", "Hoodie"),  # two letters swapped: one edit
        ("hoddei", None),  # two edits in a 6-letter word are too many
        # words around the name, as product_mention passes them (filler and text speak)
        ("pls u backpak", "Canvas Backpack"),
        ("r runing shoes", "Running Shoes"),
        ("u denim jaket l", "Denim Jacket"),
        ("the hoodie pls", "Hoodie"),
        ("wool coat or hoodie", "Wool Coat"),  # two names: the longer one
        # ordinary words are not products
        ("howdy", None),
        ("hood", None),
        ("cost", None),
        ("best", None),
        ("short", None),
        ("chat", None),
        ("pick", None),
        ("trial", None),
        ("hello there", None),
        ("runing shoos", None),  # half the words of a two-word name must be exact
        ("🙂", None),
        ("привет", None),
        ("x" * 10000, None),
    ],
)
def test_find_product_forgives_typos_and_filler_words(session, text, expected):
    found = catalog.find_product(session, text)
    assert (found.name if found else None) == expected


def test_find_product_exact_only_takes_no_typos(session):
    assert catalog.find_product(session, "hoddie", cutoff=1.0) is None
    assert catalog.find_product(session, "Hoodie", cutoff=1.0).name == "Hoodie"


@pytest.mark.parametrize(
    "name, sizes, colors",
    [
        ("Classic Dress Shoes", ["7", "8", "9", "10", "11", "12"], ["black", "brown"]),
        ("Hoodie", ["S", "M", "L", "XL"], ["green", "black"]),
        ("Chino Pants", ["30", "32", "34", "36"], ["khaki", "navy", "olive"]),
        ("Canvas Backpack", [], ["olive", "navy"]),
        ("Cashmere Scarf", [], ["grey", "burgundy", "beige"]),
    ],
)
def test_sizes_and_colors_in_catalog_order(session, name, sizes, colors):
    p = product(session, name)
    assert catalog.sizes_of(p) == sizes
    assert catalog.colors_of(p) == colors


def test_total_stock_and_matching_variants(session):
    shoes = product(session, "Classic Dress Shoes")
    assert catalog.total_stock(shoes) == 12 + 6 + 0 + 1 + 3 + 4 + 19 + 5 + 13 + 0 + 3 + 18
    assert catalog.total_stock(product(session, "Suede Loafers")) == 0
    assert [(v.color, v.stock) for v in catalog.matching_variants(shoes, "10")] == [("black", 1), ("brown", 0)]
    assert [v.size for v in catalog.matching_variants(shoes, color="brown")] == ["7", "8", "9", "10", "11", "12"]
    assert len(catalog.matching_variants(shoes)) == 12
    assert catalog.matching_variants(shoes, "13") == []


def test_find_variant(session):
    shoes = product(session, "Classic Dress Shoes")
    variant = catalog.find_variant(shoes, "10", "black")
    assert (variant.size, variant.color, variant.stock) == ("10", "black", 1)
    assert catalog.find_variant(shoes, "10", None) is None  # the color is still open
    assert catalog.find_variant(shoes, "13", "black") is None
    # a product without sizes ignores a size left over from an earlier product
    backpack = product(session, "Canvas Backpack")
    assert catalog.find_variant(backpack, "10", "navy").stock == 17
    assert catalog.find_variant(backpack, None, "navy").stock == 17


def test_alternatives_for_brown_dress_shoes_size_10(session):
    shoes = product(session, "Classic Dress Shoes")
    assert catalog.find_variant(shoes, "10", "brown").stock == 0
    alts = catalog.alternatives(session, shoes, "10", "brown")
    assert alts, "a sold-out variant should come with alternatives"
    assert all(a.stock >= 1 for a in alts)
    assert len(alts) <= 3
    # first the same size in the other color, then the nearest sizes in the same color
    assert alts[0] == catalog.Alternative("Classic Dress Shoes", "10", "black", 1, 8900)
    assert [(a.size, a.color) for a in alts] == [("10", "black"), ("9", "brown"), ("11", "brown")]
    assert alts[0].label == "Classic Dress Shoes (black size 10)"


def test_alternatives_are_always_in_stock_for_the_quantity(session):
    shoes = product(session, "Classic Dress Shoes")
    alts = catalog.alternatives(session, shoes, "10", "brown", quantity=4, limit=10)
    assert alts
    assert all(a.stock >= 4 for a in alts)
    assert ("Classic Dress Shoes", "10", "black") not in [(a.product, a.size, a.color) for a in alts]  # 1 left
    # every alternative really is a variant with that much stock
    for alt in alts:
        p = product(session, alt.product)
        assert catalog.find_variant(p, alt.size or None, alt.color).stock == alt.stock >= 4


def test_alternatives_of_a_sold_out_product_come_from_its_category(session):
    loafers = product(session, "Suede Loafers")
    alts = catalog.alternatives(session, loafers, "10", "tan")
    assert len(alts) == 3
    assert all(a.product != "Suede Loafers" and a.stock > 0 for a in alts)
    assert {product(session, a.product).category for a in alts} == {"shoes"}
    assert all(a.size == "10" for a in alts)  # other shoes in the wanted size


def test_no_alternatives_when_the_whole_category_is_sold_out(session):
    for name in ("Canvas Backpack", "Leather Tote", "Weekender Duffel", "Messenger Bag", "Laptop Sleeve"):
        set_stock(session, name, 0)
    assert catalog.alternatives(session, product(session, "Leather Tote"), None, "tan") == []


def test_alternatives_labels():
    assert catalog.Alternative("Canvas Backpack", "", "navy", 3, 7900).label == "Canvas Backpack (navy)"
    assert catalog.Alternative("Thing", "", "", 3, 100).label == "Thing"


@pytest.mark.parametrize(
    "words, expected",
    [
        (["jackets"], ["Bomber Jacket", "Denim Jacket", "Quilted Jacket", "Rain Jacket"]),
        (["boots"], ["Chelsea Boots", "Trail Boots"]),
        (["bags"], ["Canvas Backpack", "Laptop Sleeve", "Leather Tote", "Messenger Bag", "Weekender Duffel"]),
        (
            ["outerwear"],
            [
                "Bomber Jacket",
                "Denim Jacket",
                "Fleece Pullover",
                "Puffer Vest",
                "Quilted Jacket",
                "Rain Jacket",
                "Wool Coat",
            ],
        ),
        (
            ["boots", "jackets"],
            ["Bomber Jacket", "Chelsea Boots", "Denim Jacket", "Quilted Jacket", "Rain Jacket", "Trail Boots"],
        ),
        (["jakets"], ["Bomber Jacket", "Denim Jacket", "Quilted Jacket", "Rain Jacket"]),  # a typo
        (["howdy"], []),
        (["hood"], []),
        (["spaceships"], []),
        (["of", "a"], []),  # short words name no family
    ],
)
def test_products_named_like(session, words, expected):
    assert [p.name for p in catalog.products_named_like(session, words)] == expected


def test_similar_names(session):
    assert catalog.similar_names(session, "hoddie")[0] == "Hoodie"
    assert "Trail Boots" in catalog.similar_names(session, "trial boots")
    assert catalog.similar_names(session, "flux capacitor") == []
    assert len(catalog.similar_names(session, "shirt", limit=2)) <= 2


def test_reserve_stock_is_conditional(session):
    variant = catalog.find_variant(product(session, "Classic Dress Shoes"), "8", "black")
    assert variant.stock == 6
    assert catalog.reserve_stock(session, variant.id, 4) is True
    assert catalog.reserve_stock(session, variant.id, 3) is False  # only 2 left
    assert catalog.reserve_stock(session, variant.id, 2) is True
    assert catalog.reserve_stock(session, variant.id, 1) is False
    session.expire_all()
    assert session.get(Variant, variant.id).stock == 0


def test_wanted_options_keep_only_what_the_product_has(session):
    shoes = product(session, "Classic Dress Shoes")
    assert catalog.wanted_options(shoes, "size 10", "the brown ones") == ("10", "brown")
    assert catalog.wanted_options(shoes, "M", "green") == (None, None)
    assert catalog.wanted_options(product(session, "Canvas Backpack"), "10", "navy") == (None, "navy")


def test_product_facts(session):
    facts = catalog.product_facts(product(session, "Sunglasses"))
    assert (facts.name, facts.sku, facts.price_cents) == ("Sunglasses", "ACC-SUNGLASS", facts.price_cents)
    assert (facts.sizes, facts.colors, facts.final_sale, facts.in_stock) == ([], ["black", "brown"], True, True)
    assert catalog.product_facts(product(session, "Suede Loafers")).in_stock is False


def test_stock_levels_per_color_in_catalog_order(session):
    levels = catalog.stock_levels(product(session, "Classic Dress Shoes"))
    assert list(levels) == ["black", "brown"]
    assert levels["black"][:3] == [("7", 12), ("8", 6), ("9", 0)]
    assert catalog.stock_levels(product(session, "Leather Wallet")) == {"black": [("", 17)], "brown": [("", 7)]}


@pytest.mark.parametrize(
    "size, color, asked, expected",
    [
        (None, None, None, ("summary", None, None, 84)),  # nothing chosen: every variant
        ("10", None, None, ("in_stock", "10", None, 1)),  # every color of the size
        ("size 10", "black", "black", ("in_stock", "10", "black", 1)),
        ("10", "brown", None, ("sold_out", "10", "brown", 0)),
        (None, "white", "white", ("not_offered", None, "white", 0)),  # the color as asked
        (None, "white", None, ("summary", None, None, 84)),  # a color from an earlier product
    ],
)
def test_stock_answer(session, size, color, asked, expected):
    answer = catalog.stock_answer(session, product(session, "Classic Dress Shoes"), size, color, asked)
    assert (answer.kind, answer.size, answer.color, answer.count) == expected
    assert answer.product == "Classic Dress Shoes"
    if answer.kind == "sold_out":
        assert answer.alternatives and all(a.stock > 0 for a in answer.alternatives)
    if answer.kind == "not_offered":
        assert answer.colors == ["black", "brown"]
    if answer.kind == "summary":
        assert list(answer.levels) == ["black", "brown"]


def test_stock_answer_of_a_product_sold_out_everywhere(session):
    answer = catalog.stock_answer(session, product(session, "Suede Loafers"), None, None, None)
    assert (answer.kind, answer.count) == ("summary", 0)


def test_stock_answer_without_alternatives(session):
    set_stock(session, "Hoodie", 0)
    for name in ("Cotton T-Shirt", "Linen Shirt", "Oxford Shirt", "Flannel Shirt", "Merino Sweater", "Polo Shirt"):
        set_stock(session, name, 0)
    for name in ("Crewneck Sweatshirt", "Henley Shirt"):
        set_stock(session, name, 0)
    answer = catalog.stock_answer(session, product(session, "Hoodie"), "M", "black", None)
    assert (answer.kind, answer.alternatives) == ("sold_out", [])
