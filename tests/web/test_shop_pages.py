"""The demo shop's pages, served by the real web app (python -m web) from a seeded database: what
each page shows, the widget's settings on it, escaping, and the assets it loads. No Rasa needed
(a stand-in answers the web app's own calls)."""

import html
import json
import re

import pytest
import requests
from sqlalchemy import select

from shop.db import session_scope
from shop.models import Product, Variant
from tests.support.database import copy_database
from tests.support.web_app import RasaStandIn, WebApp
from web.shop import content_security_policy, slug_of, stock_label

RASA_PUBLIC_URL = "https://chat.shop.example"
CONFIG = re.compile(r'<script type="application/json" id="shop-chat-config">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def shop(tmp_path_factory, seeded_template):
    workdir = tmp_path_factory.mktemp("shop-pages")
    copy_database(seeded_template, workdir / "shop.db")
    db_url = f"sqlite:///{workdir / 'shop.db'}"
    rasa = RasaStandIn("token-" + workdir.name)
    app = WebApp(workdir, db_url, rasa, extra_env={"RASA_PUBLIC_URL": RASA_PUBLIC_URL})
    yield app
    app.stop()
    rasa.stop()


def get(shop, path, status=200):
    answer = requests.get(shop.url + path, timeout=10)
    assert answer.status_code == status, answer.text[:500]
    return answer


def widget_config(page_html):
    [raw] = CONFIG.findall(page_html)
    return json.loads(raw)


def text_of(page_html):
    """The page's visible words, tags dropped and entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page_html)).split())


def test_home_shows_featured_products_with_price_and_stock_and_the_widget(shop):
    answer = get(shop, "/")
    page = answer.text
    words = text_of(page)
    assert answer.headers["content-type"].startswith("text/html")
    for name, price in [
        ("Hoodie", "$65.00"),
        ("Running Shoes", "$110.00"),
        ("Canvas Backpack", "$79.00"),
        ("Wool Coat", "$229.00"),
    ]:
        assert f"{name} {price} In stock" in words
    assert '<a href="/products/running-shoes">Running Shoes</a>' in page
    assert '<a href="/products/suede-loafers">Suede Loafers</a>' in page, "every product is linked"
    assert widget_config(page) == {"socketUrl": RASA_PUBLIC_URL, "socketPath": "/socket.io/", "page": "home"}
    assert '<script src="/static/vendor/socket.io.min.js"></script>' in page
    assert '<script src="/static/widget/widget.js"></script>' in page
    assert '<link rel="stylesheet" href="/static/widget/widget.css">' in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page


def test_product_page_shows_live_sizes_colors_and_stock(shop):
    page = get(shop, "/products/running-shoes").text
    words = text_of(page)
    assert "<h1>Running Shoes</h1>" in page
    assert "$110.00 In stock" in words
    assert "Sizes 7, 8, 9, 10, 11, 12 Colors black, white, blue" in words
    # The stock table: one row per color, a cell per size.
    assert "Color 7 8 9 10 11 12" in words
    assert "white In stock In stock In stock Only 3 left In stock Sold out" in words
    assert widget_config(page) == {
        "socketUrl": RASA_PUBLIC_URL,
        "socketPath": "/socket.io/",
        "page": "product",
        "product": "Running Shoes",
        "productSlug": "running-shoes",
    }
    assert 'data-chat-payload=\'/purchase{"product": "Running Shoes"}\'' in page


def test_product_page_reads_the_database_on_every_request(shop):
    with session_scope(shop.db_url) as session:
        product = session.scalar(select(Product).where(Product.sku == "SHOE-RUN"))
        variant = next(v for v in product.variants if (v.color, v.size) == ("white", "12"))
        variant.stock = 7
    try:
        assert "white In stock In stock In stock Only 3 left In stock In stock" in text_of(
            get(shop, "/products/running-shoes").text
        )
    finally:
        with session_scope(shop.db_url) as session:
            session.get(Variant, variant.id).stock = 0


def test_sold_out_product_and_products_without_sizes(shop):
    loafers = text_of(get(shop, "/products/suede-loafers").text)
    assert "$95.00 Sold out" in loafers
    assert "Buy in the chat" not in loafers, "nothing to buy"
    backpack = get(shop, "/products/canvas-backpack").text
    assert "Color Stock" in text_of(backpack) and "olive Only 2 left" in text_of(backpack)
    assert "<dt>Sizes</dt>" not in backpack


def test_unknown_product_is_a_404_page_with_the_widget(shop):
    page = get(shop, "/products/flying-carpet", status=404).text
    assert "We couldn't find that page" in text_of(page)
    assert widget_config(page)["page"] == "other"


def test_pricing_page_has_the_tiers_and_a_book_a_demo_call_to_action(shop):
    page = get(shop, "/pricing").text
    words = text_of(page)
    for tier in ("Team 10–49 items", "Business 50–249 items", "Wholesale 250+ items"):
        assert tier in words
    assert (
        '<button type="button" class="primary" data-chat-payload="/book_meeting" '
        'data-chat-title="I\'d like to book a demo">Book a demo</button>'
    ) in page
    assert widget_config(page) == {"socketUrl": RASA_PUBLIC_URL, "socketPath": "/socket.io/", "page": "pricing"}
    assert 'href="/pricing" aria-current="page"' in page


def test_every_page_sends_a_content_security_policy_allowing_only_the_rasa_server(shop):
    for path in ("/", "/products/hoodie", "/pricing"):
        policy = get(shop, path).headers["Content-Security-Policy"]
        assert policy == content_security_policy(RASA_PUBLIC_URL)
    assert "connect-src 'self' https://chat.shop.example wss://chat.shop.example;" in content_security_policy(
        RASA_PUBLIC_URL
    )
    assert "ws://localhost:5005" in content_security_policy("http://localhost:5005")


def test_product_names_are_escaped_everywhere(shop):
    name = "Evil </script><script>alert('x')</script> & \"Hat\""
    with session_scope(shop.db_url) as session:
        product = Product(
            sku="ACC-EVIL", name=name, category="accessories", description="<b>bold</b>", price_cents=1000, synonyms=""
        )
        product.variants = [Variant(size="", color="<i>red</i>", stock=1)]
        session.add(product)
    try:
        for path in ("/", f"/products/{slug_of(name)}"):
            page = get(shop, path).text
            assert "<script>alert" not in page and "<b>bold</b>" not in page and "<i>red</i>" not in page
            assert page.count("</script>") == 3, "only the page's own three script elements end"
        product_page = get(shop, f"/products/{slug_of(name)}").text
        assert widget_config(product_page)["product"] == name
        assert "&lt;b&gt;bold&lt;/b&gt;" in product_page
    finally:
        with session_scope(shop.db_url) as session:
            evil = session.scalar(select(Product).where(Product.sku == "ACC-EVIL"))
            for variant in evil.variants:
                session.delete(variant)
            session.delete(evil)


def test_the_widget_and_its_vendored_socket_io_client_are_served(shop):
    assert "shop-chat-config" in get(shop, "/static/widget/widget.js").text
    assert get(shop, "/static/widget/widget.css").headers["content-type"].startswith("text/css")
    vendor = requests.get(shop.url + "/static/vendor/socket.io.min.js", timeout=10)
    assert vendor.status_code == 200, "web/static/vendor is built by `make web-assets` (part of make install)"
    assert "Socket.IO" in vendor.text[:300]


def test_slugs_and_stock_labels():
    assert slug_of("Cotton T-Shirt") == "cotton-t-shirt"
    assert slug_of("  Men's Wool Coat! ") == "men-s-wool-coat"
    assert [stock_label(n) for n in (None, 0, 1, 3, 4)] == [
        "Not made",
        "Sold out",
        "Only 1 left",
        "Only 3 left",
        "In stock",
    ]


def test_the_privacy_notice_says_what_is_kept_how_long_and_how_to_delete_it(shop):
    page = text_of(get(shop, "/privacy").text)
    assert "What we keep" in page and "365 days after their last message" in page
    assert "Deleting your data" in page
