"""Rasa's REST channel, with typed payloads guarded as in the web chat (addons/payload_guard.py).
Same name and URL (/webhooks/rest/webhook) as the stock channel it replaces in credentials.yml."""

from typing import Optional, Text

from rasa.core.channels.rest import RestInput
from sanic.request import Request

from addons.payload_guard import guard_typed_payload


class GuardedRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def _extract_message(self, req: Request) -> Optional[Text]:
        text = super()._extract_message(req)
        return guard_typed_payload(text) if isinstance(text, str) else text
