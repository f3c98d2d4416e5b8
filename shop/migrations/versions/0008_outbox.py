"""The outbox of messages the shop sends first, each contact's channel and time zone
(shop/outbound/), and the customers waiting for a product to be back (shop/restock.py).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("message_type", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("response", sa.String(length=100), nullable=False),
        sa.Column("variables", sa.Text(), nullable=False),
        sa.Column("slots", sa.Text(), nullable=True),
        sa.Column("subject", sa.String(length=60), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("tag", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outbound_messages_due", "outbound_messages", ["status", "due_at"])
    op.create_index("ix_outbound_messages_sender", "outbound_messages", ["sender_id", "status"])
    op.create_index("ix_outbound_messages_subject", "outbound_messages", ["subject", "status"])
    op.create_table(
        "restock_wishes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.String(length=10), nullable=False),
        sa.Column("color", sa.String(length=30), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("notified_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_restock_wishes_product", "restock_wishes", ["product_id", "notified_at"])
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("timezone")
        batch_op.drop_column("channel")
    op.drop_index("ix_restock_wishes_product", table_name="restock_wishes")
    op.drop_table("restock_wishes")
    for name in ("ix_outbound_messages_subject", "ix_outbound_messages_sender", "ix_outbound_messages_due"):
        op.drop_index(name, table_name="outbound_messages")
    op.drop_table("outbound_messages")
