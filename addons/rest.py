"""Rasa's REST channel, hardened: same name and URL (/webhooks/rest/webhook) as the stock channel
it replaces in credentials.yml. Compared with Rasa's it refuses (400) a body that is not
{"sender": ..., "message": ...} instead of answering 500 or filing the message under the shared
"default" conversation, caps the body (413) and the metadata, cleans the text
(addons/inbound.py), guards typed payloads as the web chat does (addons/payload_guard.py), and
answers 503 when the message could not be handled, where Rasa's answers `200 []`."""

import asyncio
import inspect
import logging
from typing import Any, Awaitable, Callable, Dict, Text, Tuple

import aiohttp
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.utils.endpoints import bool_arg
from redis import RedisError
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from addons import endpoint_sessions, tracker_store_failures
from addons.inbound import MessageLimits, bounded_metadata, clean_text, limit_request_size, rest_problem
from addons.payload_guard import guard_typed_payload
from shop import metrics, settings
from shop.health import OK, down, report
from shop.shared_state import redis_health

logger = logging.getLogger(__name__)


async def dependencies(tracker_store: Any = None) -> Dict[str, str]:
    """What the Rasa server needs besides itself: the action server, the tracker store's database
    (when given: the agent's), and Redis when it is the lock store."""
    checks = {"action_server": await _answers(settings.get("ACTION_SERVER_URL").rsplit("/", 1)[0] + "/health")}
    if tracker_store is not None:
        checks["tracker_store"] = await asyncio.to_thread(tracker_store_failures.health, tracker_store)
    if settings.get("LOCK_STORE_TYPE") == "redis":
        checks["lock_store"] = await asyncio.to_thread(
            _redis_answers, settings.get("LOCK_STORE_HOST"), int(settings.get("LOCK_STORE_PORT"))
        )
    return checks


async def _answers(url: str) -> str:
    try:
        timeout = aiohttp.ClientTimeout(total=3)
        async with aiohttp.ClientSession(timeout=timeout) as client, client.get(url) as answer:
            return OK if answer.status == 200 else down(f"answered {answer.status}")
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        return down(error)


def _redis_answers(host: str, port: int) -> str:
    import redis  # only where Redis is the lock store

    return redis_health(redis.Redis(host=host or "localhost", port=port, socket_timeout=2, socket_connect_timeout=2))


class GuardedRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    @staticmethod
    def user_input(body: Dict[str, Any]) -> Tuple[str, str, Dict[str, Any]]:
        """(sender, text, metadata) of a body rest_problem() passed, as Rasa gets them."""
        text = guard_typed_payload(clean_text(body["message"]))
        return body["sender"], text, bounded_metadata(body.get("metadata"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        module = inspect.getmodule(self)
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", module.__name__ if module else None)
        limit_request_size(webhook)
        limits = MessageLimits("rest")

        @webhook.listener("after_server_stop")
        async def close_connections(*_: Any) -> None:  # the kept action server connections
            await endpoint_sessions.close_sessions()

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            """The Rasa server's health: 503 (and which) when the action server, the conversations'
            database or Redis is down."""
            agent = getattr(request.app.ctx, "agent", None)
            status, body = report(await dependencies(getattr(agent, "tracker_store", None)))
            return response.json(body, status=status)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> Any:
            body = request.json  # sanic answers 400 itself when it is not JSON
            problem = rest_problem(body)
            if problem:
                metrics.REFUSED.labels("rest", "bad_input").inc()
                return response.json({"error": problem}, status=400)
            sender, text, metadata = self.user_input(body)
            try:
                allowed = limits.allowed(sender, request.remote_addr or request.ip)
            except RedisError:
                return response.json({"error": "the assistant cannot take messages right now; try again"}, status=503)
            if not allowed:
                metrics.REFUSED.labels("rest", "rate_limit").inc()
                return response.json(
                    {"error": "too many messages: wait a minute and try again"},
                    status=429,
                    headers={"Retry-After": "60"},
                )
            if bool_arg(request, "stream", default=False):
                return response.stream(
                    self.stream_response(on_new_message, text, sender, self.name(), metadata),
                    content_type="text/event-stream",
                )
            collector = CollectingOutputChannel()
            metrics.TURNS.labels("rest").inc()
            try:
                with metrics.TURN_SECONDS.labels("rest").time():
                    await on_new_message(
                        UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata)
                    )
            except Exception as error:
                # No text in the log: it is the customer's.
                logger.error("REST: a message could not be handled: %s", type(error).__name__, exc_info=error)
                return response.json(
                    {"error": "the assistant could not handle this message right now; please try again"}, status=503
                )
            return response.json(collector.messages)

        @webhook.route("/metrics", methods=["GET"])
        async def prometheus(request: Request) -> HTTPResponse:
            """The Rasa server's process: every channel's turns (shop/metrics.py)."""
            status, body, content_type = metrics.scrape(request.headers.get("authorization"), request.ip)
            return response.raw(body, status=status, content_type=content_type)

        return webhook
