"""What the assistant sends to Messenger: Rasa's MessengerBot with the gaps of its 3.6 version
fixed. Replies go out through an async Send API client with a timeout (fbmessenger's client
blocks the event loop without one), more than three buttons become quick replies instead of
vanishing, long texts are split, product cards become generic templates, a human agent's
messages carry the HUMAN_AGENT tag so they may be sent after the 24-hour window, and what the
shop sends first carries the tag its rules allow."""

import asyncio
import hashlib
import logging
from typing import Any, Dict, Iterable, List, Optional, Text, Union

import aiohttp
from rasa.core.channels.channel import OutputChannel
from rasa.core.channels.facebook import MessengerBot

logger = logging.getLogger(__name__)

# Meta serves each Graph API version about two years (v18.0 ended in January 2026): the one setting.
GRAPH_API_VERSION = "v23.0"
GRAPH_API_BASE_URL = f"https://graph.facebook.com/{GRAPH_API_VERSION}"
# Limits of the Send API (developers.facebook.com/docs/messenger-platform/reference).
TEXT_LIMIT = 2000
TEMPLATE_TEXT_LIMIT = 640
BUTTON_TITLE_LIMIT = 20
TEMPLATE_BUTTONS = 3
QUICK_REPLY_LIMIT = 13
ELEMENT_TEXT_LIMIT = 80  # title and subtitle of a generic template element
PRODUCT_CARD_TYPES = ("product", "product_card")
# What a Rasa response says; the rest of it (e.g. metadata such as "agent") is its context.
RESPONSE_FIELDS = ("text", "buttons", "quick_replies", "custom", "elements", "image", "attachment")


def psid_hash(psid: Text) -> Text:
    """What logs show of a customer's page-scoped id."""
    return hashlib.sha256(str(psid).encode()).hexdigest()[:12]


class GraphApi:
    """POSTs to the Send API; an error answer or a network failure is logged, never raised."""

    def __init__(self, access_token: Text, base_url: Text = GRAPH_API_BASE_URL, timeout: float = 10.0) -> None:
        self.url = base_url.rstrip("/") + "/me/messages"
        self.access_token = access_token
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: Optional[aiohttp.ClientSession] = None

    async def post(self, body: Dict[Text, Any]) -> bool:
        # One session for all sends, made on first use so it belongs to the server's loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        who = psid_hash(body.get("recipient", {}).get("id", ""))
        try:
            async with self._session.post(self.url, params={"access_token": self.access_token}, json=body) as answer:
                if answer.status < 300:
                    return True
                details = await answer.text()
                logger.error("Messenger Send API answered %s for %s: %s", answer.status, who, details[:500])
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.error("Messenger Send API unreachable for %s: %r", who, error)
        return False

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def shorten(text: Text, limit: int) -> Text:
    """`text` in at most `limit` characters, ending at a whole word and "…" when cut."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if cut.rfind(" ") >= limit // 2:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,.;:-") + "…"


def split_text(text: Optional[Text], limit: int = TEXT_LIMIT) -> List[Text]:
    """Paragraphs as separate messages (as Rasa's connector sends them), each cut to `limit`
    at a line, sentence or word end where one is close enough."""
    parts: List[Text] = []
    for paragraph in (text or "").strip().split("\n\n"):
        paragraph = paragraph.strip()
        while len(paragraph) > limit:
            cut = _cut_point(paragraph, limit)
            parts.append(paragraph[:cut].rstrip())
            paragraph = paragraph[cut:].lstrip()
        if paragraph:
            parts.append(paragraph)
    return parts


def _cut_point(text: Text, limit: int) -> int:
    for separator in ("\n", ". ", " "):
        at = text.rfind(separator, limit // 2, limit)
        if at > 0:
            return at + len(separator)
    return limit


def is_from_agent(message: Dict[Text, Any]) -> bool:
    """The human handoff puts {"agent": {...}} in a BotUttered's metadata; Rasa merges the
    metadata into the message it hands the output channel."""
    metadata = message.get("metadata")
    return bool(message.get("agent") or (isinstance(metadata, dict) and metadata.get("agent")))


def context_of(message: Dict[Text, Any]) -> Dict[Text, Any]:
    return {k: v for k, v in message.items() if k not in RESPONSE_FIELDS}


def messaging_fields(message: Dict[Text, Any]) -> Dict[Text, Text]:
    """A reply, a person's message (HUMAN_AGENT), or a message the shop sends first: an UPDATE
    inside the 24-hour window, outside it with the tag its rules chose (shop/outbound/rules.py)."""
    if is_from_agent(message):
        return {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
    if message.get("messenger_tag"):
        return {"messaging_type": "MESSAGE_TAG", "tag": str(message["messenger_tag"])}
    if message.get("outbound"):
        return {"messaging_type": "UPDATE"}
    return {"messaging_type": "RESPONSE"}


def template_button(button: Dict[Text, Any]) -> Dict[Text, Any]:
    button = dict(button)
    button.setdefault("type", "web_url" if button.get("url") else "postback")
    button["title"] = shorten(button.get("title", ""), BUTTON_TITLE_LIMIT)
    return button


def quick_reply(choice: Dict[Text, Any]) -> Optional[Dict[Text, Any]]:
    """A Rasa button or quick reply as a Messenger quick reply; None when it can't be one."""
    content_type = choice.get("content_type") or "text"
    if content_type != "text":
        return {"content_type": content_type}  # user_email, user_phone_number
    title, payload = choice.get("title"), choice.get("payload")
    if not title:
        return None
    return {"content_type": "text", "title": shorten(title, BUTTON_TITLE_LIMIT), "payload": payload or title}


def is_product_card(custom: Any) -> bool:
    return isinstance(custom, dict) and custom.get("type") in PRODUCT_CARD_TYPES and bool(custom.get("name"))


def product_element(card: Dict[Text, Any], buttons: Iterable[Dict[Text, Any]]) -> Dict[Text, Any]:
    """actions.catalog.product_card() as one generic template element."""
    facts = [card.get("price")]
    if "in_stock" in card:
        facts.append("In stock" if card["in_stock"] else "Sold out")
    subtitle = " · ".join(str(f) for f in facts if f)
    for label, values in (("Sizes", card.get("sizes")), ("Colors", card.get("colors"))):
        more = f"{label}: {', '.join(map(str, values))}" if values else ""
        if more and len(subtitle) + len(more) + 3 <= ELEMENT_TEXT_LIMIT:  # only whole lists
            subtitle = f"{subtitle} · {more}" if subtitle else more
    element: Dict[Text, Any] = {"title": shorten(card["name"], ELEMENT_TEXT_LIMIT)}
    if subtitle:
        element["subtitle"] = shorten(subtitle, ELEMENT_TEXT_LIMIT)
    image = card.get("image_url") or card.get("image")
    if image:
        element["image_url"] = image
    chosen = [template_button(b) for b in list(buttons)[:TEMPLATE_BUTTONS]]
    if chosen:
        element["buttons"] = chosen
    return element


def template(template_type: Text, **fields: Any) -> Dict[Text, Any]:
    return {"attachment": {"type": "template", "payload": {"template_type": template_type, **fields}}}


class ShopMessengerBot(MessengerBot):
    """Sends the assistant's responses to one Messenger customer through `graph`."""

    def __init__(self, graph: GraphApi) -> None:
        OutputChannel.__init__(self)  # not MessengerBot's: it wants fbmessenger's blocking client
        self.graph = graph

    async def send_message(self, recipient_id: Text, message: Dict[Text, Any], context: Dict[Text, Any]) -> bool:
        """`context` is the rest of Rasa's response (metadata such as "agent")."""
        return await self.graph.post(
            {"recipient": {"id": recipient_id}, **messaging_fields(context), "message": message}
        )

    async def send_action(self, recipient_id: Text, sender_action: Text) -> None:
        await self.graph.post({"recipient": {"id": recipient_id}, "sender_action": sender_action})

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        message = dict(message)
        if is_product_card(message.get("custom")):
            # Text first, then the card carrying the response's buttons, so they show once.
            card, buttons = message.pop("custom"), message.pop("buttons", None) or []
            text, quick_replies = message.pop("text", None), message.pop("quick_replies", None)
            await self.send_text_message(recipient_id, text or "", **context_of(message))
            await self.send_product_card(recipient_id, card, buttons, quick_replies, **context_of(message))
        await super().send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in split_text(text):
            await self.send_message(recipient_id, {"text": part}, kwargs)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.send_message(
            recipient_id, {"attachment": {"type": "image", "payload": {"url": image, "is_reusable": True}}}, kwargs
        )

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        if len(buttons) > TEMPLATE_BUTTONS:
            # A button template holds three; Rasa 3.6 drops them all, we offer quick replies.
            links = [b for b in buttons if b.get("url") and not b.get("payload")]
            text = "\n".join([text or ""] + [f"{b.get('title', '')}: {b['url']}" for b in links])
            choices = [b for b in buttons if b not in links]
            await self.send_quick_replies(recipient_id, text, choices, **context_of(kwargs))
            return
        parts = split_text(text, TEMPLATE_TEXT_LIMIT) or [""]
        for part in parts[:-1]:
            await self.send_message(recipient_id, {"text": part}, kwargs)
        await self.send_message(
            recipient_id, template("button", text=parts[-1], buttons=[template_button(b) for b in buttons]), kwargs
        )

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        replies = [r for r in map(quick_reply, quick_replies) if r]
        if len(replies) > QUICK_REPLY_LIMIT:
            logger.warning(
                "Messenger shows %d quick replies; dropped %d.", QUICK_REPLY_LIMIT, len(replies) - QUICK_REPLY_LIMIT
            )
        parts = split_text(text) or [""]
        for part in parts[:-1]:
            await self.send_message(recipient_id, {"text": part}, kwargs)
        message: Dict[Text, Any] = {"text": parts[-1]}
        if replies:
            message["quick_replies"] = replies[:QUICK_REPLY_LIMIT]
        await self.send_message(recipient_id, message, kwargs)

    async def send_elements(self, recipient_id: Text, elements: Iterable[Dict[Text, Any]], **kwargs: Any) -> None:
        elements = [dict(e) for e in elements]  # the response in the tracker stays as it was
        for element in elements:
            if element.get("buttons"):
                element["buttons"] = [template_button(b) for b in element["buttons"]]
        await self.send_message(recipient_id, template("generic", elements=elements), kwargs)

    async def send_product_card(
        self,
        recipient_id: Text,
        card: Dict[Text, Any],
        buttons: List[Dict[Text, Any]],
        quick_replies: Optional[List[Dict[Text, Any]]] = None,
        **kwargs: Any,
    ) -> None:
        message = template("generic", elements=[product_element(card, buttons or card.get("buttons") or [])])
        replies = [r for r in map(quick_reply, quick_replies or []) if r][:QUICK_REPLY_LIMIT]
        if replies:
            message["quick_replies"] = replies
        await self.send_message(recipient_id, message, kwargs)

    async def send_custom_json(
        self, recipient_id: Text, json_message: Union[List, Dict[Text, Any]], **kwargs: Any
    ) -> None:
        for custom in json_message if isinstance(json_message, list) else [json_message]:
            if not isinstance(custom, dict):
                continue
            custom = dict(custom)
            to = (custom.pop("sender", None) or {}).get("id", recipient_id)  # as Rasa's connector
            if is_product_card(custom):
                await self.send_product_card(to, custom, [], **context_of(kwargs))
            elif "text" in custom or "attachment" in custom:
                await self.send_message(to, custom, kwargs)
            else:
                # Data for other channels (e.g. the web widget's calendar_invite): the text already says it.
                logger.debug("Custom payload of type %r is not a Messenger message; not sent.", custom.get("type"))
