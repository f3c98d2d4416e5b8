"""The one clock (shop/clock.py): aware times, and zones from zoneinfo with current rules."""

from datetime import datetime, timedelta, timezone
from importlib.util import find_spec

import pytest

from shop import clock


def test_zones_follow_current_rules():
    # Mexico dropped daylight saving time in October 2022: July 2026 is UTC-6, not UTC-5 as in
    # the 2021 database dateutil bundles.
    july = datetime(2026, 7, 1, 12, 0, tzinfo=clock.zone("America/Mexico_City"))
    assert july.utcoffset() == timedelta(hours=-6)
    new_york = datetime(2026, 7, 1, 12, 0, tzinfo=clock.zone("America/New_York"))
    assert new_york.utcoffset() == timedelta(hours=-4)


def test_the_tzdata_package_is_there_for_systems_without_a_zone_database():
    assert find_spec("tzdata") is not None
    assert "Asia/Tokyo" in clock.zone_names() and "America/Mexico_City" in clock.zone_names()


@pytest.mark.parametrize("name", ["", None, "  ", "Mars/Olympus", "../../etc/passwd", "America/New_York\x00"])
def test_an_unknown_zone_is_none(name):
    assert clock.zone(name) is None


def test_naive_times_are_refused_where_a_zone_matters():
    with pytest.raises(ValueError):
        clock.as_utc(datetime(2026, 1, 1, 12, 0))  # naive: the point of the test
    moment = datetime(2026, 1, 1, 12, 0, tzinfo=clock.zone("Europe/Paris"))
    assert clock.as_utc(moment) == datetime(2026, 1, 1, 11, 0, tzinfo=timezone.utc)
    assert clock.aware(clock.naive_utc(moment)) == moment
