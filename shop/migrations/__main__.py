"""python -m shop.migrations: apply pending migrations to SHOP_DB_URL's database (`make migrate`);
python -m shop.migrations new "what changed": write the next migration from models.py."""

import sys

from alembic import command

from shop import migrations
from shop.db import make_engine
from shop.settings import database_url


def main(argv: list[str]) -> int:
    url = database_url()
    if argv[:1] == ["new"] and len(argv) == 2:
        cfg = migrations.config(url)
        engine = make_engine(url)
        migrations.upgrade(engine)  # autogenerate compares models.py with an up-to-date database
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            number = f"{len(list((migrations.HERE / 'versions').glob('[0-9]*.py'))) + 1:04d}"
            command.revision(cfg, message=argv[1], autogenerate=True, rev_id=number)
        return 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    migrations.upgrade(make_engine(url))
    print(f"the shop database is at migration {migrations.current(url)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
