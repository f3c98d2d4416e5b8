"""A seeded shop database for the tests: seeded once per run, copied per test."""

import copy
import functools
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from shop import seed as seed_module

_load_yaml = seed_module.load_yaml


@functools.cache
def _parsed_yaml(path: str) -> dict[str, Any]:
    return _load_yaml(Path(path))


def _cached_load_yaml(path) -> dict[str, Any]:
    # The pure-Python YAML parser is most of the seeding time; the files don't change
    # during a run, so each is parsed once (and copied, so no test can alter another's data).
    return copy.deepcopy(_parsed_yaml(str(path)))


def seed_database(url: str) -> dict[str, int]:
    """shop.seed.seed(url), with the seed files parsed once per test run."""
    original = seed_module.load_yaml
    seed_module.load_yaml = _cached_load_yaml
    try:
        return seed_module.seed(url)
    finally:
        seed_module.load_yaml = original


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (the backup API also copies what is still in
    the write-ahead log)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


# --------------------------------------------------------------------------- trackers
