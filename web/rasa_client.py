"""What the web app asks of the Rasa server's HTTP API (always with its token): read a
conversation, and add events to it that reach the customer through their own channel."""

import asyncio
import re
from typing import Any
from urllib.parse import quote

import aiohttp

from shop import csat
from shop.responses import render


class RasaError(RuntimeError):
    """The Rasa server could not be reached or refused the request."""


class RasaClient:
    def __init__(self, base_url: str, token: str, timeout: float = 15) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    def _url(self, sender_id: str, tail: str) -> str:
        return f"{self.base_url}/conversations/{quote(sender_id, safe='')}/{tail}"

    async def _request(self, method: str, url: str, params: dict[str, str], body: Any = None) -> Any:
        params = {**params, "token": self.token}
        try:
            async with (
                aiohttp.ClientSession(timeout=self.timeout) as client,
                client.request(method, url, params=params, json=body) as response,
            ):
                if response.status >= 400:
                    raise RasaError(f"Rasa answered {response.status}: {(await response.text())[:300]}")
                return await response.json(content_type=None)
        # aiohttp times out with asyncio.TimeoutError: not the builtin TimeoutError before Python 3.11.
        except (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError) as error:
            raise RasaError(f"Rasa server unreachable: {str(error) or 'no answer in time'}") from error

    async def status(self) -> dict[str, Any]:
        """Rasa's /status (the loaded model): what the web app's health check asks."""
        return await self._request("GET", f"{self.base_url}/status", {})

    async def tracker(self, sender_id: str) -> dict[str, Any]:
        return await self._request("GET", self._url(sender_id, "tracker"), {"include_events": "ALL"})

    async def append(self, sender_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        """Adds events; bot messages among them go out on the channel the customer wrote from last."""
        return await self._request(
            "POST",
            self._url(sender_id, "tracker/events"),
            {"output_channel": "latest", "execute_side_effects": "true"},
            events,
        )

    async def resume(
        self,
        sender_id: str,
        text: str,
        buttons: list[dict[str, str]] | None = None,
        then: list[dict[str, Any]] | None = None,
    ) -> None:
        """The bot takes the conversation back, with its slots, and says so (then `then`)."""
        await self.append(
            sender_id,
            [
                {"event": "resume"},
                bot_event(text, None, buttons),
                *(then or []),
                {"event": "action", "name": "action_listen"},
            ],
        )


def satisfaction_question(outcome: str) -> list[dict[str, Any]]:
    """The events that ask the satisfaction question as csat_form asks it (actions/csat.py), for
    an outcome the web app sees (an agent closing the chat)."""
    question = render("utter_ask_csat_rating")
    event = bot_event(question["text"], None, question["buttons"])
    event.setdefault("metadata", {})["utter_action"] = "utter_ask_csat_rating"
    return [
        {"event": "active_loop", "name": csat.FORM},
        {"event": "slot", "name": "csat_outcome", "value": outcome},
        {"event": "slot", "name": "requested_slot", "value": "csat_rating"},
        event,
    ]


def bot_event(
    text: str,
    agent: dict[str, Any] | None = None,
    buttons: list[dict[str, str]] | None = None,
    reply_id: str | None = None,
) -> dict[str, Any]:
    event: dict[str, Any] = {"event": "bot", "text": text, "data": {"buttons": buttons} if buttons else {}}
    if agent:
        event["metadata"] = {"agent": agent}
    if reply_id:  # the inbox's id for one reply, kept on a retry: see sent_reply_ids
        event.setdefault("metadata", {})["reply_id"] = reply_id
    return event


REPLY_ID = re.compile(r"[A-Za-z0-9-]{8,64}")


def valid_reply_id(value: Any) -> bool:
    return isinstance(value, str) and REPLY_ID.fullmatch(value) is not None


def sent_reply_ids(events: list[dict[str, Any]]) -> set[str]:
    """The inbox replies a conversation already holds, by their reply_id."""
    return {
        e["metadata"]["reply_id"]
        for e in events
        if e.get("event") == "bot" and isinstance(e.get("metadata"), dict) and e["metadata"].get("reply_id")
    }
