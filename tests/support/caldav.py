"""A real CalDAV server for the reps' calendars: Radicale (a dev requirement) on a free port, its
collections under `workdir`, users with passwords (htpasswd), and the calendars file
(REP_CALENDARS) that points reps at it. Without Radicale the test skips (fails under CI)."""

import importlib.util
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path

import requests
import yaml

from scripts.processes import free_port, wait_until_up
from tests.support.services import missing


class Radicale:
    def __init__(self, workdir: Path, users: dict[str, str]) -> None:
        if importlib.util.find_spec("radicale") is None:
            missing("Radicale (pip: requirements-dev.txt)", ModuleNotFoundError("radicale"))
        self.workdir = workdir
        self.users = users
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (workdir / "users").write_text("".join(f"{user}:{password}\n" for user, password in users.items()))
        (workdir / "radicale.conf").write_text(
            f"[server]\nhosts = 127.0.0.1:{self.port}\n"
            f"[auth]\ntype = htpasswd\nhtpasswd_filename = {workdir / 'users'}\nhtpasswd_encryption = plain\n"
            "delay = 0\n"
            f"[storage]\nfilesystem_folder = {workdir / 'collections'}\n"
            "[rights]\ntype = owner_only\n[web]\ntype = none\n[logging]\nlevel = warning\n"
        )
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Radicale":
        log = open(self.workdir / "radicale.log", "ab")  # noqa: SIM115 (open while the server runs)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(self.workdir / "radicale.conf")],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        try:
            # Any HTTP answer (401 without a login) means it listens.
            wait_until_up(
                self.url + "/",
                self.proc,
                lambda: (self.workdir / "radicale.log").read_text(errors="replace"),
                "Radicale",
                time.monotonic() + 60,
                up=lambda answer: answer.status_code in (200, 401),
            )
        except RuntimeError as error:
            self.stop()
            missing("Radicale", error)
        return self

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        except ProcessLookupError:
            pass
        self.proc = None

    # ----------------------------------------------------------------------- as a rep would

    def make_calendar(self, user: str, name: str = "work") -> str:
        """A new calendar collection of `user` (MKCALENDAR); its URL."""
        url = f"{self.url}/{user}/{name}/"
        answer = requests.request("MKCALENDAR", url, auth=(user, self.users[user]), timeout=10)
        assert answer.status_code == 201, answer.text
        return url

    def add_event(self, calendar_url: str, user: str, uid: str, ics: str) -> None:
        """The rep adds an event in their calendar app (a PUT, as any CalDAV client does it)."""
        answer = requests.put(
            f"{calendar_url}{uid}.ics",
            data=ics.encode(),
            headers={"Content-Type": "text/calendar; charset=utf-8"},
            auth=(user, self.users[user]),
            timeout=10,
        )
        assert answer.status_code in (201, 204), answer.text

    def events(self, calendar_url: str, user: str) -> dict[str, str]:
        """{href: iCalendar text} of every event in the calendar (a PROPFIND, then a GET each)."""
        answer = requests.request(
            "PROPFIND", calendar_url, headers={"Depth": "1"}, auth=(user, self.users[user]), timeout=10
        )
        assert answer.status_code == 207, answer.text
        hrefs = [h.text or "" for h in ET.fromstring(answer.content).iter("{DAV:}href")]
        found = {}
        for href in hrefs:
            if href.endswith(".ics"):
                item = requests.get(self.url + href, auth=(user, self.users[user]), timeout=10)
                found[href] = item.text
        return found


def busy_event(uid: str, start: datetime, end: datetime, summary: str = "Dentist", extra: str = "") -> str:
    """An event a rep puts in their calendar (times aware, written in UTC)."""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//rep's phone//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{_utc(start)}\r\nDTEND:{_utc(end)}\r\n"
        f"SUMMARY:{summary}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def calendars_file(path: Path, reps: dict[str, tuple[str, str, str]]) -> Path:
    """A REP_CALENDARS file: {rep email: (calendar url, username, password variable)}."""
    path.write_text(
        yaml.safe_dump(
            {
                "reps": {
                    email: {"url": url, "username": user, "password_env": variable}
                    for email, (url, user, variable) in reps.items()
                }
            }
        )
    )
    return path


def connect_reps(radicale: Radicale, monkeypatch, folder: Path, reps: dict[str, str]) -> dict[str, str]:
    """Gives each rep (email -> Radicale user) a new calendar of their own and lists it in a
    REP_CALENDARS file, the password in the variable it names; {email: calendar url}."""
    import uuid

    urls = {}
    listed = {}
    for email, user in reps.items():
        url = radicale.make_calendar(user, f"work-{uuid.uuid4().hex[:8]}")
        variable = f"CALDAV_PASSWORD_{user.upper()}"
        monkeypatch.setenv(variable, radicale.users[user])
        urls[email] = url
        listed[email] = (url, user, variable)
    monkeypatch.setenv("REP_CALENDARS", str(calendars_file(folder / "calendars.yml", listed)))
    return urls
