"""seed/integrations.yml with the environment: a target is on only with its address or token,
and one configured wrongly is left off with the reason logged, never failing the change."""

import logging

import yaml

from shop.integrations import config
from shop.settings import SEED_DIR

RAW = yaml.safe_load((SEED_DIR / "integrations.yml").read_text())
ALL = {
    "WEBHOOK_URL": "https://hooks.example.com/shop",
    "WEBHOOK_SECRET": "s",
    "HUBSPOT_TOKEN": "pat",
    "SMTP_HOST": "mx",
}


def test_nothing_is_on_without_the_environment():
    integrations = config.parse(RAW, env={})
    assert integrations.webhooks == () and integrations.hubspot is None and integrations.email is None
    assert integrations.targets_of("lead.created") == [] and not integrations.emails("meeting.booked")
    assert integrations.problems == ()


def test_each_target_takes_the_events_the_file_gives_it():
    integrations = config.parse(RAW, env=ALL)
    assert integrations.targets_of("lead.created") == ["webhook:default", "hubspot"]
    assert integrations.targets_of("order.placed") == ["webhook:default"]  # HubSpot takes leads and meetings
    assert integrations.targets_of("agent.replied") == []  # by email only
    assert integrations.emails("agent.replied") and integrations.emails("meeting.moved")
    assert not integrations.emails("order.placed")
    assert integrations.hubspot.base_url == "https://api.hubapi.com"
    assert (integrations.email.port, integrations.email.security) == (587, "starttls")
    assert set(RAW["events"]) == set(integrations.webhooks[0].events)  # "all"


def test_a_target_configured_wrongly_is_off_and_said_once(monkeypatch, caplog):
    integrations = config.parse(
        RAW, env={"WEBHOOK_URL": "https://hooks.example.com", "SMTP_HOST": "mx", "SMTP_SECURITY": "ssl3"}
    )
    assert integrations.webhooks == () and integrations.email is None
    assert any("WEBHOOK_SECRET is not" in p for p in integrations.problems)
    assert any("starttls, tls or none" in p for p in integrations.problems)
    unknown = {**RAW, "hubspot": {**RAW["hubspot"], "events": ["lead.created", "lead.deleted"]}}
    assert config.parse(unknown, env=ALL).hubspot is None
    assert "lead.deleted" in config.parse(unknown, env=ALL).problems[0]
    monkeypatch.setenv("SMTP_HOST", "mx")
    monkeypatch.setenv("SMTP_SECURITY", "ssl3")
    config._said.cache_clear()
    with caplog.at_level(logging.ERROR, logger="shop.integrations.config"):
        config.configured()
        config.configured()
    assert [r.getMessage() for r in caplog.records].count(
        "Left off (seed/integrations.yml, environment): SMTP_SECURITY is 'ssl3': say starttls, tls or none"
    ) == 1


def test_a_lead_is_saved_even_when_a_target_is_configured_wrongly(shop_db, monkeypatch):
    from datetime import datetime, timezone

    from sqlalchemy import select

    from shop import leads
    from shop.db import session_scope
    from shop.models import Lead

    monkeypatch.setenv("WEBHOOK_URL", "https://hooks.example.com")  # and no secret
    with session_scope() as session:
        leads.qualify_lead(session, "web-1", {"need": "uniforms", "email": "a@example.com"}, datetime.now(timezone.utc))
    with session_scope() as session:
        assert session.scalar(select(Lead.email)) == "a@example.com"
