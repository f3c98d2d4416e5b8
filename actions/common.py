"""What the actions share: reading product mentions off the tracker, and buttons."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timezone, tzinfo

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from shop import catalog, contacts
from shop.clock import zone
from shop.models import Product
from shop.visit import latest_metadata

# Words that say "the product we were talking about".
_REFERS_BACK = re.compile(r"\b(it|its|it's|them|they|this|that|these|those|one|ones|same)\b", re.I)
# Words of a product question that name no product.
_QUESTION_WORDS = set(
    """a an the any some do does did you your have has got is are was be in on of for to
    and or with me my i i'm im we us please can could would will how much many what which
    when where who why price prices cost costs priced stock available availability left sold
    out still there size sizes color colors colour colours come comes came tell about info
    information details describe description made material materials sell selling buy want
    like looking look need get order ordering purchase ok okay hi hello hey thanks thank
    yes no not just also again more else other new now today arrive arriving arrival deliver
    delivered delivery ship shipping shipped fast quickly soon by long take takes it's
    in-stock instock pair pairs kind kinds type types version versions option options
    much? here x xs s m l xl xxl small medium large extra""".split()
    # text speak: "pls do u have the backpak" looks up "backpak", not "pls u backpak"
    + "u ur r ya pls plz thx thnx ty dont wanna gonna hv hav".split()
)


def customer_zone(tracker: Tracker) -> tzinfo:
    """The customer's time zone (asked, or from the channel), New York until known."""
    return zone(tracker.get_slot("customer_timezone") or "America/New_York") or timezone.utc


def remember_reach(session: Session, tracker: Tracker) -> None:
    """The conversation's channel and the customer's zone, where and when the shop writes first."""
    channel = tracker.get_latest_input_channel()
    contacts.remember_reach(session, tracker.sender_id, channel, tracker.get_slot("customer_timezone"))


DEFAULT_TEAM = "smb"


def team_of(tracker: Tracker) -> str:
    """The sales team of the conversation: the one the lead was routed to, or the booking's."""
    return tracker.get_slot("sales_team") or DEFAULT_TEAM


def latest_entity(tracker: Tracker, entity: str) -> str | None:
    return next(tracker.get_latest_entity_values(entity), None)


@dataclass
class ProductMention:
    """What the latest message says about products: one product, a family, or an unknown name."""

    product: Product | None = None
    family: list[Product] | None = None
    unknown: str | None = None


def product_mention(session: Session, tracker: Tracker) -> ProductMention:
    """The product the customer means now: named in this message, else (for 'it', 'them'
    or a bare 'price?') the last product of the conversation, else the product of the page
    the customer is on (the web widget's metadata)."""
    named = latest_entity(tracker, "product")
    if named:
        product = catalog.find_product(session, named)
        if product:
            return ProductMention(product=product)
    text = tracker.latest_message.get("text") or ""
    if text.startswith("/"):  # a button payload names its product as an entity or not at all
        text = ""
    leftover = content_words(text, colors=_all_colors(session))
    if leftover:
        phrase = " ".join(leftover)
        # Near-exact names first ("runing shoes"), then a family ("shirts"), then looser typos.
        product = catalog.find_product(session, phrase, cutoff=0.9)
        family = [] if product else catalog.products_named_like(session, leftover)
        if not product and not family:
            product = catalog.find_product(session, phrase)
        if product:
            return ProductMention(product=product)
        if family:
            return ProductMention(family=family)
        if not _REFERS_BACK.search(text):
            return ProductMention(unknown=phrase)
    last = tracker.get_slot("product")
    if last:
        return ProductMention(product=catalog.find_product(session, last))
    return ProductMention(product=page_product(session, tracker))


def page_product(session: Session, tracker: Tracker) -> Product | None:
    """The product whose page sent the latest message: only a catalog name, sku or synonym
    (the metadata comes from the browser), no guessing at typos."""
    named = latest_metadata(tracker.events).get("product")
    return catalog.find_product(session, named, cutoff=1.0) if named else None


def content_words(text: str, colors: Iterable[str] = ()) -> list[str]:
    """Words left once question words, numbers, colors and pronouns are taken out."""
    skip = _QUESTION_WORDS | {c.lower() for c in colors}
    words = re.findall(r"[a-z][a-z'\-]*", text.lower())
    return [w for w in words if w not in skip and not _REFERS_BACK.fullmatch(w)]


def _all_colors(session: Session) -> list[str]:
    colors: list[str] = []
    for product in catalog.all_products(session):
        colors.extend(c for c in catalog.colors_of(product) if c not in colors)
    return colors
