"""The credentials file `make run` gives Rasa: credentials.yml, plus the Messenger channel when
FACEBOOK_VERIFY_TOKEN, FACEBOOK_APP_SECRET and FACEBOOK_PAGE_ACCESS_TOKEN are all set
(FACEBOOK_GRAPH_API_URL optional). Says on stderr which channels are on.

    python scripts/make_credentials.py [OUTPUT]     # prints the YAML, or writes it to OUTPUT

The Messenger block refers to the variables as ${NAME}, which Rasa expands when it reads the
file, so no secret is written to disk. Exits 2, naming what is missing, when only some are set."""

import os
import sys
from collections.abc import Mapping
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
MESSENGER = "addons.messenger.MessengerInput"
REQUIRED = {
    "verify": "FACEBOOK_VERIFY_TOKEN",
    "secret": "FACEBOOK_APP_SECRET",
    "page-access-token": "FACEBOOK_PAGE_ACCESS_TOKEN",
}
OPTIONAL = {"graph-api-base-url": "FACEBOOK_GRAPH_API_URL"}


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


def credentials(base: str, env: Mapping[str, str]) -> str:
    block = messenger_block(env)
    if block is None:
        return base
    configured = yaml.safe_load(base) or {}
    clash = [name for name in ("facebook", MESSENGER) if name in configured]
    if clash:  # two channels on /webhooks/facebook would not start
        raise ConfigError(
            f"credentials.yml already configures {clash[0]}; remove it or unset the FACEBOOK_* variables."
        )
    return base.rstrip("\n") + "\n\n" + block


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
    if argv:
        Path(argv[0]).parent.mkdir(parents=True, exist_ok=True)
        Path(argv[0]).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
