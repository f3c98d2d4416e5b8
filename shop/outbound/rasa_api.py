"""How the worker hands a message to Rasa: its HTTP API's trigger_intent with the EXTERNAL_
intent whose rule runs action_send_outbound (actions/outbound.py), on the message's channel, so
the message lands in the conversation's tracker and reaches the customer where they are."""

import requests

from shop import settings

INTENT = "EXTERNAL_outbound"
ENTITY = "outbox_id"
TIMEOUT_SECONDS = 30  # below the outbox's claim lease (outbox.LEASE)


class SendFailed(RuntimeError):
    """Rasa could not be reached or refused the message; the worker retries it later."""


class RasaApi:
    def __init__(self, base_url: str | None = None, token: str | None = None) -> None:
        self.base_url = (base_url or settings.rasa_url()).rstrip("/")
        self.token = token if token is not None else settings.get("RASA_AUTH_TOKEN")
        self.http = requests.Session()

    def send(self, sender_id: str, channel: str, message_id: int) -> None:
        url = f"{self.base_url}/conversations/{requests.utils.quote(sender_id, safe='')}/trigger_intent"
        try:
            answer = self.http.post(
                url,
                params={"output_channel": channel, "token": self.token},
                json={"name": INTENT, "entities": {ENTITY: message_id}},
                timeout=TIMEOUT_SECONDS,
            )
        except requests.RequestException as error:
            raise SendFailed(f"Rasa server unreachable: {error.__class__.__name__}: {error}") from error
        if answer.status_code >= 400:
            raise SendFailed(f"Rasa answered {answer.status_code}: {answer.text[:300]}")
