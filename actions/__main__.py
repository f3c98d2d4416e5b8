"""python -m actions: the action server on ACTION_HOST:ACTION_PORT (127.0.0.1:5055), for the
Rasa server only (ACTION_SERVER_TOKEN; `make run` generates one)."""

import logging
import sys

from shop import log_redaction, settings


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log_redaction.install()
    try:
        token = settings.action_server_token()
    except RuntimeError as missing:
        print(f"The action server does not start: {missing}.", file=sys.stderr)
        return 2
    from actions.server import create_app

    host, port = settings.get("ACTION_HOST"), int(settings.get("ACTION_PORT"))
    logging.getLogger(__name__).info("action server on http://%s:%s", host, port)
    create_app(token).run(host=host, port=port, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
