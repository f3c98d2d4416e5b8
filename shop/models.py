"""SQLAlchemy models of the shop: catalog, stock, orders, refunds and contacts."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.orm.decl_api import DeclarativeMeta

from shop.clock import naive_now

# Annotated so that type checkers see a class (SQLAlchemy 1.4 ships no type hints).
Base: DeclarativeMeta = declarative_base()

# Order and refund references are derived from the row id so they are unique without a
# second round trip: A1001 is order id 1, R5001 is refund id 1.
ORDER_REFERENCE_PREFIX, ORDER_REFERENCE_OFFSET = "A", 1000
REFUND_REFERENCE_PREFIX, REFUND_REFERENCE_OFFSET = "R", 5000


class Product(Base):
    __tablename__ = "products"

    id = Column(Integer, primary_key=True)
    sku = Column(String(40), unique=True, nullable=False)
    name = Column(String(120), unique=True, nullable=False)
    category = Column(String(40), nullable=False)
    description = Column(Text, nullable=False, default="")
    price_cents = Column(Integer, nullable=False)
    final_sale = Column(Boolean, nullable=False, default=False)
    # Lower-case phrases separated by "|": what customers call the product.
    synonyms = Column(Text, nullable=False, default="")

    variants = relationship("Variant", back_populates="product", order_by="Variant.id", lazy="selectin")

    __table_args__ = (CheckConstraint("price_cents >= 0", name="price_not_negative"),)

    @property
    def synonym_list(self):
        return [s for s in self.synonyms.split("|") if s]


class Variant(Base):
    __tablename__ = "variants"

    id = Column(Integer, primary_key=True)
    product_id = Column(Integer, ForeignKey("products.id"), nullable=False)
    # Empty string, not NULL, when a product has no size or color: a unique constraint
    # treats NULLs as distinct, and a duplicate variant must be impossible.
    size = Column(String(10), nullable=False, default="")
    color = Column(String(30), nullable=False, default="")
    stock = Column(Integer, nullable=False, default=0)

    product = relationship("Product", back_populates="variants")

    __table_args__ = (
        UniqueConstraint("product_id", "size", "color", name="one_row_per_variant"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
    )


class Order(Base):
    __tablename__ = "orders"

    id = Column(Integer, primary_key=True)
    reference = Column(String(20), unique=True)
    email = Column(String(254), nullable=True)
    sender_id = Column(String(255), nullable=True)
    status = Column(String(20), nullable=False, default="paid")
    total_cents = Column(Integer, nullable=False, default=0)
    placed_at = Column(DateTime, nullable=False, default=naive_now)
    shipped_at = Column(DateTime, nullable=True)
    delivered_at = Column(DateTime, nullable=True)
    refunded_at = Column(DateTime, nullable=True)

    items = relationship("OrderItem", back_populates="order", order_by="OrderItem.id", lazy="selectin")


class OrderItem(Base):
    __tablename__ = "order_items"

    id = Column(Integer, primary_key=True)
    order_id = Column(Integer, ForeignKey("orders.id"), nullable=False)
    variant_id = Column(Integer, ForeignKey("variants.id"), nullable=False)
    quantity = Column(Integer, nullable=False)
    unit_price_cents = Column(Integer, nullable=False)
    final_sale = Column(Boolean, nullable=False, default=False)
    refunded = Column(Boolean, nullable=False, default=False)

    order = relationship("Order", back_populates="items")
    variant = relationship("Variant", lazy="joined")

    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)


class Refund(Base):
    __tablename__ = "refunds"

    id = Column(Integer, primary_key=True)
    reference = Column(String(20), unique=True)
    order_item_id = Column(Integer, ForeignKey("order_items.id"), nullable=False, unique=True)
    reason = Column(Text, nullable=False)
    amount_cents = Column(Integer, nullable=False)
    status = Column(String(20), nullable=False, default="requested")
    created_at = Column(DateTime, nullable=False, default=naive_now)

    item = relationship("OrderItem", lazy="joined")


class Contact(Base):
    """One customer on one channel: the opt-out flag lives here."""

    __tablename__ = "contacts"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), unique=True, nullable=False)
    email = Column(String(254), nullable=True)
    opted_out = Column(Boolean, nullable=False, default=False)
    opted_out_at = Column(DateTime, nullable=True)
    # When the contact was shown the privacy notice (its first message); None: not yet.
    privacy_notice_at = Column(DateTime, nullable=True)
    # Where and when the shop may write first (shop/outbound/): the conversation's channel
    # (a sender id belongs to one) and the contact's time zone, as last seen.
    channel = Column(String(32), nullable=True)
    timezone = Column(String(64), nullable=True)
    updated_at = Column(DateTime, nullable=False, default=naive_now, onupdate=naive_now)


class OwnershipFailure(Base):
    """An order number given with an email that is not the order's (shop/ownership.py)."""

    __tablename__ = "ownership_failures"
    __table_args__ = (Index("ix_ownership_failures_sender", "sender_id", "failed_at"),)

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    reference = Column(String(20), nullable=False)
    failed_at = Column(DateTime, nullable=False, default=naive_now)


class FollowUp(Base):
    """A customer asked to be emailed by a team (out of hours, or instead of a call)."""

    __tablename__ = "follow_ups"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    team = Column(String(40), nullable=False)
    reason = Column(String(60), nullable=False)
    email = Column(String(254), nullable=True)
    summary = Column(Text, nullable=False, default="")
    status = Column(String(20), nullable=False, default="open")
    created_at = Column(DateTime, nullable=False, default=naive_now)


# --------------------------------------------------------------------------- live agents

HANDOFF_REFERENCE_PREFIX = "H"
OPEN_HANDOFF = "status != 'closed'"


class Agent(Base):
    """A person who answers handed-over chats in the inbox (seeded from seed/inbox.yml)."""

    __tablename__ = "agents"

    id = Column(Integer, primary_key=True)
    name = Column(String(120), nullable=False)
    email = Column(String(254), unique=True, nullable=False)
    teams = Column(Text, nullable=False, default="[]")  # JSON list of team keys
    roles = Column(Text, nullable=False, default="[]", server_default="[]")  # JSON list: "analytics" sees the funnel
    password_hash = Column(String(255), nullable=True)  # None: cannot log in yet
    session_epoch = Column(Integer, nullable=False, default=0)  # bumped to end every session
    online = Column(Boolean, nullable=False, default=False)
    last_seen_at = Column(DateTime, nullable=True)
    last_assigned_at = Column(DateTime, nullable=True)
    active = Column(Boolean, nullable=False, default=True)


class Handoff(Base):
    """A conversation handed to a person: queued for a team, assigned or taken, then closed.
    Times are UTC (naive)."""

    __tablename__ = "handoffs"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    channel = Column(String(40), nullable=False, default="rest")
    team = Column(String(40), nullable=False)
    reason = Column(String(40), nullable=False)
    status = Column(String(20), nullable=False, default="queued")  # queued, assigned, active, closed
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=True)
    context = Column(Text, nullable=False, default="{}")  # JSON context packet at handover time
    created_at = Column(DateTime, nullable=False, default=naive_now)
    assigned_at = Column(DateTime, nullable=True)
    first_reply_at = Column(DateTime, nullable=True)
    closed_at = Column(DateTime, nullable=True)
    closed_by = Column(String(20), nullable=True)  # agent, timeout, customer
    closing_note = Column(Text, nullable=True)

    agent = relationship("Agent", lazy="joined")

    # A contact has at most one open conversation: the database refuses a second one.
    __table_args__ = (
        Index(
            "one_open_handoff_per_contact",
            "sender_id",
            unique=True,
            sqlite_where=text(OPEN_HANDOFF),
            postgresql_where=text(OPEN_HANDOFF),
        ),
        Index("handoffs_by_status_team", "status", "team"),
    )

    @property
    def reference(self) -> str:
        return f"{HANDOFF_REFERENCE_PREFIX}{self.id:04d}"


class HandoffEvent(Base):
    """What happened to a handoff and when: queued, assigned, reassigned, taken, closed..."""

    __tablename__ = "handoff_events"

    id = Column(Integer, primary_key=True)
    handoff_id = Column(Integer, ForeignKey("handoffs.id"), nullable=False, index=True)
    kind = Column(String(30), nullable=False)
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=True)
    at = Column(DateTime, nullable=False, default=naive_now)
    note = Column(Text, nullable=True)


# --------------------------------------------------------------------------- sales

BOOKING_REFERENCE_PREFIX, BOOKING_REFERENCE_OFFSET = "M", 3000


class Rep(Base):
    """A sales rep: team, home time zone and weekly working hours (seeded from seed/sales_team.yml)."""

    __tablename__ = "reps"

    id = Column(Integer, primary_key=True)
    name = Column(String(120), nullable=False)
    email = Column(String(254), unique=True, nullable=False)
    team = Column(String(40), nullable=False)
    timezone = Column(String(64), nullable=False)
    # JSON: {"mon": ["09:00", "17:00"], ...} in the rep's own time zone; a missing day is off.
    working_hours = Column(Text, nullable=False)
    active = Column(Boolean, nullable=False, default=True)


class Booking(Base):
    """A meeting booked in the chat. Times are stored in UTC (naive)."""

    __tablename__ = "bookings"

    id = Column(Integer, primary_key=True)
    reference = Column(String(20), unique=True)
    rep_id = Column(Integer, ForeignKey("reps.id"), nullable=False)
    lead_id = Column(Integer, ForeignKey("leads.id"), nullable=True)
    starts_at = Column(DateTime, nullable=False)
    ends_at = Column(DateTime, nullable=False)
    email = Column(String(254), nullable=False)
    sender_id = Column(String(255), nullable=True)
    customer_timezone = Column(String(64), nullable=False)
    status = Column(String(20), nullable=False, default="booked")
    created_at = Column(DateTime, nullable=False, default=naive_now)
    # One meeting's calendar event across its moves: a moved booking keeps the UID and raises
    # the SEQUENCE (RFC 5546), so invites and the rep's calendar update the event they have.
    calendar_uid = Column(String(255), nullable=True, index=True)
    sequence = Column(Integer, nullable=False, default=0, server_default="0")

    rep = relationship("Rep", lazy="joined")

    # Double booking is impossible: one live booking per rep and start time, enforced by the
    # database (a partial index, so a cancelled slot can be booked again).
    __table_args__ = (
        Index(
            "one_live_booking_per_rep_slot",
            "rep_id",
            "starts_at",
            unique=True,
            sqlite_where=text("status = 'booked'"),
            postgresql_where=text("status = 'booked'"),
        ),
    )


class Lead(Base):
    """A prospect qualified in the chat: answers, score, grade and the team it was routed to."""

    __tablename__ = "leads"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), unique=True, nullable=False)
    email = Column(String(254), nullable=True)
    need = Column(Text, nullable=True)
    company_size = Column(Integer, nullable=True)
    timeline = Column(String(40), nullable=True)
    budget = Column(String(40), nullable=True)
    role = Column(String(120), nullable=True)
    score = Column(Integer, nullable=False, default=0)
    grade = Column(String(10), nullable=False, default="cold")
    team = Column(String(40), nullable=True)
    created_at = Column(DateTime, nullable=False, default=naive_now)
    updated_at = Column(DateTime, nullable=False, default=naive_now, onupdate=naive_now)


class ConversationEvent(Base):
    """One event of a conversation that the funnel needs, as Rasa's event broker published it
    (shop/analytics/): the customer's messages (intent; the text only of one not understood),
    the bot's responses by name, actions, forms started and ended, and a few slots. `key` is the
    event's fingerprint, so an event delivered twice is stored once."""

    __tablename__ = "conversation_events"

    id = Column(Integer, primary_key=True)
    key = Column(String(64), unique=True, nullable=False)
    sender_id = Column(String(255), nullable=False)
    at = Column(DateTime, nullable=False)  # UTC, from the event's own timestamp
    kind = Column(String(20), nullable=False)  # session, message, bot, action, form, slot
    name = Column(String(100), nullable=True)  # intent, response, action, form or slot
    value = Column(Text, nullable=True)  # a slot's value, or the text of a message not understood
    channel = Column(String(40), nullable=True)  # of a customer's message
    page = Column(String(200), nullable=True)  # of a customer's message on the web
    campaign = Column(String(200), nullable=True)

    __table_args__ = (
        Index("ix_conversation_events_sender_at", "sender_id", "at"),
        Index("ix_conversation_events_at", "at"),
    )


class WidgetSession(Base):
    """A chat widget opened on a page (the widget reports it), for the engagement rate."""

    __tablename__ = "widget_sessions"

    id = Column(Integer, primary_key=True)
    session_id = Column(String(64), unique=True, nullable=False)
    opened_at = Column(DateTime, nullable=False, default=naive_now, index=True)
    page = Column(String(200), nullable=True)
    campaign = Column(String(200), nullable=True)


class CsatResponse(Base):
    """A satisfaction question asked after an outcome (shop/csat.py), and its answer: a rating
    from 1 to 5 and an optional comment; unanswered while rating is None."""

    __tablename__ = "csat_responses"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    outcome = Column(String(30), nullable=False)  # order, refund, booking, agent_closed
    asked_at = Column(DateTime, nullable=False, default=naive_now, index=True)
    rating = Column(Integer, nullable=True)
    comment = Column(Text, nullable=True)
    answered_at = Column(DateTime, nullable=True)


class ConsentEvent(Base):
    """One consent given or withdrawn by a contact on one channel (shop/consent.py): the record
    carriers and privacy law ask for (when, where, how, and the wording shown at an opt-in).
    Append-only; a contact's consent on a channel is its latest event there."""

    __tablename__ = "consent_events"
    __table_args__ = (Index("ix_consent_events_sender_channel", "sender_id", "channel", "id"),)

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    channel = Column(String(32), nullable=False)  # the input channel: twilio, whatsapp, facebook, socketio, rest
    status = Column(String(16), nullable=False)  # opted_in (to marketing) or opted_out (of everything)
    source = Column(String(64), nullable=False)  # how: "keyword STOP", "chat", "widget checkbox"...
    wording = Column(Text, nullable=True)  # what the contact was shown when opting in
    at = Column(DateTime, nullable=False, default=naive_now)


class TwilioMessage(Base):
    """A message Twilio sent for the shop (SMS or WhatsApp) and its latest delivery status, from
    Twilio's status callbacks (shop/twilio_messages.py)."""

    __tablename__ = "twilio_messages"

    id = Column(Integer, primary_key=True)
    message_sid = Column(String(64), nullable=False, unique=True)
    to = Column(String(64), nullable=True)  # "+1555..." or "whatsapp:+1555..."
    from_ = Column("from", String(64), nullable=True)
    status = Column(String(16), nullable=False)  # queued, sent, delivered, undelivered, failed...
    error_code = Column(String(16), nullable=True)  # Twilio's, e.g. 30003 (unreachable handset)
    updated_at = Column(DateTime, nullable=False, default=naive_now)


class OutboundMessage(Base):
    """A message the shop sends first (shop/outbound/): written in the transaction of the change
    that causes it, sent by the worker when due and the rules allow. `status`: pending (due at
    `due_at`), sending (claimed by a worker until `locked_until`), sent, parked (kept failing:
    `last_error`), dropped (the rules refused it: `last_error` says why), cancelled (what it was
    about changed, e.g. the meeting moved)."""

    __tablename__ = "outbound_messages"
    __table_args__ = (
        Index("ix_outbound_messages_due", "status", "due_at"),
        Index("ix_outbound_messages_sender", "sender_id", "status"),
        Index("ix_outbound_messages_subject", "subject", "status"),
    )

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    channel = Column(String(32), nullable=False)  # Rasa's name of the output channel
    message_type = Column(String(40), nullable=False)  # a message of seed/outbound.yml
    kind = Column(String(16), nullable=False)  # marketing or transactional (shop/consent.py)
    response = Column(String(100), nullable=False)  # the domain's response that says it
    variables = Column(Text, nullable=False, default="{}")  # JSON: the response's {placeholders}
    slots = Column(Text, nullable=True)  # JSON: slots set with it, so the customer's reply has its context
    subject = Column(String(60), nullable=True)  # what it is about: "order:A1003", "booking:M3001"
    timezone = Column(String(64), nullable=True)  # the contact's, for the marketing hours
    status = Column(String(16), nullable=False, default="pending")
    due_at = Column(DateTime, nullable=False, default=naive_now)
    attempts = Column(Integer, nullable=False, default=0)
    locked_until = Column(DateTime, nullable=True)
    last_error = Column(Text, nullable=True)
    tag = Column(String(40), nullable=True)  # the Messenger tag it went with
    created_at = Column(DateTime, nullable=False, default=naive_now)
    sent_at = Column(DateTime, nullable=True)


class RestockWish(Base):
    """A customer asked to be told when a sold-out product (in a size and color, '' for any)
    is back (shop/restock.py); `notified_at` once the notice was written to the outbox."""

    __tablename__ = "restock_wishes"
    __table_args__ = (Index("ix_restock_wishes_product", "product_id", "notified_at"),)

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    product_id = Column(Integer, ForeignKey("products.id"), nullable=False)
    size = Column(String(10), nullable=False, default="")
    color = Column(String(30), nullable=False, default="")
    created_at = Column(DateTime, nullable=False, default=naive_now)
    notified_at = Column(DateTime, nullable=True)


class Delivery(Base):
    """One thing that leaves the database for one target (shop/integrations/): a signed
    webhook, a call to the CRM, an email. Written in the transaction of the change it tells of;
    sent by the outbox worker like an outbound message (shop/work_queue.py). `status`: pending,
    sending (claimed until `locked_until`), sent, parked (kept failing: `last_error`). The
    deliveries of one change share its `event_id`, which receivers use to drop a repeat."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_due", "status", "due_at"),
        Index("ix_deliveries_subject", "subject"),
        Index("ix_deliveries_sender", "sender_id"),
    )

    id = Column(Integer, primary_key=True)
    event_id = Column(String(36), nullable=False)  # a UUID per change
    event = Column(String(40), nullable=False)  # "lead.created", "meeting.booked"... (seed/integrations.yml)
    target = Column(String(60), nullable=False)  # "webhook:<name>", "hubspot", "email"
    recipient = Column(String(254), nullable=True)  # an email's address
    sender_id = Column(String(255), nullable=True)  # the conversation it is about, when one
    subject = Column(String(60), nullable=True)  # what it is about: "lead:12", "booking:M3001"
    payload = Column(Text, nullable=False)  # JSON
    status = Column(String(16), nullable=False, default="pending")
    due_at = Column(DateTime, nullable=False, default=naive_now)
    attempts = Column(Integer, nullable=False, default=0)
    locked_until = Column(DateTime, nullable=True)
    last_error = Column(Text, nullable=True)
    created_at = Column(DateTime, nullable=False, default=naive_now)
    sent_at = Column(DateTime, nullable=True)


class CrmRecord(Base):
    """The id a CRM gave one of our records (a contact, a lead's deal, a meeting), so the next
    delivery about it updates that record instead of making another."""

    __tablename__ = "crm_records"
    __table_args__ = (UniqueConstraint("target", "key", name="one_crm_record_per_key"),)

    id = Column(Integer, primary_key=True)
    target = Column(String(60), nullable=False)
    key = Column(String(160), nullable=False)  # "deal:lead:12", "meeting:M3001"
    remote_id = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False, default=naive_now)
