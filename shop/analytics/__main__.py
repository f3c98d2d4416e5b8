"""python -m shop.analytics: the analytics consumer (consumer.py), until SIGTERM or SIGINT.
With ANALYTICS_HEARTBEAT set it touches that file every few seconds, and
`python -m shop.analytics --alive` answers whether it did lately (Kubernetes' liveness probe)."""

import asyncio
import logging
import signal
import sys
from pathlib import Path

from shop import heartbeat, log_redaction, settings
from shop.analytics.consumer import consumer_for, pause

HEARTBEAT_SECONDS = 10
ALIVE_WITHIN_SECONDS = 60


async def beat(path: Path, stop: asyncio.Event) -> None:
    while not stop.is_set():
        path.touch()
        await pause(stop, HEARTBEAT_SECONDS)


async def main() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    url = settings.get("EVENT_BROKER_URL")
    logging.getLogger(__name__).info("Analytics consumer reading %s", url.split("://")[0])
    beat_file = settings.get("ANALYTICS_HEARTBEAT")
    beating = asyncio.create_task(beat(Path(beat_file), stop)) if beat_file else None
    await consumer_for(url, settings.database_url())(stop)
    if beating:
        await beating


def alive(now: float | None = None) -> bool:
    return heartbeat.alive(settings.get("ANALYTICS_HEARTBEAT"), ALIVE_WITHIN_SECONDS, now)


if __name__ == "__main__":
    if sys.argv[1:] == ["--alive"]:
        sys.exit(0 if alive() else 1)
    log_redaction.install()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(main())
