"""A webhook delivery: the event's JSON POSTed to the receiver's URL, signed (signing.py), with
the delivery's and the event's ids so a receiver can drop a repeat (a worker that died between
the receiver's answer and marking the delivery sent makes the next one send it again). Any 2xx
is delivered; anything else is retried."""

import json

import requests

from shop.integrations import signing
from shop.integrations.config import Webhook
from shop.integrations.senders import DeliveryFailed, Parcel, Records

TIMEOUT_SECONDS = 15  # below the claim lease (shop/work_queue.LEASE)
USER_AGENT = "shop-webhooks/1"


def body_of(parcel: Parcel) -> bytes:
    return json.dumps(parcel.payload, separators=(",", ":"), sort_keys=True).encode()


class WebhookSender:
    def __init__(self, webhook: Webhook, http: requests.Session | None = None) -> None:
        self.webhook = webhook
        self.http = http or requests.Session()

    def send(self, parcel: Parcel, records: Records) -> None:
        body = body_of(parcel)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            signing.HEADER: signing.sign(self.webhook.secret, body),
            "Shop-Event": parcel.event,
            "Shop-Event-Id": parcel.event_id,
            "Shop-Delivery": str(parcel.id),
            "Shop-Attempt": str(parcel.attempt),
        }
        try:
            answer = self.http.post(self.webhook.url, data=body, headers=headers, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as error:
            raise DeliveryFailed(f"{self.webhook.name} unreachable: {error.__class__.__name__}: {error}") from error
        if not 200 <= answer.status_code < 300:
            raise DeliveryFailed(f"{self.webhook.name} answered {answer.status_code}: {answer.text[:300]}")
