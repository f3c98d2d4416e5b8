"""Calls to the action server (and Rasa's other HTTP endpoints) over kept-alive connections.

Rasa 3.6's EndpointConfig.request opens a new aiohttp session for every call, so each custom
action pays for a name lookup (on a thread: "localhost" by default), a new TCP connection and the
session's set-up and teardown: about 9% of the Rasa server's busy time under load (issue 12's
profile), and encodes the tracker with the standard library's json. install() sends the same
request (its JSON by ujson), with the same headers, parameters, timeout and errors,
through one session per event loop and endpoint credentials, whose idle connections are dropped
well before the server's (Sanic keeps them 5 s) so that a reused connection is never a closed one."""

import asyncio
import functools
import os
import ssl
from typing import Any, Dict, Optional, Text, Tuple

import aiohttp
import ujson
from aiohttp import ContentTypeError
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.shared.exceptions import FileNotFoundException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

# The tracker sent with each call, encoded by ujson (Sanic's own encoder): json.dumps took 7% of
# the server's time. The same JSON, without escaped slashes, as json.dumps writes it.
ENCODE = functools.partial(ujson.dumps, escape_forward_slashes=False)
# Below Sanic's KEEP_ALIVE_TIMEOUT (5 s): the client lets go of an idle connection first.
KEEPALIVE_SECONDS = 2.0

_sessions: Dict[Tuple[Any, ...], aiohttp.ClientSession] = {}


def session_for(config: EndpointConfig) -> aiohttp.ClientSession:
    """The running loop's session for this endpoint's headers and credentials (made on first use)."""
    loop = asyncio.get_running_loop()
    auth_key = tuple(sorted(config.basic_auth.items()))
    key = (id(loop), tuple(sorted(config.headers.items())), auth_key)
    session = _sessions.get(key)
    if session is None or session.closed or session._loop is not loop:
        auth = aiohttp.BasicAuth(config.basic_auth["username"], config.basic_auth["password"]) if auth_key else None
        session = aiohttp.ClientSession(
            headers=config.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
            json_serialize=ENCODE,
        )
        _sessions[key] = session
    return session


async def close_sessions() -> None:
    """Closes this loop's sessions (the Rasa server's shutdown), so none is left unclosed."""
    loop = asyncio.get_running_loop()
    for key, session in list(_sessions.items()):
        if key[0] == id(loop):
            await session.close()
            del _sessions[key]


async def request(
    self: EndpointConfig,
    method: Text = "post",
    subpath: Optional[Text] = None,
    content_type: Optional[Text] = "application/json",
    compress: bool = False,
    **kwargs: Any,
) -> Optional[Any]:
    """Rasa's EndpointConfig.request, on the kept session (the rest as Rasa 3.6.21 does it)."""
    headers = {}
    if content_type:
        headers["Content-Type"] = content_type
    if "headers" in kwargs:
        headers.update(kwargs.pop("headers"))
    if self.headers:
        headers.update(self.headers)
    url = concat_url(self.url, subpath)
    sslcontext = None
    if self.cafile:
        try:
            sslcontext = ssl.create_default_context(cafile=self.cafile)
        except FileNotFoundError as e:
            raise FileNotFoundException(
                f"Failed to find certificate file, '{os.path.abspath(self.cafile)}' does not exist."
            ) from e
    async with session_for(self).request(
        method,
        url,
        headers=headers,
        params=self.combine_parameters(kwargs),
        compress=compress,
        ssl=sslcontext,
        **kwargs,
    ) as response:
        if response.status >= 400:
            raise ClientResponseError(response.status, response.reason, await response.content.read())
        try:
            return await response.json()
        except ContentTypeError:
            return None


def install() -> None:
    """Idempotent: every addon imports this package."""
    EndpointConfig.request = request  # type: ignore[method-assign]
