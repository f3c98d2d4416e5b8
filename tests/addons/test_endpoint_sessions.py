"""Calls to the action server go over kept-alive connections, with Rasa's own answers and errors."""

import pytest
from aiohttp import web
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

import addons  # noqa: F401  (installs the kept sessions, as Rasa's import of any addon does)
from addons import endpoint_sessions


@pytest.fixture
async def server():
    seen = {"peers": [], "bodies": [], "params": []}

    async def webhook(request: web.Request) -> web.Response:
        seen["peers"].append(request.transport.get_extra_info("peername")[1])
        seen["bodies"].append(await request.json())
        seen["params"].append(dict(request.query))
        return web.json_response({"events": [], "responses": []})

    async def teapot(_: web.Request) -> web.Response:
        return web.Response(status=418, text="short and stout")

    async def plain(_: web.Request) -> web.Response:
        return web.Response(text="not json")

    app = web.Application()
    app.add_routes([web.post("/webhook", webhook), web.post("/teapot", teapot), web.post("/plain", plain)])
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", seen
    await endpoint_sessions.close_sessions()
    await runner.cleanup()


async def test_calls_in_a_row_share_one_connection_and_carry_the_token(server):
    url, seen = server
    endpoint = EndpointConfig(url=f"{url}/webhook", token="secret")
    for number in range(3):
        assert await endpoint.request(json={"next_action": f"a{number}"}, method="post") == {
            "events": [],
            "responses": [],
        }
    assert [body["next_action"] for body in seen["bodies"]] == ["a0", "a1", "a2"]
    assert all(params == {"token": "secret"} for params in seen["params"])
    assert len(set(seen["peers"])) == 1  # one TCP connection for the three calls


async def test_the_json_sent_is_what_the_standard_library_would_send(server):
    url, seen = server
    body = {"next_action": "x", "tracker": {"latest_message": {"text": 'Größe 10/11 – "ok"?', "confidence": 0.1}}}
    await EndpointConfig(url=f"{url}/webhook").request(json=body, method="post")
    assert seen["bodies"] == [body]
    assert endpoint_sessions.ENCODE(body) == __import__("json").dumps(body, separators=(",", ":"))


async def test_an_error_status_raises_rasas_error_and_a_plain_answer_is_none(server):
    url, _ = server
    with pytest.raises(ClientResponseError) as raised:
        await EndpointConfig(url=f"{url}/teapot").request(json={}, method="post")
    assert raised.value.status == 418 and b"short and stout" in raised.value.text
    assert await EndpointConfig(url=f"{url}/plain").request(json={}, method="post") is None


async def test_sessions_are_closed_at_shutdown_and_made_again_after(server):
    url, seen = server
    endpoint = EndpointConfig(url=f"{url}/webhook")
    await endpoint.request(json={"next_action": "first"}, method="post")
    session = endpoint_sessions.session_for(endpoint)
    await endpoint_sessions.close_sessions()
    assert session.closed
    await endpoint.request(json={"next_action": "again"}, method="post")
    assert endpoint_sessions.session_for(endpoint) is not session
    assert len(set(seen["peers"])) == 2
