"""Days without sales meetings (seed/closed_dates.yml, or CLOSED_DATES): public holidays and the
shop's closed dates, for every team or some. A date is a whole day in each rep's own zone."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from shop import settings


@dataclass(frozen=True)
class ClosedDate:
    day: date
    name: str
    teams: frozenset[str] | None  # None: every team


def parse_closed_dates(raw: Any) -> list[ClosedDate]:
    """The entries of a closed-dates file ({"closed": [{date, name, teams?}, ...]}); ValueError,
    naming the entry, when one is malformed."""
    entries = (raw or {}).get("closed") if isinstance(raw, dict) else None
    if raw and not isinstance(raw, dict):
        raise ValueError("the closed dates file is a mapping with a `closed:` list")
    closed = []
    for number, entry in enumerate(entries or [], start=1):
        if not isinstance(entry, dict) or "date" not in entry:
            raise ValueError(f"closed date #{number} needs a `date` (YYYY-MM-DD): {entry!r}")
        day = entry["date"]
        if isinstance(day, str):
            try:
                day = date.fromisoformat(day.strip())
            except ValueError as error:
                raise ValueError(f"closed date #{number}: {entry['date']!r} is not YYYY-MM-DD") from error
        if not isinstance(day, date):
            raise ValueError(f"closed date #{number}: {entry['date']!r} is not YYYY-MM-DD")
        teams = entry.get("teams")
        if teams is not None and not (isinstance(teams, list) and all(isinstance(t, str) for t in teams)):
            raise ValueError(f"closed date #{number}: `teams` is a list of team keys, not {teams!r}")
        closed.append(ClosedDate(day, str(entry.get("name") or ""), frozenset(teams) if teams is not None else None))
    return closed


def load_closed_dates(path: Path | None = None) -> list[ClosedDate]:
    """The configured closed dates; none when the file does not exist."""
    path = path or settings.closed_dates_path()
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as handle:
        return parse_closed_dates(yaml.safe_load(handle))


def closed_days(closed: list[ClosedDate], team: str) -> frozenset[date]:
    """The days `team` takes no meetings."""
    return frozenset(c.day for c in closed if c.teams is None or team in c.teams)
