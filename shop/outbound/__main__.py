"""python -m shop.outbound: the outbox worker, until SIGTERM or SIGINT. Every OUTBOUND_POLL_SECONDS
it sends the due messages of the shop database through Rasa's HTTP API (RASA_URL, with
RASA_AUTH_TOKEN), and the due deliveries to webhooks, the CRM and email (shop/integrations/,
seed/integrations.yml). Start as many as you like: they never send a message or delivery twice. With
OUTBOUND_HEARTBEAT set it touches that file each pass, and `python -m shop.outbound --alive`
answers whether it did lately (Kubernetes' liveness probe)."""

import logging
import signal
import sys
import threading
from pathlib import Path

from shop import heartbeat, log_redaction, settings
from shop.db import session_factory
from shop.integrations import worker as deliveries
from shop.outbound.rasa_api import RasaApi
from shop.outbound.rules import configured
from shop.outbound.worker import run_once

ALIVE_WITHIN_SECONDS = 300  # a pass may wait on Rasa: a batch of 5 at up to 30 s each
logger = logging.getLogger("shop.outbound")


def main() -> None:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    rules = configured()
    sessions, rasa = session_factory(), RasaApi()
    poll = float(settings.get("OUTBOUND_POLL_SECONDS"))
    passes = {"Outbox": lambda: run_once(sessions, rules, rasa), "Delivery": lambda: deliveries.run_once(sessions)}
    beat_file = settings.get("OUTBOUND_HEARTBEAT")
    logger.info("Outbox worker sending through %s every %s s", rasa.base_url, poll)
    while not stop.is_set():
        handled = 0
        for name, one_pass in passes.items():
            try:
                handled += len(one_pass())
            except Exception:  # the database away for a moment: try again at the next pass
                logger.exception("%s pass failed", name)
        if beat_file:
            Path(beat_file).touch()
        if not handled:  # a full batch: straight on to the next one
            stop.wait(poll)


def alive(now: float | None = None) -> bool:
    return heartbeat.alive(settings.get("OUTBOUND_HEARTBEAT"), ALIVE_WITHIN_SECONDS, now)


if __name__ == "__main__":
    if sys.argv[1:] == ["--alive"]:
        sys.exit(0 if alive() else 1)
    log_redaction.install()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    main()
