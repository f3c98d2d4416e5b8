"""The action server: rasa-sdk's executor behind a door only the Rasa server opens.

Unlike `rasa run actions` it refuses every call without the shared token (ACTION_SERVER_TOKEN,
sent by Rasa as `?token=`, endpoints.yml), listens on localhost unless told otherwise, never
echoes a request in an error, and runs each action in a worker thread, so one slow database call
never stalls the other customers. An action that fails still answers: an apology the customer
reads (utter_action_failed) and, for a form's validation, the question asked again."""

import asyncio
import hmac
import json
import logging
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException
from sanic import Sanic, response
from sanic.request import Request

from shop import metrics
from shop.db import check_database
from shop.failed_actions import FAILED_RESPONSE, apologized_this_turn, events_after_failure
from shop.health import report

logger = logging.getLogger(__name__)

# A tracker grows with the conversation; Rasa sends it whole with every call.
MAX_BODY_BYTES = 16 * 1024 * 1024
WORKER_THREADS = 8


def authorized(given: Any, token: str) -> bool:
    """Whether a call carries the shared token (compared in constant time)."""
    return isinstance(given, str) and bool(token) and hmac.compare_digest(given.encode(), token.encode())


def read_call(request: Request) -> Any:
    """The action call in the body: JSON, or deflated JSON (Rasa's optional compression)."""
    body = request.body or b""
    if request.headers.get("Content-Encoding") == "deflate":
        body = zlib.decompress(body)
    return json.loads(body)


def failure_answer(call: dict[str, Any]) -> dict[str, Any]:
    """What the Rasa server gets when an action failed (shop/failed_actions.py)."""
    tracker = call.get("tracker") if isinstance(call.get("tracker"), dict) else {}
    events = events_after_failure(str(call.get("next_action", "")), (tracker.get("slots") or {}).get("requested_slot"))
    said = apologized_this_turn(reversed(tracker.get("events") or []))
    return {"events": events, "responses": [] if said else [{"response": FAILED_RESPONSE}]}


def _run_in_thread(executor: ActionExecutor, call: dict[str, Any]) -> Any:
    # Each call gets its own event loop in its worker thread: the actions' database calls are
    # synchronous, and would otherwise block the server's loop.
    return asyncio.run(executor.run(call))


def create_app(token: str, package: str = "actions") -> Sanic:
    if not token:
        raise ValueError("the action server needs a token")
    app = Sanic("shop_actions", configure_logging=False)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    executor = ActionExecutor()
    executor.register_package(package)
    workers = ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="action")

    @app.get("/health")
    async def health(_: Request) -> response.HTTPResponse:
        database = await asyncio.get_running_loop().run_in_executor(workers, check_database)
        status, body = report({"database": database})
        return response.json(body, status=status)

    @app.get("/actions")
    async def actions(request: Request) -> response.HTTPResponse:
        if not authorized(request.args.get("token"), token):
            return response.json({"error": "unauthorized"}, status=401)
        return response.json([{"name": name} for name in executor.actions])

    @app.post("/webhook")
    async def webhook(request: Request) -> response.HTTPResponse:
        if not authorized(request.args.get("token"), token):
            return response.json({"error": "unauthorized"}, status=401)
        try:
            call = read_call(request)
        except (ValueError, zlib.error):
            return response.json({"error": "the body is not a JSON action call"}, status=400)
        if not isinstance(call, dict) or not isinstance(call.get("tracker"), dict):
            return response.json({"error": "the body is not a JSON action call"}, status=400)
        name = call.get("next_action")
        known = name in executor.actions  # only registered names become metric labels
        started = time.monotonic()
        try:
            result = await asyncio.get_running_loop().run_in_executor(workers, _run_in_thread, executor, call)
        except ActionExecutionRejection as rejection:
            return response.json({"error": rejection.message, "action_name": rejection.action_name}, status=400)
        except ActionNotFoundException as missing:
            return response.json({"error": missing.message, "action_name": missing.action_name}, status=404)
        except Exception as error:
            # The traceback, not the request: a tracker holds customers' messages and emails.
            logger.error("action %s failed: %s", name, type(error).__name__, exc_info=error)
            metrics.ACTIONS.labels(name, "failed").inc()
            return response.json(failure_answer(call))
        finally:
            if known:
                metrics.ACTION_SECONDS.labels(name).observe(time.monotonic() - started)
        if result is None:
            return response.json({"error": "the call names no action"}, status=400)
        metrics.ACTIONS.labels(name, "ok").inc()
        return response.json(result)

    @app.get("/metrics")
    async def prometheus(request: Request) -> response.HTTPResponse:
        status, body, content_type = metrics.scrape(request.headers.get("authorization"), request.ip)
        return response.raw(body, status=status, content_type=content_type)

    @app.exception(Exception)
    async def any_error(_: Request, error: Exception) -> response.HTTPResponse:
        status = getattr(error, "status_code", 500)
        logger.error("action server error %s: %s", status, type(error).__name__)
        return response.json({"error": "payload too large" if status == 413 else "error"}, status=status)

    @app.listener("after_server_stop")
    async def stop_workers(*_: Any) -> None:
        workers.shutdown(wait=True)

    return app
