"""A meeting's calendar event across its bookings: the UID its invites and the rep's calendar
keep when it is moved, and its SEQUENCE, raised at each change (shop/invites.py).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTERs, not a batch: SQLite's batch copy would drop the partial unique index's WHERE.
    op.add_column("bookings", sa.Column("calendar_uid", sa.String(length=255), nullable=True))
    op.add_column("bookings", sa.Column("sequence", sa.Integer(), server_default="0", nullable=False))
    op.create_index("ix_bookings_calendar_uid", "bookings", ["calendar_uid"], unique=False)
    # The UID earlier invites were sent with: the booking's own reference.
    op.execute("UPDATE bookings SET calendar_uid = reference || '@shop.example' WHERE reference IS NOT NULL")


def downgrade() -> None:
    op.drop_index("ix_bookings_calendar_uid", table_name="bookings")
    op.drop_column("bookings", "sequence")
    op.drop_column("bookings", "calendar_uid")
