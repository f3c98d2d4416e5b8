"""The shop schema's Alembic migrations: `upgrade()` brings any shop database to the current
schema; `make migrate` (and `make run`, and the deployment's migrations job) runs it.

A database made before migrations existed (by SQLAlchemy's create_all, the previous release)
has the tables of the first migration and no alembic_version: it is stamped at that baseline
and upgraded from there. `make migration MESSAGE="..."` writes a new one from models.py, to be
read over before committing."""

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

HERE = Path(__file__).resolve().parent
BASELINE = "0001"  # the schema of the last release without migrations


def config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def current(url: str) -> str | None:
    """The migration the database is at (None: none applied)."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def upgrade(engine: Engine) -> None:
    """Apply every pending migration to the engine's database (idempotent)."""
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its INFO lines at every process start
    cfg = config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        tables = set(inspect(connection).get_table_names())
        if tables and "alembic_version" not in tables:
            command.stamp(cfg, BASELINE)
        command.upgrade(cfg, "head")
