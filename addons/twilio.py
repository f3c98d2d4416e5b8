"""SMS and WhatsApp through Twilio: Rasa's TwilioInput with the gaps of its 3.6 version fixed.

Enable it in credentials.yml as `addons.twilio.TwilioSmsInput` (webhook /webhooks/twilio/webhook)
and `addons.twilio.TwilioWhatsAppInput` (/webhooks/whatsapp/webhook), each with account-sid,
auth-token and number, plus webhook-base-url (the public address Twilio calls, for the
signature), api-base-url and status-callback-url (scripts/make_credentials.py writes them).
Compared with Rasa's connector it checks X-Twilio-Signature (403 when wrong), caps the body,
handles a redelivered MessageSid once, answers Twilio at once and handles the message after,
passes MMS and WhatsApp media as attachments, lists buttons as numbered choices and reads a
number back as the button, and honours the carrier keywords (shop/carrier_keywords.py): STOP
and the rest opt the contact out with one confirmation and nothing more until START."""

import logging
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.core.events import UserUttered
from rasa.shared.exceptions import RasaException
from redis import RedisError
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from addons.inbound import MAX_BODY_BYTES, MessageLimits, clean_text, limit_request_size, read_body, valid_sender
from addons.numbered_choices import chosen_payload, last_choices
from addons.payload_guard import guard_payload
from addons.sender_queues import Inbound, QueuedWebhook, SenderQueues
from addons.twilio_output import (
    TWILIO_API_BASE_URL,
    WHATSAPP_PREFIX,
    TwilioApi,
    TwilioSmsBot,
    TwilioWhatsAppBot,
    number_hash,
)
from shop import metrics, settings, shared_state
from shop.carrier_keywords import HELP, OPT_IN, OPT_OUT, carrier_keyword
from shop.responses import render
from shop.twilio_signature import form_params, public_url, signature_ok

logger = logging.getLogger(__name__)

REQUIRED_CREDENTIALS = ("account-sid", "auth-token", "number")
MAX_MEDIA = 10  # Twilio delivers at most ten media per MMS
HELP_RESPONSE = "utter_keyword_help"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
PAYLOAD_OF = {OPT_OUT: "/opt_out", OPT_IN: "/opt_in"}


def attachments(form: Dict[Text, Text]) -> List[Dict[Text, Text]]:
    """MMS and WhatsApp media: NumMedia, MediaUrl0.., MediaContentType0.."""
    count = form.get("NumMedia", "0")
    found = []
    for i in range(min(int(count), MAX_MEDIA) if count.isdigit() else 0):
        url = form.get(f"MediaUrl{i}", "")
        if url.startswith(("https://", "http://")):
            found.append({"url": url, "content_type": form.get(f"MediaContentType{i}", "")})
    return found


def message_problem(form: Dict[Text, Text], whatsapp: bool) -> Optional[Text]:
    """Why a message webhook's parameters are refused (400), or None."""
    sender = form.get("From", "")
    if not form.get("MessageSid") and not form.get("SmsMessageSid"):
        return "MessageSid is missing"
    if not valid_sender(sender):
        return "From must be a phone number"
    if sender.startswith(WHATSAPP_PREFIX) != whatsapp:
        return "From is not a number of this channel" + (" (whatsapp:+...)" if whatsapp else "")
    return None


def text_message(form: Dict[Text, Text], channel: Text) -> Optional[Inbound]:
    """The customer's message as Rasa gets it; None when it holds nothing (no text, no media)."""
    media = attachments(form)
    # @ signs get corrupted in SMSes by some carriers (as Rasa's connector says)
    text = clean_text(form.get("Body", "").replace("¡", "@")) or (media[0]["url"] if media else "")
    if not text:
        return None
    metadata: Dict[Text, Any] = {"source": channel}
    if media:
        metadata["attachments"] = media
    if form.get("Latitude") and form.get("Longitude"):  # a WhatsApp location
        metadata["location"] = {
            k.lower(): form[k][:200] for k in ("Latitude", "Longitude", "Address", "Label") if form.get(k)
        }
    sid = form.get("MessageSid") or form["SmsMessageSid"]
    return Inbound(form["From"], text, sid, sid, metadata)


@dataclass(frozen=True)
class Turn:
    """What one inbound text does: `text` and `metadata` for Rasa, or the HELP answer, or, for a
    contact who texted STOP, only the record of the message in the conversation (`muted`)."""

    text: Text
    metadata: Dict[Text, Any]
    help: bool = False
    muted: bool = False


def turn_for(item: Inbound, channel: Text, opted_out: bool, choices: List[Dict[Text, Any]]) -> Turn:
    keyword = carrier_keyword(item.text, channel, opted_out)
    if keyword is not None and keyword.kind == HELP:
        return Turn(item.text, item.metadata, help=True)
    if keyword is not None:  # in any state, even in the middle of a form
        return Turn(PAYLOAD_OF[keyword.kind], {**item.metadata, "keyword": keyword.word, "typed": item.text})
    # Typed text is never a payload (buttons arrive as numbers): "/restart" goes to NLU as text.
    typed = guard_payload(item.text, ())
    if opted_out:
        return Turn(typed, item.metadata, muted=True)
    payload = chosen_payload(item.text, choices) if choices else None
    if payload is not None:
        return Turn(payload, {**item.metadata, "typed": item.text})
    return Turn(typed, item.metadata)


class TwilioSmsInput(QueuedWebhook, InputChannel):
    """SMS webhook at /webhooks/twilio/webhook, replies through Twilio's Messages API."""

    output_class = TwilioSmsBot
    whatsapp = False

    @classmethod
    def name(cls) -> Text:
        return cls.output_class.name()

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        missing = [key for key in REQUIRED_CREDENTIALS if not credentials.get(key)]
        if missing:  # fail at start-up, not at the first webhook call
            raise RasaException(f"The {cls.name()} channel needs {', '.join(missing)} in its credentials.")
        return cls(
            str(credentials["account-sid"]),
            str(credentials["auth-token"]),
            str(credentials["number"]),
            webhook_base_url=credentials.get("webhook-base-url") or settings.public_base_url(),
            api_base_url=credentials.get("api-base-url") or TWILIO_API_BASE_URL,
            status_callback_url=credentials.get("status-callback-url") or None,
        )

    def __init__(
        self,
        account_sid: Text,
        auth_token: Text,
        number: Text,
        webhook_base_url: Text = "",
        api_base_url: Text = TWILIO_API_BASE_URL,
        status_callback_url: Optional[Text] = None,
    ) -> None:
        self.auth_token = auth_token
        number = number.removeprefix(WHATSAPP_PREFIX)
        self.number = f"{WHATSAPP_PREFIX}{number}" if self.whatsapp else number
        # Twilio signs the URL it calls: behind a proxy the server sees another one.
        self.webhook_base_url = webhook_base_url or settings.public_base_url()
        self.status_callback_url = status_callback_url
        self.api = TwilioApi(account_sid, auth_token, api_base_url)
        self.seen = shared_state.seen_ids(f"{self.name()}:seen")  # in Redis when several servers share the number
        self.pending = shared_state.pending(self.name())
        self.queues = SenderQueues(self.name(), number_hash)
        self.limits = MessageLimits(self.name())
        self.app: Any = None  # the Rasa server, whose agent holds the conversations

    async def slow_down(self, sender_id: Text) -> None:
        metrics.REFUSED.labels(self.name(), "rate_limit").inc()
        await self.get_output_channel().send_text_message(sender_id, render("utter_slow_down")["text"])

    def get_output_channel(self) -> OutputChannel:
        """Lets Rasa's HTTP API (output_channel=latest) reach the contact, unless opted out."""
        return self.output(gate=self.not_opted_out)

    def output(self, gate: Optional[Callable[[Text], Awaitable[bool]]] = None) -> TwilioSmsBot:
        return self.output_class(self.api, self.number, self.status_callback_url, gate)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"{self.name()}_webhook", __name__)
        limit_request_size(webhook)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            body = await read_body(request, MAX_BODY_BYTES)
            if body is None:
                return response.text("body too large", status=413)
            if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                return response.text("the body must be form-encoded, as Twilio sends it", status=400)
            params = form_params(body)
            if params is None:
                return response.text("the body is not form-encoded", status=400)
            url = public_url(self.webhook_base_url, request.path, request.query_string)
            if not signature_ok(url, params, self.auth_token, request.headers.get("x-twilio-signature")):
                logger.warning(
                    "Twilio webhook call without a valid X-Twilio-Signature for %s; check the auth token.", url
                )
                return response.text("invalid signature", status=403)
            form = dict(params)
            problem = message_problem(form, self.whatsapp)
            if problem:
                return response.text(problem, status=400)
            self.app = request.app  # also before after_server_start has run
            try:
                self.accept(form, on_new_message)
            except RedisError:  # redeliveries cannot be told apart: Twilio may retry later
                logger.error("Twilio call refused: the shared store of seen ids (Redis) is down.")
                return response.text("temporarily unavailable", status=503)
            return response.text(EMPTY_TWIML, content_type="text/xml")

        @webhook.listener("after_server_start")
        async def handle_what_was_left(app: Any, loop: Any) -> None:
            self.app = app
            self.resume_pending(on_new_message)

        @webhook.listener("after_server_stop")
        async def close_api(app: Any, loop: Any) -> None:
            await self.api.close()

        return webhook

    def accept(self, form: Dict[Text, Text], on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> bool:
        """Queues the message of a webhook call; False when it was a redelivery or held nothing."""
        item = text_message(form, self.name())
        if item is None:
            return False
        return self.enqueue(item, on_new_message)

    async def _tracker(self, sender_id: Text) -> Any:
        agent = getattr(getattr(self.app, "ctx", None), "agent", None)
        store = getattr(agent, "tracker_store", None)
        return await store.retrieve(sender_id) if store is not None else None

    async def not_opted_out(self, sender_id: Text) -> bool:
        tracker = await self._tracker(sender_id)
        return not (tracker is not None and tracker.get_slot("opted_out"))

    async def conversation_state(self, sender_id: Text) -> Tuple[bool, List[Dict[Text, Any]]]:
        """Whether the contact texted STOP, and the choices the bot offered last."""
        tracker = await self._tracker(sender_id)
        if tracker is None:
            return False, []
        tail: List[Dict[Text, Any]] = []
        for event in reversed(tracker.events):
            tail.append(event.as_dict())
            if isinstance(event, UserUttered):
                break
        return bool(tracker.get_slot("opted_out")), last_choices(reversed(tail))

    async def handle(self, item: Inbound, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        metrics.TURNS.labels(self.name()).inc()
        started = time.monotonic()
        opted_out = True  # until the conversation says otherwise, nothing may go to this number
        try:
            opted_out, choices = await self.conversation_state(item.sender_id)
            turn = turn_for(item, self.name(), opted_out, choices)
            if turn.help:
                await self.answer_help(item.sender_id)
                return
            message = UserMessage(
                turn.text,
                self.output(),
                item.sender_id,
                input_channel=self.name(),
                message_id=item.mid,
                metadata=turn.metadata,
            )
            if turn.muted:
                await self.keep_only(message)
            else:
                await on_new_message(message)
        except Exception:
            logger.exception("Rasa failed on a %s message of %s.", self.name(), number_hash(item.sender_id))
            if not opted_out:  # said, not silence (the conversation's lock or action server is out)
                await self.output().send_text_message(item.sender_id, render("utter_action_failed")["text"])
        finally:
            metrics.TURN_SECONDS.labels(self.name()).observe(time.monotonic() - started)

    async def answer_help(self, sender_id: Text) -> None:
        # HELP is the carrier's, not the conversation's: answered beside it, a form in progress stays as it was.
        agent = self.app.ctx.agent
        async with agent.lock_store.lock(sender_id):
            for action in (HELP_RESPONSE, "action_listen"):
                await agent.execute_action(sender_id, action, self.output(), None, 1.0)

    async def keep_only(self, message: UserMessage) -> None:
        # Nothing may go to an opted-out number, so nothing is run either (no form, no handoff, no order).
        agent = self.app.ctx.agent
        async with agent.lock_store.lock(message.sender_id):
            await agent.log_message(message)


class TwilioWhatsAppInput(TwilioSmsInput):
    """WhatsApp webhook at /webhooks/whatsapp/webhook; senders arrive as "whatsapp:+1555..."."""

    output_class = TwilioWhatsAppBot
    whatsapp = True
