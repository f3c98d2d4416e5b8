"""What leaves the database (shop/integrations/): the deliveries of webhooks, CRM calls and
emails, and the ids the CRM gave our records.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=60), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=True),
        sa.Column("sender_id", sa.String(length=255), nullable=True),
        sa.Column("subject", sa.String(length=60), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["status", "due_at"])
    op.create_index("ix_deliveries_subject", "deliveries", ["subject"])
    op.create_index("ix_deliveries_sender", "deliveries", ["sender_id"])
    op.create_table(
        "crm_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=60), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("remote_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("target", "key", name="one_crm_record_per_key"),
    )


def downgrade() -> None:
    op.drop_table("crm_records")
    op.drop_index("ix_deliveries_sender", table_name="deliveries")
    op.drop_index("ix_deliveries_subject", table_name="deliveries")
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.drop_table("deliveries")
