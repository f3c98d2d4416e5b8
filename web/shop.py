"""The demo shop: a home page with featured products, a page per product with its live stock, and
business pricing. Every page carries the chat widget (web/static/widget), told which page it is
on so the assistant's greeting and answers follow the page."""

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from shop import catalog, settings
from shop.formatting import money
from shop.models import Product
from web.db_thread import in_thread

TEMPLATES = Path(__file__).resolve().parent / "templates"
FEATURED_SKUS = ("TOP-HOODIE", "SHOE-RUN", "BAG-CANVAS", "OUT-WOOLCOAT")
FEW_LEFT = 3
CATEGORY_ORDER = ("shoes", "outerwear", "tops", "bottoms", "bags", "accessories")
# Illustrative business terms of the demo shop; the sales team quotes the real ones.
PRICING_TIERS = [
    {
        "name": "Team",
        "units": "10–49 items",
        "price": "10% off list prices",
        "features": ["Mix sizes and colors freely", "Your logo printed or embroidered", "Ships in 2 weeks"],
    },
    {
        "name": "Business",
        "units": "50–249 items",
        "price": "15% off list prices",
        "features": ["Everything in Team", "A dedicated account manager", "Pay by invoice, 30 days"],
    },
    {
        "name": "Wholesale",
        "units": "250+ items, or stock to resell",
        "price": "Wholesale price list",
        "features": [
            "Trade prices for stockists",
            "Pre-orders of next season's range",
            "Delivery to several locations",
        ],
    },
]

bp = Blueprint("shop")
templates = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def slug_of(name: str) -> str:
    """'Cotton T-Shirt' -> 'cotton-t-shirt' (the widget builds the same from a product card)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def stock_label(stock: int | None) -> str:
    if stock is None:
        return "Not made"
    if stock <= 0:
        return "Sold out"
    return f"Only {stock} left" if stock <= FEW_LEFT else "In stock"


def product_summary(product: Product) -> dict[str, Any]:
    """What a product tile and a product page show: name, price, options and stock."""
    sizes, colors = catalog.sizes_of(product), catalog.colors_of(product)
    stock = {(v.color, v.size): v.stock for v in product.variants}
    rows = [
        {
            "color": color or "One color",
            "cells": [
                {"size": size or "", "stock": stock.get((color, size)), "label": stock_label(stock.get((color, size)))}
                for size in (sizes or [""])
            ],
        }
        for color in (colors or [""])
    ]
    total = catalog.total_stock(product)
    return {
        "name": product.name,
        "slug": slug_of(product.name),
        "sku": product.sku,
        "category": product.category,
        "description": product.description,
        "price": money(product.price_cents),
        "sizes": sizes,
        "colors": colors,
        "in_stock": total > 0,
        "stock_text": "In stock" if total else "Sold out",
        "final_sale": bool(product.final_sale),
        "rows": rows,
    }


def widget_config(request: Request, page: str, product: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the widget needs: where Rasa's socket.io is, and the page it is on."""
    config = {"socketUrl": request.app.ctx.settings.rasa_public_url, "socketPath": "/socket.io/", "page": page}
    if product:
        config.update(product=product["name"], productSlug=product["slug"])
    return config


def content_security_policy(rasa_url: str) -> str:
    """Scripts, styles and connections only from here and from the Rasa server the widget uses."""
    parts = urlsplit(rasa_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    socket = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {origin} {socket}; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'; object-src 'none'"
    )


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
    html = templates.get_template(template).render(**context)
    page = response.html(html, status=status)
    page.headers["Content-Security-Policy"] = content_security_policy(request.app.ctx.settings.rasa_public_url)
    return page


async def _products(request: Request) -> list[Product]:
    return await in_thread(request.app.ctx.settings.db_url, catalog.all_products)


@bp.get("/")
async def home(request: Request) -> HTTPResponse:
    products = [product_summary(p) for p in await _products(request)]
    by_sku = {p["sku"]: p for p in products}
    featured = [by_sku[sku] for sku in FEATURED_SKUS if sku in by_sku] or products[:4]
    categories = [{"name": name, "products": [p for p in products if p["category"] == name]} for name in CATEGORY_ORDER]
    categories += [
        {"name": name, "products": [p for p in products if p["category"] == name]}
        for name in sorted({p["category"] for p in products} - set(CATEGORY_ORDER))
    ]
    return render(
        request,
        "shop/home.html",
        featured=featured,
        categories=[c for c in categories if c["products"]],
        widget=widget_config(request, "home"),
    )


@bp.get("/products/<slug:str>")
async def product_page(request: Request, slug: str) -> HTTPResponse:
    product = next((p for p in await _products(request) if slug_of(p.name) == slug), None)
    if product is None:
        return render(request, "shop/not_found.html", status=404, widget=widget_config(request, "other"))
    summary = product_summary(product)
    return render(request, "shop/product.html", product=summary, widget=widget_config(request, "product", summary))


@bp.get("/privacy")
async def privacy(request: Request) -> HTTPResponse:
    """The privacy notice the assistant links to on a contact's first message."""
    days = settings.get("RETENTION_DAYS")
    return render(request, "shop/privacy.html", retention_days=days, widget=widget_config(request, "other"))


@bp.get("/pricing")
async def pricing(request: Request) -> HTTPResponse:
    return render(request, "shop/pricing.html", tiers=PRICING_TIERS, widget=widget_config(request, "pricing"))
