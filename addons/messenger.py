"""Facebook Messenger channel: Rasa's FacebookInput with the gaps of its 3.6 version fixed.

Enable it in credentials.yml as `addons.messenger.MessengerInput` (instead of `facebook`):
verify, secret, page-access-token as for Rasa's connector, plus optional graph-api-base-url
and get-started-payload. The webhook stays at /webhooks/facebook/webhook. Compared with Rasa's
connector it checks X-Hub-Signature-256 (403 when wrong), caps the body, handles every event of
a batched call, skips redeliveries, answers Meta at once and handles the events after, turns
Get Started and m.me referrals into a greeting with the ref as page context, and can send an
agent's messages through Rasa's HTTP API (see addons/messenger_output.py for the sending)."""

import hashlib
import hmac
import json
import logging
import time
from typing import Any, Awaitable, Callable, Dict, Iterator, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput
from rasa.shared.exceptions import RasaException
from redis import RedisError
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from addons.inbound import MAX_BODY_BYTES, MessageLimits, clean_text, limit_request_size, read_body, valid_sender
from addons.messenger_output import GRAPH_API_BASE_URL, GraphApi, ShopMessengerBot, psid_hash
from addons.payload_guard import guard_payload
from addons.sender_queues import Inbound, QueuedWebhook, SenderQueues
from shop import metrics, shared_state
from shop.responses import render

logger = logging.getLogger(__name__)

GET_STARTED_PAYLOAD = "GET_STARTED"
GREET = "/greet"
REQUIRED_CREDENTIALS = ("verify", "secret", "page-access-token")


def signature_ok(app_secret: Text, body: bytes, header: Optional[Text]) -> bool:
    """X-Hub-Signature-256 is "sha256=" and the hex HMAC-SHA256 of the raw body."""
    method, _, digest = (header or "").partition("=")
    if method != "sha256" or not digest:
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), digest.strip().lower().encode("utf-8", "replace"))


def messaging_events(payload: Dict[Text, Any]) -> Iterator[Dict[Text, Any]]:
    """Every event of every entry; `standby` (another app owns the thread) is left alone."""
    entries = payload.get("entry")
    for entry in entries if isinstance(entries, list) else []:
        events = entry.get("messaging") if isinstance(entry, dict) else None
        for event in events if isinstance(events, list) else []:
            if isinstance(event, dict):
                yield event


def attachment_url(message: Dict[Text, Any]) -> Optional[Text]:
    # As Rasa's connector: a photo, recording, video or file reaches Rasa as its URL.
    attachments = message.get("attachments")
    first = attachments[0] if isinstance(attachments, list) and attachments else {}
    return (first.get("payload") or {}).get("url") if isinstance(first, dict) else None


def inbound(event: Dict[Text, Any], get_started_payload: Text = GET_STARTED_PAYLOAD) -> Optional[Inbound]:
    """The customer's message in a messaging event; None for echoes, receipts and the like."""
    sender_id = (event.get("sender") or {}).get("id")
    message, postback, referral = event.get("message"), event.get("postback"), event.get("referral")
    if not sender_id or not valid_sender(str(sender_id)):
        return None
    if isinstance(message, dict):
        if message.get("is_echo"):
            return None
        quick_reply = message.get("quick_reply") or {}
        # Typed text is never a payload (buttons send postbacks and quick replies): "/opt_out"
        # typed goes to NLU as text.
        typed = message.get("text")
        typed = guard_payload(typed, ()) if isinstance(typed, str) else typed
        text = quick_reply.get("payload") or typed or attachment_url(message)
        mid, referral = message.get("mid"), message.get("referral")
    elif isinstance(postback, dict):
        text = postback.get("payload") or postback.get("title")
        text = GREET if text == get_started_payload else text
        mid, referral = postback.get("mid"), postback.get("referral")
    elif isinstance(referral, dict):
        text, mid = GREET, None  # a returning customer opened the chat from an m.me link or ad
    else:
        return None  # delivery, read, optin, handover, reaction...
    text = clean_text(text) if isinstance(text, str) else None
    if not text:
        return None
    kind = "message" if isinstance(message, dict) else "postback" if postback else "referral"
    key = mid or f"{kind}:{sender_id}:{event.get('timestamp')}"
    return Inbound(str(sender_id), str(text), str(key), mid, referral_metadata(referral))


def referral_metadata(referral: Any) -> Dict[Text, Any]:
    """Page context as the web widget sends it: the m.me link's ref names the page."""
    metadata: Dict[Text, Any] = {"source": "messenger"}
    if isinstance(referral, dict) and referral.get("ref"):
        metadata.update(page=referral["ref"], ref=referral["ref"])
    if isinstance(referral, dict) and referral.get("source"):
        metadata["referral_source"] = referral["source"]  # SHORTLINK, ADS, CUSTOMER_CHAT_PLUGIN...
    return metadata


class MessengerInput(QueuedWebhook, FacebookInput):
    """Messenger webhook at /webhooks/facebook/webhook, replies through the Send API."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        missing = [key for key in REQUIRED_CREDENTIALS if not credentials.get(key)]
        if missing:  # fail at start-up, not at the first webhook call as Rasa's connector does
            raise RasaException(f"The Messenger channel needs {', '.join(missing)} in its credentials.")
        return cls(
            credentials["verify"],
            credentials["secret"],
            credentials["page-access-token"],
            graph_api_base_url=credentials.get("graph-api-base-url") or GRAPH_API_BASE_URL,
            get_started_payload=credentials.get("get-started-payload") or GET_STARTED_PAYLOAD,
        )

    def __init__(
        self,
        fb_verify: Text,
        fb_secret: Text,
        fb_access_token: Text,
        graph_api_base_url: Text = GRAPH_API_BASE_URL,
        get_started_payload: Text = GET_STARTED_PAYLOAD,
    ) -> None:
        super().__init__(fb_verify, fb_secret, fb_access_token)
        self.graph = GraphApi(fb_access_token, graph_api_base_url)
        self.get_started_payload = get_started_payload
        self.seen = shared_state.seen_ids("messenger:seen")  # in Redis when several servers share the page
        # Accepted events are kept until their turn starts: a restart loses none Meta got a 200 for.
        self.pending = shared_state.pending("messenger")
        self.queues = SenderQueues("Messenger", psid_hash)
        self.limits = MessageLimits("messenger")

    async def slow_down(self, sender_id: Text) -> None:
        metrics.REFUSED.labels("facebook", "rate_limit").inc()
        await self.get_output_channel().send_text_message(sender_id, render("utter_slow_down")["text"])

    def get_output_channel(self) -> OutputChannel:
        """Lets Rasa's HTTP API (output_channel=latest) reach a Messenger customer."""
        return ShopMessengerBot(self.graph)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("messenger_webhook", __name__)
        limit_request_size(webhook)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if request.args.get("hub.verify_token") == self.fb_verify:
                return response.text(request.args.get("hub.challenge") or "")
            logger.warning("Messenger webhook verification with a wrong verify token.")
            return response.text("invalid verify token", status=403)

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            body = await read_body(request, MAX_BODY_BYTES)
            if body is None:
                return response.text("body too large", status=413)
            if not signature_ok(self.fb_secret, body, request.headers.get("x-hub-signature-256")):
                logger.warning("Messenger webhook call without a valid X-Hub-Signature-256; check the app secret.")
                return response.text("invalid signature", status=403)
            try:
                payload = json.loads(body)
            except ValueError:
                return response.text("body is not JSON", status=400)
            if not isinstance(payload, dict):
                return response.text("body is not a JSON object", status=400)
            try:
                self.accept(payload, on_new_message)
            except RedisError:  # redeliveries cannot be told apart: Meta retries the call later
                logger.error("Messenger call refused: the shared store of seen ids (Redis) is down.")
                return response.text("temporarily unavailable", status=503)
            return response.text("EVENT_RECEIVED")

        @webhook.listener("after_server_start")
        async def handle_what_was_left(app: Any, loop: Any) -> None:
            self.resume_pending(on_new_message)

        @webhook.listener("after_server_stop")
        async def close_graph_api(app: Any, loop: Any) -> None:
            await self.graph.close()

        return webhook

    def accept(self, payload: Dict[Text, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> int:
        """Queues the customer events of a webhook call; returns how many are new."""
        accepted = 0
        if payload.get("object") != "page":  # e.g. Instagram's: not for this page token
            return accepted
        for event in messaging_events(payload):
            try:
                item = inbound(event, self.get_started_payload)
            except (AttributeError, TypeError, ValueError):
                # One malformed event does not cost the others of the batch their answers.
                logger.warning("Messenger sent a malformed event; skipped.")
                continue
            if item is None:
                continue
            accepted += self.enqueue(item, on_new_message)
        return accepted

    async def handle(self, item: Inbound, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        out = self.get_output_channel()
        await out.send_action(item.sender_id, "mark_seen")
        await out.send_action(item.sender_id, "typing_on")
        metrics.TURNS.labels("facebook").inc()
        started = time.monotonic()
        try:
            await on_new_message(
                UserMessage(
                    item.text,
                    out,
                    item.sender_id,
                    input_channel=self.name(),
                    message_id=item.mid,
                    metadata=item.metadata,
                )
            )
        except Exception:
            logger.exception("Rasa failed on a Messenger message of %s.", psid_hash(item.sender_id))
            # Said, not silence (the conversation's database or lock is out): they may send it again.
            await out.send_text_message(item.sender_id, render("utter_action_failed")["text"])
        finally:
            metrics.TURN_SECONDS.labels("facebook").observe(time.monotonic() - started)
            await out.send_action(item.sender_id, "typing_off")
