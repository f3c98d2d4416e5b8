"""A small CalDAV client for one calendar collection (RFC 4791): the events in a time range
(REPORT calendar-query), and an event written (PUT) or removed (DELETE) by its UID. Every call
has a timeout; anything but the expected answer is CalendarUnavailable, never a hang."""

import xml.etree.ElementTree as ET
from datetime import datetime
from urllib.parse import quote

import requests

from shop.clock import as_utc

DAV, CALDAV = "DAV:", "urn:ietf:params:xml:ns:caldav"


class CalendarUnavailable(Exception):
    """A rep's calendar could not be read or written (down, too slow, refused the login, or
    answered something that is not CalDAV). The message names the calendar, never a secret."""


def _stamp(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y%m%dT%H%M%SZ")


def calendar_query(lo: datetime, hi: datetime) -> str:
    """The REPORT body asking for every event overlapping [lo, hi) with its data."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<C:calendar-query xmlns:D="{DAV}" xmlns:C="{CALDAV}">'
        "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
        '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
        f'<C:time-range start="{_stamp(lo)}" end="{_stamp(hi)}"/>'
        "</C:comp-filter></C:comp-filter></C:filter>"
        "</C:calendar-query>"
    )


def calendar_data(multistatus: bytes) -> list[str]:
    """The calendar-data of each resource a 207 multistatus answered with (ValueError when the
    body is not one)."""
    try:
        root = ET.fromstring(multistatus)
    except ET.ParseError as error:
        raise ValueError(f"not a multistatus: {error}") from error
    if root.tag != f"{{{DAV}}}multistatus":
        raise ValueError(f"not a multistatus but {root.tag}")
    found = []
    for propstat in root.iter(f"{{{DAV}}}propstat"):
        status = propstat.findtext(f"{{{DAV}}}status") or ""
        data = propstat.find(f"{{{DAV}}}prop/{{{CALDAV}}}calendar-data")
        if " 200 " in f"{status} " and data is not None and (data.text or "").strip():
            found.append(data.text or "")
    return found


class CalDAVCalendar:
    """One calendar collection, reached with HTTP Basic authentication."""

    def __init__(self, url: str, username: str, password: str, timeout: float) -> None:
        self.url = url if url.endswith("/") else url + "/"
        self.auth = (username, password)
        self.timeout = timeout

    def _call(self, method: str, url: str, expected: tuple[int, ...], **kwargs) -> requests.Response:
        try:
            answer = requests.request(method, url, auth=self.auth, timeout=self.timeout, **kwargs)
        except requests.RequestException as error:
            raise CalendarUnavailable(f"{method} {url}: {error.__class__.__name__}") from error
        if answer.status_code not in expected:
            raise CalendarUnavailable(f"{method} {url}: HTTP {answer.status_code}")
        return answer

    def event_url(self, uid: str) -> str:
        return self.url + quote(uid, safe="") + ".ics"

    def events_between(self, lo: datetime, hi: datetime) -> list[str]:
        """The iCalendar text of every event that overlaps [lo, hi)."""
        answer = self._call(
            "REPORT",
            self.url,
            (207,),
            data=calendar_query(lo, hi).encode("utf-8"),
            headers={"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
        )
        try:
            return calendar_data(answer.content)
        except ValueError as error:
            raise CalendarUnavailable(f"REPORT {self.url}: {error}") from error

    def put_event(self, uid: str, ics: str) -> None:
        """Writes the event under its UID (created, or replaced when it is there)."""
        self._call(
            "PUT",
            self.event_url(uid),
            (200, 201, 204),
            data=ics.encode("utf-8"),
            headers={"Content-Type": "text/calendar; charset=utf-8"},
        )

    def delete_event(self, uid: str) -> None:
        """Removes the event; one that is not there any more is fine."""
        self._call("DELETE", self.event_url(uid), (200, 204, 404))
