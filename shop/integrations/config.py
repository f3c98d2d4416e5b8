"""Which events go to which targets (seed/integrations.yml), with the addresses, tokens and
secrets from the environment. A target without them is off: no delivery is written for it. A
target configured wrongly (a URL without its secret, an unknown event, a bad SMTP_SECURITY) is
off too, and said in the log once: a lead or a booking never fails because of it."""

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from shop import settings

logger = logging.getLogger(__name__)
WEBHOOK_PREFIX, HUBSPOT, EMAIL = "webhook:", "hubspot", "email"
EMAIL_EVENTS = ("agent.replied",)  # told by email only, never to a webhook or CRM


@dataclass(frozen=True)
class Webhook:
    name: str
    url: str
    secret: str
    events: frozenset[str]

    @property
    def target(self) -> str:
        return WEBHOOK_PREFIX + self.name


@dataclass(frozen=True)
class HubSpot:
    token: str
    base_url: str
    deal_grade: str
    pipeline: str
    deal_stage: str
    events: frozenset[str]


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    security: str  # starttls, tls or none
    username: str
    password: str
    ca_file: str  # the CA bundle the server's certificate is checked against; "": the system's
    sender: str  # the From address
    reply_to: str
    templates: Path
    events: frozenset[str]


@dataclass(frozen=True)
class Integrations:
    events: frozenset[str]
    webhooks: tuple[Webhook, ...]
    hubspot: HubSpot | None
    email: Smtp | None
    attempts: int
    first_delay: timedelta
    max_delay: timedelta
    problems: tuple[str, ...] = ()  # what was configured wrongly, and so left off

    def targets_of(self, event: str) -> list[str]:
        """The targets configured to take `event`, email aside (it goes to its recipients)."""
        found = [hook.target for hook in self.webhooks if event in hook.events]
        if self.hubspot is not None and event in self.hubspot.events:
            found.append(HUBSPOT)
        return found

    def emails(self, event: str) -> bool:
        return self.email is not None and event in self.email.events

    def webhook(self, target: str) -> Webhook | None:
        return next((hook for hook in self.webhooks if hook.target == target), None)


def _events(raw: Any, known: frozenset[str], where: str) -> frozenset[str]:
    if raw == "all":
        return known
    events = frozenset(str(event) for event in raw or ())
    unknown = events - known - set(EMAIL_EVENTS)
    if unknown:
        raise ValueError(f"{where}: unknown events {sorted(unknown)} (not in the file's events)")
    return events


@cache
def _file(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def _webhook(hook: dict[str, Any], known: frozenset[str], env) -> Webhook | None:
    url, secret = settings.named(hook["url"], env), settings.named(hook["secret"], env)
    if not url:
        return None
    if not secret:
        raise ValueError(f"webhook {hook['name']}: {hook['url']} is set but {hook['secret']} is not")
    return Webhook(str(hook["name"]), url, secret, _events(hook.get("events"), known, hook["name"]))


def _hubspot(spot: dict[str, Any] | None, known: frozenset[str], env) -> HubSpot | None:
    if not spot or not settings.named(spot["token"], env):
        return None
    return HubSpot(
        token=settings.named(spot["token"], env),
        base_url=settings.named(spot["base_url"], env).rstrip("/"),
        deal_grade=str(spot.get("deal_grade", "warm")),
        pipeline=str(spot.get("pipeline", "default")),
        deal_stage=str(spot.get("deal_stage", "appointmentscheduled")),
        events=_events(spot.get("events"), known, "hubspot"),
    )


def _smtp(mail: dict[str, Any] | None, known: frozenset[str], env, base: Path) -> Smtp | None:
    if not mail or not settings.get("SMTP_HOST", env):
        return None
    security = settings.get("SMTP_SECURITY", env).lower()
    if security not in ("starttls", "tls", "none"):
        raise ValueError(f"SMTP_SECURITY is {security!r}: say starttls, tls or none")
    return Smtp(
        host=settings.get("SMTP_HOST", env),
        port=int(settings.get("SMTP_PORT", env)),
        security=security,
        username=settings.get("SMTP_USERNAME", env),
        password=settings.get("SMTP_PASSWORD", env),
        ca_file=settings.get("SMTP_CA_FILE", env),
        sender=settings.get("EMAIL_FROM", env),
        reply_to=settings.get("EMAIL_REPLY_TO", env),
        templates=base / str(mail.get("templates", "emails.yml")),
        events=_events(mail.get("events"), known, "email"),
    )


def parse(raw: dict[str, Any], env=None, base: Path = settings.SEED_DIR) -> Integrations:
    """The integrations of `raw` (the file's content) with the environment's values; a target
    configured wrongly is left off, with the reason in `problems`."""
    known = frozenset(str(event) for event in raw.get("events") or ())
    problems: list[str] = []

    def built(make, *args):
        try:
            return make(*args)
        except (KeyError, TypeError, ValueError) as error:
            problems.append(str(error) if isinstance(error, ValueError) else f"{make.__name__[1:]}: missing {error}")
            return None

    webhooks = [built(_webhook, hook, known, env) for hook in raw.get("webhooks") or ()]
    retry = raw.get("retry") or {}
    return Integrations(
        events=known,
        webhooks=tuple(hook for hook in webhooks if hook is not None),
        hubspot=built(_hubspot, raw.get("hubspot"), known, env),
        email=built(_smtp, raw.get("email"), known, env, base),
        attempts=int(retry.get("attempts", 8)),
        first_delay=timedelta(seconds=float(retry.get("first_delay_seconds", 30))),
        max_delay=timedelta(seconds=float(retry.get("max_delay_seconds", 3600))),
        problems=tuple(problems),
    )


@cache
def _said(problem: str) -> None:
    logger.error("Left off (seed/integrations.yml, environment): %s", problem)


def configured() -> Integrations:
    """INTEGRATIONS_CONFIG (seed/integrations.yml) with today's environment: the file is read
    once per process, the variables at each call (a deployment or test that sets one is seen)."""
    path = Path(settings.get("INTEGRATIONS_CONFIG"))
    integrations = parse(_file(str(path)), base=path.parent)
    for problem in integrations.problems:
        _said(problem)
    return integrations
