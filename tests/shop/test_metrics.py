"""shop/metrics.py: who may scrape, and the handoff gauges read from the database."""

import pytest
from sqlalchemy import select

from shop import metrics
from shop.db import session_scope
from shop.models import Handoff


@pytest.mark.parametrize(
    ("authorization", "address", "token", "allowed"),
    [
        (None, "127.0.0.1", "", True),
        (None, "::1", "", True),
        (None, "203.0.113.9", "", False),
        ("Bearer s3cret", "203.0.113.9", "s3cret", True),
        ("Bearer wrong", "127.0.0.1", "s3cret", False),  # with a token, the token decides
        (None, "127.0.0.1", "s3cret", False),
    ],
)
def test_who_may_scrape(authorization, address, token, allowed):
    assert metrics.may_scrape(authorization, address, token) is allowed


def test_handoff_gauges_come_from_the_database(shop_db):
    with session_scope() as session:
        session.add(Handoff(sender_id="a", team="support", status="queued", reason="asked"))
        session.add(Handoff(sender_id="b", team="support", status="queued", reason="asked"))
        session.add(Handoff(sender_id="c", team="billing", status="closed", reason="asked"))
    with session_scope() as session:
        assert len(session.scalars(select(Handoff)).all()) == 3
        metrics.read_handoffs(session)
    text = metrics.exposition().decode()
    assert 'shop_handoffs{status="queued"} 2.0' in text
    assert 'shop_handoffs{status="closed"} 1.0' in text
    assert 'shop_handoff_queue{team="support"} 2.0' in text
    assert 'shop_handoff_queue{team="billing"}' not in text


def test_a_scrape_is_refused_before_anything_is_read(monkeypatch):
    monkeypatch.setenv("METRICS_TOKEN", "s3cret")
    read = []
    status, body, content_type = metrics.scrape("Bearer wrong", "127.0.0.1", lambda: read.append(1))
    assert (status, content_type, read) == (403, "application/json", [])
    assert b"METRICS_TOKEN" in body
    status, body, content_type = metrics.scrape("Bearer s3cret", "203.0.113.9", lambda: read.append(1))
    assert (status, content_type, read) == (200, metrics.CONTENT_TYPE, [1])
    assert b"shop_turns_total" in body
