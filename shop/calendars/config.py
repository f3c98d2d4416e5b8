"""Which reps keep their own CalDAV calendar (seed/calendars.yml, or REP_CALENDARS): its URL,
login and the variable holding the password. Read at each look-up, so an edit applies at once."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from shop import settings


@dataclass(frozen=True)
class CalendarAccount:
    url: str  # the calendar collection, ending in /
    username: str
    password_env: str
    password: str = field(repr=False, default="")


def parse_accounts(raw: Any, secret=settings.named_secret) -> dict[str, CalendarAccount]:
    """{rep email (lower case): account} from a calendars file ({"reps": {email: {url, username,
    password_env}}}); ValueError naming the rep when an entry is malformed."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not isinstance(raw.get("reps") or {}, dict):
        raise ValueError("the calendars file is a mapping with `reps:` (rep email -> url, username, password_env)")
    accounts = {}
    for email, entry in (raw.get("reps") or {}).items():
        if not isinstance(entry, dict):
            raise ValueError(f"calendar of {email}: url, username and password_env, not {entry!r}")
        missing = [key for key in ("url", "username", "password_env") if not str(entry.get(key) or "").strip()]
        if missing:
            raise ValueError(f"calendar of {email}: {', '.join(missing)} missing")
        url = str(entry["url"]).strip()
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"calendar of {email}: the url must be http(s)://, not {url!r}")
        variable = str(entry["password_env"]).strip()
        accounts[str(email).strip().lower()] = CalendarAccount(
            url=url if url.endswith("/") else url + "/",
            username=str(entry["username"]).strip(),
            password_env=variable,
            password=secret(variable),
        )
    return accounts


def load_accounts(path: Path | None = None) -> dict[str, CalendarAccount]:
    """The configured reps' calendars; none when the file does not exist."""
    path = path or settings.rep_calendars_path()
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as handle:
        return parse_accounts(yaml.safe_load(handle))
