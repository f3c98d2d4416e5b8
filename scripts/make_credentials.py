"""The credentials file `make run` gives Rasa: credentials.yml, plus the Messenger channel when
FACEBOOK_VERIFY_TOKEN, FACEBOOK_APP_SECRET and FACEBOOK_PAGE_ACCESS_TOKEN are all set
(FACEBOOK_GRAPH_API_URL optional), and SMS and WhatsApp through Twilio when TWILIO_ACCOUNT_SID,
TWILIO_AUTH_TOKEN and TWILIO_SMS_NUMBER and/or TWILIO_WHATSAPP_NUMBER are set
(TWILIO_WEBHOOK_BASE_URL, TWILIO_API_BASE_URL optional; delivery statuses go to the web app at
WEB_PUBLIC_URL/twilio/status). Says on stderr which channels are on.

    python scripts/make_credentials.py [OUTPUT]     # prints the YAML, or writes it to OUTPUT

The blocks refer to the variables as ${NAME}, which Rasa expands when it reads the
file, so no secret is written to disk. Exits 2, naming what is missing, when only some are set."""

import os
import sys
from collections.abc import Mapping
from pathlib import Path

import yaml

from shop import settings

ROOT = Path(__file__).resolve().parents[1]
MESSENGER = "addons.messenger.MessengerInput"
REQUIRED = {
    "verify": "FACEBOOK_VERIFY_TOKEN",
    "secret": "FACEBOOK_APP_SECRET",
    "page-access-token": "FACEBOOK_PAGE_ACCESS_TOKEN",
}
OPTIONAL = {"graph-api-base-url": "FACEBOOK_GRAPH_API_URL"}
TWILIO_SMS, TWILIO_WHATSAPP = "addons.twilio.TwilioSmsInput", "addons.twilio.TwilioWhatsAppInput"
TWILIO_ACCOUNT = {"account-sid": "TWILIO_ACCOUNT_SID", "auth-token": "TWILIO_AUTH_TOKEN"}
TWILIO_NUMBERS = {TWILIO_SMS: "TWILIO_SMS_NUMBER", TWILIO_WHATSAPP: "TWILIO_WHATSAPP_NUMBER"}
TWILIO_OPTIONAL = {"webhook-base-url": "TWILIO_WEBHOOK_BASE_URL", "api-base-url": "TWILIO_API_BASE_URL"}


class ConfigError(Exception):
    pass


def messenger_block(env: Mapping[str, str]) -> str | None:
    """The Messenger channel's YAML, None when none of its variables is set."""
    present = [name for name in REQUIRED.values() if env.get(name)]
    if not present:
        return None
    missing = [name for name in REQUIRED.values() if not env.get(name)]
    if missing:
        raise ConfigError(
            f"Messenger needs {', '.join(missing)} as well "
            f"({', '.join(present)} {'is' if len(present) == 1 else 'are'} set)."
        )
    keys = {**REQUIRED, **{k: v for k, v in OPTIONAL.items() if env.get(v)}}
    lines = ["# Facebook Messenger (added by scripts/make_credentials.py; Rasa expands the ${...}).", f"{MESSENGER}:"]
    lines += [f"  {key}: ${{{name}}}" for key, name in keys.items()]  # unquoted: Rasa expands plain scalars only
    return "\n".join(lines) + "\n"


def twilio_block(env: Mapping[str, str]) -> str | None:
    """The SMS and WhatsApp channels' YAML (one per number set), None when no TWILIO_* is set."""
    names = [*TWILIO_ACCOUNT.values(), *TWILIO_NUMBERS.values()]
    present = [name for name in names if env.get(name)]
    if not present:
        return None
    missing = [name for name in TWILIO_ACCOUNT.values() if not env.get(name)]
    if not any(env.get(name) for name in TWILIO_NUMBERS.values()):
        missing.append(" or ".join(TWILIO_NUMBERS.values()))
    if missing:
        raise ConfigError(f"Twilio needs {', '.join(missing)} as well ({', '.join(present)} set).")
    optional = {k: v for k, v in TWILIO_OPTIONAL.items() if env.get(v)}
    # Delivery statuses go to the web app, which owns the shop database.
    status_url = f"{settings.web_public_url(env)}/twilio/status"
    lines = ["# SMS and WhatsApp through Twilio (added by scripts/make_credentials.py; Rasa expands the ${...})."]
    for channel, number in TWILIO_NUMBERS.items():
        if env.get(number):
            lines.append(f"{channel}:")
            lines += [f"  {key}: ${{{name}}}" for key, name in {**TWILIO_ACCOUNT, "number": number, **optional}.items()]
            lines.append(f"  status-callback-url: {status_url}")
    return "\n".join(lines) + "\n"


def credentials(base: str, env: Mapping[str, str]) -> str:
    configured = yaml.safe_load(base) or {}
    text = base
    for block, clashing, variables in (
        (messenger_block(env), ("facebook", MESSENGER), "FACEBOOK_*"),
        (twilio_block(env), ("twilio", TWILIO_SMS, TWILIO_WHATSAPP), "TWILIO_*"),
    ):
        if block is None:
            continue
        clash = [name for name in clashing if name in configured]
        if clash:  # two channels on one webhook path would not start
            raise ConfigError(
                f"credentials.yml already configures {clash[0]}; remove it or unset the {variables} variables."
            )
        text = text.rstrip("\n") + "\n\n" + block
    return text


def channels(text: str) -> list[str]:
    return list(yaml.safe_load(text) or {})


def main(argv: list[str], env: Mapping[str, str] = os.environ, base_path: Path = ROOT / "credentials.yml") -> int:
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        text = credentials(base_path.read_text(), env)
    except ConfigError as error:
        print(f"make_credentials: {error}", file=sys.stderr)
        return 2
    on = channels(text)
    print(f"Channels on: {', '.join(on)}.", file=sys.stderr)
    if MESSENGER not in on:
        print(f"Messenger is off: set {', '.join(REQUIRED.values())} to turn it on.", file=sys.stderr)
    if TWILIO_SMS not in on and TWILIO_WHATSAPP not in on:
        print(
            f"SMS and WhatsApp are off: set {', '.join(TWILIO_ACCOUNT.values())} and a number "
            f"({' or '.join(TWILIO_NUMBERS.values())}) to turn them on.",
            file=sys.stderr,
        )
    if argv:
        Path(argv[0]).parent.mkdir(parents=True, exist_ok=True)
        Path(argv[0]).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
