"""Fixtures of the integrations' tests: the shop database on SQLite and PostgreSQL, and each
target's local stand-in configured through the environment as a deployment would."""

import pytest

from shop.db import session_factory
from tests.support import services
from tests.support.receivers import HubSpotStandIn, SmtpServer, WebhookReceiver

SECRET = "whsec-test-secret"
HUBSPOT_TOKEN = "pat-na1-test-token"


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request, shop_db, monkeypatch):
    if request.param == "sqlite":
        return session_factory(shop_db)
    return session_factory(services.shop_postgres(monkeypatch, seeded=True))


@pytest.fixture
def receiver(monkeypatch):
    with WebhookReceiver(SECRET) as started:
        monkeypatch.setenv("WEBHOOK_URL", f"{started.url}/hooks/shop")
        monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
        yield started


@pytest.fixture
def hubspot(monkeypatch):
    with HubSpotStandIn(HUBSPOT_TOKEN) as started:
        monkeypatch.setenv("HUBSPOT_TOKEN", HUBSPOT_TOKEN)
        monkeypatch.setenv("HUBSPOT_BASE_URL", started.url)
        yield started


@pytest.fixture
def smtp(monkeypatch):
    with SmtpServer() as started:
        for name, value in started.env().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("EMAIL_FROM", "Shop <hello@shop.example>")
        yield started
