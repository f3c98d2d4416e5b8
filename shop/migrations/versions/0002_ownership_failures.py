"""Wrong order number and email pairs, counted per conversation (shop/ownership.py).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ownership_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ownership_failures_sender", "ownership_failures", ["sender_id", "failed_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_ownership_failures_sender", table_name="ownership_failures")
    op.drop_table("ownership_failures")
