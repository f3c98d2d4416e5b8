"""Calls to the action server (and Rasa's other HTTP endpoints) over kept-alive connections.

Rasa 3.6's EndpointConfig.request opens a new aiohttp session for every call, so each custom
action pays for a name lookup (on a thread: "localhost" by default), a new TCP connection and the
session's set-up and teardown: about 9% of the Rasa server's busy time under load (issue 12's
profile), and encodes the tracker with the standard library's json. install() leaves Rasa's
request as it is (headers, parameters, timeout, errors) and gives it, where it asks for a new
session, one kept per event loop and endpoint credentials (its JSON by ujson), whose idle
connections are dropped well before the server's (Sanic keeps them 5 s) so that a reused
connection is never a closed one."""

import asyncio
import functools
from typing import Any, Dict, Tuple

import aiohttp
import ujson
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.utils.endpoints import EndpointConfig

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


class _KeptSession:
    """What `async with endpoint.session()` gets: the kept session, left open on the way out."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *_: Any) -> None:
        return None


def kept_session(self: EndpointConfig) -> _KeptSession:
    """EndpointConfig.session, which Rasa's request (and its model server's fetch) opens with
    `async with` for each call: the loop's kept session instead of a new one."""
    return _KeptSession(session_for(self))


def install() -> None:
    """Idempotent: every addon imports this package."""
    EndpointConfig.session = kept_session  # type: ignore[method-assign,assignment]
