"""python -m web: serves the web app on WEB_HOST:WEB_PORT (127.0.0.1:8000)."""

from shop import log_redaction
from web.app import create_app
from web.settings import from_env


def main() -> None:
    log_redaction.install()
    settings = from_env()
    create_app(settings).run(host=settings.host, port=settings.port, access_log=False)


if __name__ == "__main__":
    main()
