"""Email by SMTP: a delivery to an email address becomes a plain-text message in the words of
seed/emails.yml, with the meeting's .ics invite attached when it has one (text/calendar with the
invite's METHOD, so calendars treat it as an invitation, an update or a cancellation), sent to
the SMTP server of SMTP_HOST (STARTTLS, TLS or a local relay; login when SMTP_USERNAME is set).
Its Message-ID comes from the delivery, so a resend after a crash is recognisably the same."""

import re
import smtplib
import ssl
from email import policy
from email.message import EmailMessage
from email.utils import formatdate
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from shop.integrations.config import Smtp
from shop.integrations.senders import DeliveryFailed, Parcel, Records

TIMEOUT_SECONDS = 30  # below the claim lease (shop/work_queue.LEASE)
MESSAGE_DOMAIN = "shop.example"
# Headers folded only past 200 characters: Python folds a subject with an address in it before
# its first word otherwise, and readers then show it with a leading space.
POLICY = policy.SMTP.clone(max_line_length=200)
_METHOD = re.compile(r"^METHOD:(\w+)\s*$", re.MULTILINE)


@cache
def load_templates(path: Path) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def _filled(text: str, values: dict[str, Any], name: str) -> str:
    try:
        return text.format_map(values)
    except (KeyError, IndexError, ValueError) as error:
        raise DeliveryFailed(f"email template {name} needs {error} that the delivery lacks") from error


def compose(parcel: Parcel, smtp: Smtp) -> EmailMessage:
    """The email of a delivery: template, values and invite are in its payload."""
    name = str(parcel.payload.get("template"))
    template = load_templates(smtp.templates).get(name)
    if template is None:
        raise DeliveryFailed(f"no email template {name!r} in {smtp.templates.name}")
    values = dict(parcel.payload.get("values") or {})
    message = EmailMessage(policy=POLICY)
    message["From"] = smtp.sender
    message["To"] = parcel.recipient or ""
    reply_to = parcel.payload.get("reply_to") or smtp.reply_to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = " ".join(_filled(template["subject"], values, name).split())
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<delivery-{parcel.id}.{parcel.event_id}@{MESSAGE_DOMAIN}>"
    message.set_content(_filled(template["body"], values, name))
    invite = parcel.payload.get("invite")
    if invite:
        found = _METHOD.search(invite)
        method = found.group(1) if found else "PUBLISH"
        message.add_attachment(
            invite,
            subtype="calendar",
            filename="cancel.ics" if method == "CANCEL" else "invite.ics",
            params={"method": method},
        )
    return message


class SmtpSender:
    def __init__(self, smtp: Smtp) -> None:
        self.smtp = smtp

    def _connect(self) -> smtplib.SMTP:
        smtp = self.smtp
        context = ssl.create_default_context(cafile=smtp.ca_file or None)  # the host name checked too
        if smtp.security == "tls":
            return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=TIMEOUT_SECONDS, context=context)
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT_SECONDS)
        if smtp.security == "starttls":
            client.starttls(context=context)
        return client

    def send(self, parcel: Parcel, records: Records) -> None:
        if not parcel.recipient:
            raise DeliveryFailed("an email delivery without a recipient")
        message = compose(parcel, self.smtp)
        try:
            with self._connect() as client:
                if self.smtp.username:
                    client.login(self.smtp.username, self.smtp.password)
                client.send_message(message)
        except (smtplib.SMTPException, OSError, ssl.SSLError) as error:
            raise DeliveryFailed(
                f"SMTP {self.smtp.host}:{self.smtp.port}: {error.__class__.__name__}: {error}"
            ) from error
