"""What the assistant sends by SMS and WhatsApp: Twilio's Messages API called without blocking
the event loop (Rasa's TwilioOutput uses twilio's blocking client, retrying blindly), texts packed
into as few messages as the channel's limit allows and cut at word ends, buttons as numbered
choices, images as media, product cards as text."""

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text, Union

import aiohttp
from rasa.core.channels.channel import OutputChannel

from addons.messenger_output import is_product_card, product_element, split_text
from addons.numbered_choices import numbered

logger = logging.getLogger(__name__)

TWILIO_API_BASE_URL = "https://api.twilio.com"
SMS_LIMIT = 1600  # characters of one message body (Twilio sends it as several linked segments)
WHATSAPP_LIMIT = 4096
WHATSAPP_PREFIX = "whatsapp:"


def number_hash(number: Text) -> Text:
    """What logs show of a phone number: its last two digits."""
    return f"…{str(number)[-2:]}"


def pack(text: Optional[Text], limit: int) -> List[Text]:
    """The text in as few bodies of at most `limit` characters as possible: paragraphs stay
    together while they fit (separate texts may arrive out of order), longer ones are cut at a
    line, sentence or word end."""
    bodies: List[Text] = []
    for part in split_text(text, limit):
        if bodies and len(bodies[-1]) + 2 + len(part) <= limit:
            bodies[-1] = f"{bodies[-1]}\n\n{part}"
        else:
            bodies.append(part)
    return bodies


class TwilioApi:
    """POSTs to Twilio's Messages resource; an error answer or a network failure is logged,
    never raised. Returns the message's sid, None when it was not accepted."""

    def __init__(
        self, account_sid: Text, auth_token: Text, base_url: Text = TWILIO_API_BASE_URL, timeout: float = 10.0
    ):
        self.url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self.auth = aiohttp.BasicAuth(account_sid, auth_token)
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: Optional[aiohttp.ClientSession] = None

    async def send(self, fields: Dict[Text, Union[Text, List[Text]]]) -> Optional[Text]:
        # One session for all sends, made on first use so it belongs to the server's loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout, auth=self.auth)
        form = [(k, v) for k, values in fields.items() for v in (values if isinstance(values, list) else [values])]
        who = number_hash(str(fields.get("To", "")))
        try:
            async with self._session.post(self.url, data=form) as answer:
                details = await answer.text()
                if answer.status < 300:
                    try:
                        return str((await answer.json(content_type=None)).get("sid") or "")
                    except ValueError:
                        return ""
                logger.error("Twilio answered %s for %s: %s", answer.status, who, details[:500])
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.error("Twilio unreachable for %s: %r", who, error)
        return None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


Gate = Callable[[Text], Awaitable[bool]]


class TwilioSmsBot(OutputChannel):
    """Sends the assistant's responses to one SMS contact from `number`; `gate(recipient)` says
    whether anything may go (nothing to a contact who texted STOP)."""

    limit = SMS_LIMIT

    @classmethod
    def name(cls) -> Text:
        return "twilio"  # as Rasa's Twilio channel: responses with `channel: twilio` are for SMS

    def __init__(
        self, api: TwilioApi, number: Text, status_callback_url: Optional[Text] = None, gate: Optional[Gate] = None
    ) -> None:
        self.api, self.number = api, number
        self.status_callback_url, self.gate = status_callback_url, gate

    async def send(self, recipient_id: Text, body: Text = "", media: Iterable[Text] = ()) -> Optional[Text]:
        if self.gate is not None and not await self.gate(recipient_id):
            logger.info("Not sent to %s: the contact opted out on %s.", number_hash(recipient_id), self.name())
            return None
        fields: Dict[Text, Union[Text, List[Text]]] = {"From": self.number, "To": recipient_id, "Body": body}
        if media:
            fields["MediaUrl"] = list(media)
        if self.status_callback_url:
            fields["StatusCallback"] = self.status_callback_url
        return await self.api.send(fields)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for body in pack(text, self.limit):
            await self.send(recipient_id, body)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_message(recipient_id, numbered(text, buttons))

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_message(recipient_id, numbered(text, quick_replies))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.send(recipient_id, "", [image])

    async def send_attachment(self, recipient_id: Text, attachment: Any, **kwargs: Any) -> None:
        url = attachment if isinstance(attachment, str) else (attachment or {}).get("payload", {}).get("url")
        if url:
            await self.send(recipient_id, "", [url])

    async def send_elements(self, recipient_id: Text, elements: Iterable[Dict[Text, Any]], **kwargs: Any) -> None:
        for element in elements:
            lines = [str(element.get(key)) for key in ("title", "subtitle") if element.get(key)]
            await self.send_text_message(recipient_id, numbered("\n".join(lines), element.get("buttons") or []))

    async def send_custom_json(
        self, recipient_id: Text, json_message: Union[List, Dict[Text, Any]], **kwargs: Any
    ) -> None:
        for custom in json_message if isinstance(json_message, list) else [json_message]:
            if is_product_card(custom):
                card = product_element(custom, [])
                await self.send_text_message(
                    recipient_id, "\n".join(filter(None, [card["title"], card.get("subtitle")]))
                )
            elif isinstance(custom, dict) and isinstance(custom.get("text"), str):
                await self.send_text_message(recipient_id, custom["text"])
            else:
                # Data for other channels (e.g. the web widget's calendar_invite): the text already says it.
                logger.debug("Custom payload is not a text message; not sent by %s.", self.name())


class TwilioWhatsAppBot(TwilioSmsBot):
    """The same on WhatsApp: longer bodies; numbers are written "whatsapp:+1555..."."""

    limit = WHATSAPP_LIMIT

    @classmethod
    def name(cls) -> Text:
        return "whatsapp"
