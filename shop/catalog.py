"""Catalog look-ups, live stock and in-stock alternatives, read from the shop database."""

import difflib
import functools
import re
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session, lazyload

from shop.models import Product, Variant
from shop.parsing.fuzzy import TypoCorrector
from shop.parsing.sizes import parse_choice, parse_size


# Every look-up normalizes every product's names: the same few hundred strings, remembered.
@functools.lru_cache(maxsize=8192)
def _norm(text: str) -> str:
    text = re.sub(r"[^a-z0-9 ]", " ", str(text).lower().replace("-", " "))
    return re.sub(r"\s+", " ", text).strip()


@functools.lru_cache(maxsize=8192)
def _singular(text: str) -> str:
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in text.split())


def all_products(session: Session, with_variants: bool = True) -> list[Product]:
    """Every product; `with_variants=False` for a look-up by name, which loads only the matched
    product's variants (when asked): loading all of them was a fifth of the action server's time."""
    query = select(Product).order_by(Product.name)
    if not with_variants:
        query = query.options(lazyload(Product.variants))
    return list(session.scalars(query))


def find_product(session: Session, text: str | None, cutoff: float = 0.84) -> Product | None:
    """The product a customer means: by name, sku or synonym, forgiving case, plurals, words
    around the name ("pls u backpak") and typos of catalog words (see shop.parsing.fuzzy);
    `cutoff` 1.0 means exact names only, anything lower allows typos. Its variants are loaded
    (callers read them after the session), the other products' are not."""
    product = _find_product(session, text, cutoff)
    if product is not None:
        product.variants  # noqa: B018 (loads them while the session is open)
    return product


def _find_product(session: Session, text: str | None, cutoff: float = 0.84) -> Product | None:
    if not text or not _norm(text):
        return None
    wanted = _norm(text)
    names: dict[str, Product] = {}
    for product in all_products(session, with_variants=False):
        for alias in [product.name, product.sku, *product.synonym_list]:
            names.setdefault(_norm(alias), product)
            names.setdefault(_singular(_norm(alias)), product)
    names.pop("", None)
    if wanted in names:
        return names[wanted]
    if _singular(wanted) in names:
        return names[_singular(wanted)]
    if cutoff >= 1.0:
        return None
    return _best_name_in(wanted.split(), names)


def _best_name_in(words: list[str], names: dict[str, Product]) -> Product | None:
    """The product whose name (or synonym) appears in `words`, word for word up to typos;
    a name of several words needs half of them exact. The most exact words win, then the
    longer name, then the earlier one."""
    typos = TypoCorrector({w for name in names for w in name.split()})
    corrected = [_singular(typos.correct(w) or w) for w in words]
    exact = [w in typos or _singular(w) in typos for w in words]
    best, best_score = None, None
    for name, product in names.items():
        target = [_singular(w) for w in name.split()]
        n = len(target)
        for i in range(len(words) - n + 1):
            if corrected[i : i + n] != target:
                continue
            exact_words = sum(exact[i : i + n])
            if n > 1 and exact_words < n - n // 2:
                continue
            score = (exact_words, n, -i)
            if best_score is None or score > best_score:
                best, best_score = product, score
    return best


def products_named_like(session: Session, words: list[str]) -> list[Product]:
    """A family of products sharing a word of their name or category: 'jackets', 'boots',
    typos of those words too ('jakets')."""
    products = all_products(session)
    family_words = {p.id: {_singular(w) for w in _norm(p.name).split()} | {_singular(p.category)} for p in products}
    typos = TypoCorrector(set().union(*family_words.values()) if family_words else ())
    wanted = set()
    for word in (_singular(_norm(w)) for w in words if len(w) > 2):
        wanted.add(_singular(typos.correct(word) or word))
    return [p for p in products if wanted & family_words[p.id]]


def similar_names(session: Session, text: str, limit: int = 3) -> list[str]:
    """Product names close to an unknown one, for a 'did you mean' answer."""
    products = all_products(session, with_variants=False)
    by_alias: dict[str, Product] = {}
    for product in products:
        for alias in [product.name, *product.synonym_list]:
            by_alias.setdefault(_norm(alias), product.name)
    close = difflib.get_close_matches(_norm(text), list(by_alias), n=limit * 3, cutoff=0.5)
    names: list[str] = []
    for alias in close:
        if by_alias[alias] not in names:
            names.append(by_alias[alias])
    return names[:limit]


def sizes_of(product: Product) -> list[str]:
    return _ordered_unique(v.size for v in product.variants if v.size)


def colors_of(product: Product) -> list[str]:
    return _ordered_unique(v.color for v in product.variants if v.color)


def _ordered_unique(values) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def total_stock(product: Product) -> int:
    return sum(v.stock for v in product.variants)


def matching_variants(product: Product, size: str | None = None, color: str | None = None) -> list[Variant]:
    """Variants consistent with what is known so far (None means 'any')."""
    return [v for v in product.variants if (size is None or v.size == size) and (color is None or v.color == color)]


def find_variant(product: Product, size: str | None, color: str | None) -> Variant | None:
    """The one variant for this size and color; a product without sizes ignores size (and color)."""
    size = size if sizes_of(product) else ""
    color = color if colors_of(product) else ""
    for variant in product.variants:
        if variant.size == (size or "") and variant.color == (color or ""):
            return variant
    return None


def wanted_options(product: Product, size: str | None, color: str | None) -> tuple[str | None, str | None]:
    """The size and color the customer has in mind (as said: 'medium', 'the black ones'), kept
    only where this product has them."""
    return parse_size(size, sizes_of(product)).value, parse_choice(color, colors_of(product)).value


@dataclass(frozen=True)
class ProductFacts:
    """What a product card shows."""

    name: str
    sku: str
    price_cents: int
    description: str
    sizes: list[str]
    colors: list[str]
    final_sale: bool
    in_stock: bool


def product_facts(product: Product) -> ProductFacts:
    return ProductFacts(
        name=product.name,
        sku=product.sku,
        price_cents=product.price_cents,
        description=product.description,
        sizes=sizes_of(product),
        colors=colors_of(product),
        final_sale=bool(product.final_sale),
        in_stock=total_stock(product) > 0,
    )


def stock_levels(product: Product) -> dict[str, list[tuple[str, int]]]:
    """Per color (the product's name for variants without one), each variant's size ('' for a
    product without sizes) and stock, in catalog order."""
    levels: dict[str, list[tuple[str, int]]] = {}
    for variant in product.variants:
        levels.setdefault(variant.color or product.name, []).append((variant.size or "", variant.stock))
    return levels


@dataclass(frozen=True)
class Alternative:
    product: str
    size: str
    color: str
    stock: int
    price_cents: int

    @property
    def label(self) -> str:
        details = " ".join(p for p in (self.color, f"size {self.size}" if self.size else "") if p)
        return f"{self.product} ({details})" if details else self.product


def alternatives(
    session: Session,
    product: Product,
    size: str | None = None,
    color: str | None = None,
    quantity: int = 1,
    limit: int = 3,
) -> list[Alternative]:
    """In-stock options when the wanted variant is short: same size other color, same color
    nearest size, then products of the same category that have the size or any stock."""
    found: list[Alternative] = []

    def add(p: Product, v: Variant) -> None:
        if v.stock >= quantity and len(found) < limit:
            alt = Alternative(p.name, v.size, v.color, v.stock, p.price_cents)
            if alt not in found:
                found.append(alt)

    sizes = sizes_of(product)
    for v in product.variants:
        if size and v.size == size and v.color != color:
            add(product, v)
    if color:
        same_color = [v for v in product.variants if v.color == color and v.size != size]
        for v in sorted(same_color, key=lambda v: _size_distance(sizes, size, v.size)):
            add(product, v)
    for v in product.variants:
        add(product, v)
    if len(found) < limit:
        others = session.scalars(
            select(Product).where(Product.category == product.category, Product.id != product.id).order_by(Product.name)
        )
        for other in others:
            fitting = [v for v in other.variants if v.stock >= quantity]
            preferred = [v for v in fitting if size and v.size == size] or fitting
            if preferred:
                add(other, preferred[0])
    return found


@dataclass(frozen=True)
class StockAnswer:
    """The answer to "is it in stock?". `kind`: not_offered (a color the product does not come
    in), summary (nothing chosen: every variant's stock), in_stock or sold_out (the options
    asked)."""

    kind: str
    product: str
    size: str | None = None
    color: str | None = None
    count: int = 0  # units in stock of the options asked
    colors: list[str] = field(default_factory=list)  # the colors it comes in
    levels: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # see stock_levels
    alternatives: list[Alternative] = field(default_factory=list)  # in stock, when sold out


def stock_answer(
    session: Session, product: Product, size: str | None, color: str | None, asked_color: str | None
) -> StockAnswer:
    """Live stock of the options the customer has in mind (`size` and `color` as said so far),
    `asked_color` the color named in this very question."""
    size, color = wanted_options(product, size, color)
    if asked_color and not color:
        return StockAnswer("not_offered", product.name, color=asked_color, colors=colors_of(product))
    if not size and not color:
        return StockAnswer("summary", product.name, count=total_stock(product), levels=stock_levels(product))
    in_stock = [v for v in matching_variants(product, size, color) if v.stock > 0]
    if in_stock:
        return StockAnswer("in_stock", product.name, size, color, count=sum(v.stock for v in in_stock))
    return StockAnswer("sold_out", product.name, size, color, alternatives=alternatives(session, product, size, color))


def _size_distance(sizes: list[str], wanted: str | None, size: str) -> int:
    if wanted not in sizes or size not in sizes:
        return len(sizes)
    return abs(sizes.index(wanted) - sizes.index(size))


def reserve_stock(session: Session, variant_id: int, quantity: int) -> bool:
    """Take `quantity` units in one conditional UPDATE: of two buyers racing for the last
    unit, exactly one sees a changed row. Runs inside the caller's transaction."""
    result = session.execute(
        update(Variant)
        .where(Variant.id == variant_id, Variant.stock >= quantity)
        .values(stock=Variant.stock - quantity)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
