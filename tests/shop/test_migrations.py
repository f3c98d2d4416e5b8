"""The shop schema's migrations (shop/migrations/): they make exactly the models' schema, and
upgrade a database the previous release made (create_all, no migration stamp) keeping its data.
On SQLite and on PostgreSQL (`make services`)."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from shop import migrations
from shop.models import Base
from tests.support import services


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        made = create_engine(f"sqlite:///{tmp_path / 'shop.db'}", future=True)
    else:
        made = services.empty_postgres()
    yield made
    made.dispose()


def latest() -> str:
    """The newest migration in shop/migrations/versions."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(migrations.config("sqlite://")).get_current_head()


def differences(engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), Base.metadata)


def head(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(text("select version_num from alembic_version")).scalar_one()


def test_the_migrations_make_the_models_schema(engine):
    migrations.upgrade(engine)
    assert differences(engine) == []
    assert head(engine) == latest()
    migrations.upgrade(engine)  # again: nothing to do
    assert head(engine) == latest()


def test_a_database_of_the_previous_release_is_upgraded_with_its_data(engine):
    # What the previous release made: the first migration's tables, no alembic_version.
    from alembic import command

    cfg = migrations.config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, migrations.BASELINE)
        conn.execute(text("drop table alembic_version"))
        conn.execute(
            text(
                "insert into orders (id, reference, email, status, total_cents, placed_at)"
                " values (1, 'A1001', 'old@example.com', 'placed', 1200, '2026-11-01 10:00:00')"
            )
        )
    assert "ownership_failures" not in inspect(engine).get_table_names()
    migrations.upgrade(engine)
    assert head(engine) == latest()
    assert differences(engine) == []
    with engine.connect() as conn:
        assert (
            conn.execute(text("select email from orders where reference = 'A1001'")).scalar_one() == "old@example.com"
        )


def test_bookings_made_before_calendar_uids_keep_the_uid_their_invites_had(engine):
    from alembic import command

    cfg = migrations.config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0008")
        conn.execute(
            text(
                "insert into reps (id, name, email, team, timezone, working_hours, active)"
                " values (1, 'Rep', 'rep@shop.example', 'smb', 'UTC', '{}', true)"
            )
        )
        conn.execute(
            text(
                "insert into bookings (id, reference, rep_id, starts_at, ends_at, email, customer_timezone,"
                " status, created_at) values (1, 'M3001', 1, '2026-11-02 10:00:00', '2026-11-02 10:30:00',"
                " 'old@example.com', 'UTC', 'booked', '2026-11-01 10:00:00')"
            )
        )
    migrations.upgrade(engine)
    assert differences(engine) == []
    with engine.connect() as conn:
        row = conn.execute(text("select calendar_uid, sequence from bookings where id = 1")).one()
    assert tuple(row) == ("M3001@shop.example", 0)
