"""The web widget's socket.io channel: Rasa's own, with each bot message sent whole (text with its
buttons, product card, link or agent name in one event), bad metadata refused instead of
crashing the handler, and each socket really joining its session's room. A conversation id is
issued by the server (signed, addons/inbound.py) and a socket speaks only in the conversation it
was confirmed in, so nobody joins another's conversation by naming it. Rasa's stock output
sends custom payloads as emit() keyword arguments, which fails for anything but {"data": ...};
an agent's reply from the inbox goes out the same way as the bot's, through
get_output_channel()."""

import inspect
import logging
import secrets
import time
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

import socketio
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from addons.inbound import (
    MAX_BODY_BYTES,
    MessageLimits,
    bounded_metadata,
    clean_text,
    issue_session_id,
    limit_request_size,
    session_id_ok,
)
from addons.payload_guard import guard_typed_payload
from shop import metrics, settings
from shop.responses import render

logger = logging.getLogger(__name__)

MESSAGE_KEYS = ("text", "buttons", "quick_replies", "custom", "image", "attachment", "elements")


def whole_message(message: Dict[str, Any]) -> Dict[str, Any]:
    """What the widget draws for one bot message; `agent` when a person from the inbox sent it."""
    payload = {key: message[key] for key in MESSAGE_KEYS if message.get(key)}
    agent = message.get("agent")
    if isinstance(agent, dict) and agent.get("name"):
        payload["agent"] = {"name": agent["name"], "team": agent.get("team")}
    return payload


def share_across_servers(sio: Any) -> None:
    """With REDIS_URL set, a message for a conversation reaches its widget whichever Rasa server
    the socket is connected to (an agent's reply goes out through any of them): python-socketio's
    Redis manager publishes every emit to all servers, each delivering to its own sockets."""
    url = settings.get("REDIS_URL")
    if not url:
        return
    manager = socketio.AsyncRedisManager(url, channel="shop-webchat")
    manager.set_server(sio)
    sio.manager = manager


def session_secret() -> str:
    """What signs the web chat's conversation ids; the same on every Rasa server of a cluster."""
    configured = settings.get("CHAT_SESSION_SECRET")
    if configured:
        return configured
    logger.warning("CHAT_SESSION_SECRET is not set: web chat conversations end when this server restarts.")
    return secrets.token_hex(32)


class WebChatOutput(SocketIOOutput):
    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        payload = whole_message(message)
        if payload:
            await self._send_message(recipient_id, payload)


class WebChatInput(SocketIOInput):
    """Configured like Rasa's socketio channel (credentials.yml)."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def get_output_channel(self) -> Optional[WebChatOutput]:
        return WebChatOutput(self.sio, self.bot_message_evt) if self.sio is not None else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        limit_request_size(blueprint)
        sio = self.sio
        share_across_servers(sio)
        sio.eio.max_http_buffer_size = MAX_BODY_BYTES
        secret = session_secret()
        limits = MessageLimits("webchat")

        # Rasa 3.6 calls sio.enter_room() without awaiting it; python-socketio 5.x made it a
        # coroutine, so the socket never joined its session's room and heard no reply.
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any = None) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            if not session_id_ok(session_id, secret):
                session_id = issue_session_id(secret)
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(joined):
                    await joined
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        # Registering the event again replaces Rasa's handler of it.
        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any = None) -> None:
            if not isinstance(data, dict):
                return
            text = data.get("message")
            text = clean_text(text) if isinstance(text, str) else ""
            if not text:
                return
            sender_id = data.get("session_id") if self.session_persistence else sid
            if not isinstance(sender_id, str) or sender_id not in sio.rooms(sid, namespace=self.namespace):
                # Not the conversation this socket was confirmed in (or none): tell it to ask again.
                logger.warning("A web chat message outside its confirmed session was refused.")
                await sio.emit("session_expired", {}, room=sid, namespace=self.namespace)
                return
            # Per conversation only: engineio's sanic driver gives every socket 127.0.0.1 as its
            # address; per address, nginx limits in front of the cluster.
            if not limits.allowed(sender_id, None):
                metrics.REFUSED.labels("socketio", "rate_limit").inc()
                await sio.emit("bot_uttered", {"text": render("utter_slow_down")["text"]}, room=sid)
                return
            # The widget sends button payloads as text: only our buttons' intents pass as such.
            text = guard_typed_payload(text)
            output = WebChatOutput(sio, self.bot_message_evt)
            await sio.emit("bot_typing", {"typing": True}, room=sender_id)
            metrics.TURNS.labels("socketio").inc()
            started = time.monotonic()
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        output,
                        sender_id,
                        input_channel=self.name(),
                        metadata=bounded_metadata(data.get(self.metadata_key)),
                        message_id=uuid.uuid4().hex,
                    )
                )
            except Exception as error:
                # Said, not silence (the conversation's database or lock is out); no text in the log.
                logger.error("Web chat: a message could not be handled: %s", type(error).__name__, exc_info=error)
                await sio.emit("bot_uttered", {"text": render("utter_action_failed")["text"]}, room=sid)
            finally:
                metrics.TURN_SECONDS.labels("socketio").observe(time.monotonic() - started)
                await sio.emit("bot_typing", {"typing": False}, room=sender_id)

        return blueprint
