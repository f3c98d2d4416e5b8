"""Alembic's entry point for the shop schema (see shop/migrations/__init__.py)."""

from alembic import context
from sqlalchemy import create_engine

from shop.models import Base

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # the alembic command line: its own connection
        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as own:
            _migrate(own)
        return
    _migrate(connection)


def _migrate(connection) -> None:
    # Batch mode: SQLite alters a table by copying it; PostgreSQL alters it in place.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
