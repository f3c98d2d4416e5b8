"""Satisfaction ratings asked after an outcome (shop/csat.py).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "csat_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_csat_responses_sender_id", "csat_responses", ["sender_id"])
    op.create_index("ix_csat_responses_asked_at", "csat_responses", ["asked_at"])


def downgrade() -> None:
    op.drop_index("ix_csat_responses_asked_at", table_name="csat_responses")
    op.drop_index("ix_csat_responses_sender_id", table_name="csat_responses")
    op.drop_table("csat_responses")
