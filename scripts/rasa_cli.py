"""The `rasa` command without the libraries' deprecation notes: one of Rasa's own imports puts a
"once" filter for them in front of PYTHONWARNINGS, so they are dropped at display instead.
`rasa run --enable-api` takes its token from RASA_AUTH_TOKEN, added here in the process so it
never shows on a command line (`ps`), and refuses to start without one.
Usage: .venv/bin/python -m scripts.rasa_cli interactive --model models/shop.tar.gz ..."""

import os
import sys

from scripts.nlu_metrics import quiet_rasa


def with_api_token(argv: list[str], env: dict[str, str]) -> list[str]:
    """`argv` with the HTTP API's token from the environment; SystemExit when the API would be open."""
    if len(argv) < 2 or argv[1] != "run" or "--enable-api" not in argv:
        return argv
    if any(arg == "--auth-token" or arg.startswith("--auth-token=") for arg in argv):
        return argv
    token = env.get("RASA_AUTH_TOKEN", "")
    if not token:
        raise SystemExit("RASA_AUTH_TOKEN is not set: Rasa's HTTP API never runs without a token.")
    return [*argv, f"--auth-token={token}"]


if __name__ == "__main__":
    quiet_rasa()
    from rasa.__main__ import main

    sys.argv = with_api_token(["rasa", *sys.argv[1:]], dict(os.environ))
    sys.exit(main())
