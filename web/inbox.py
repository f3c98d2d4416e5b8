"""The agent inbox: a page and a JSON API behind agent login. Agents see their teams' queues with
each conversation's context packet and live transcript, take one, reply, and close it with a
note; the bot then takes the conversation back."""

import asyncio
import json
from datetime import datetime, timezone
from typing import Any

from redis import RedisError
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy import select

from shop import metrics, shared_state
from shop.clock import now_utc
from shop.db import session_scope
from shop.handoff import assignment
from shop.handoff.assignment import HandoffError
from shop.handoff.context import transcript
from shop.handoff.routing import agent_teams, load_config
from shop.models import Agent, Handoff
from shop.responses import render
from web.auth import (
    DECOY_HASH,
    hash_password,
    make_token,
    needs_rehash,
    read_token,
    throttle_key,
    verify_password,
)
from web.pages import STATIC_DIR
from web.rasa_client import RasaError

COOKIE = "inbox_session"
# Cookie-authenticated writes must carry this header: browsers refuse to add custom headers to
# cross-site requests without CORS, which this app never grants.
CSRF_HEADER = "X-Requested-With"
MAX_REPLY_CHARS = 2000

bp = Blueprint("inbox", url_prefix="/inbox")
# Failed logins per email and client address, shared by every web app when Redis is configured.
throttle = shared_state.throttle("inbox:login")


def _iso(moment: datetime | None) -> str | None:
    return moment.replace(tzinfo=timezone.utc).isoformat(timespec="seconds") if moment else None


def error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def _body(request: Request) -> dict[str, Any]:
    try:
        body = request.json
    except Exception:
        return {}
    return body if isinstance(body, dict) else {}


def agent_json(agent: Agent) -> dict[str, Any]:
    return {
        "id": agent.id,
        "name": agent.name,
        "email": agent.email,
        "teams": agent_teams(agent.teams),
        "online": bool(agent.online),
    }


def handoff_json(handoff: Handoff, config) -> dict[str, Any]:
    context = json.loads(handoff.context or "{}")
    return {
        "id": handoff.id,
        "reference": handoff.reference,
        "team": handoff.team,
        "team_name": config.team_name(handoff.team),
        "status": handoff.status,
        "reason": handoff.reason,
        "reason_text": context.get("reason_text"),
        "channel": handoff.channel,
        "agent": {"id": handoff.agent.id, "name": handoff.agent.name} if handoff.agent else None,
        "contact": context.get("contact") or {},
        "created_at": _iso(handoff.created_at),
        "assigned_at": _iso(handoff.assigned_at),
        "first_reply_at": _iso(handoff.first_reply_at),
        "closed_at": _iso(handoff.closed_at),
        "closed_by": handoff.closed_by,
        "closing_note": handoff.closing_note,
    }


# --------------------------------------------------------------------------- login


def current_agent(request: Request, session) -> Agent | None:
    """The agent of a valid session (cookie, or Authorization: Bearer); None otherwise."""
    header = request.headers.get("authorization", "")
    bearer = (header[7:].strip() or None) if header.lower().startswith("bearer ") else None
    claims = read_token(request.app.ctx.settings.secret_key, bearer or request.cookies.get(COOKIE))
    if claims is None:
        return None
    if bearer is None and request.method not in ("GET", "HEAD") and not request.headers.get(CSRF_HEADER):
        return None
    agent = session.get(Agent, claims.agent_id)
    if agent is None or not agent.active or agent.session_epoch != claims.epoch:
        return None
    return agent


def with_agent(handler):
    """Runs `handler(request, session, agent, ...)` in a transaction for a logged-in agent;
    401 otherwise. An inbox request also tells that the agent is still there (committed first)."""

    async def wrapped(request: Request, *args, **kwargs) -> HTTPResponse:
        # Handlers keep their transaction open while they wait for Rasa (so a failed delivery
        # rolls it back). With SQLite, another writer on this event loop meanwhile would block the
        # whole loop until its busy timeout: one inbox transaction at a time in this process.
        async with request.app.ctx.db_lock:
            return await _in_transaction(request, handler, *args, **kwargs)

    wrapped.__name__ = handler.__name__
    return wrapped


async def _in_transaction(request: Request, handler, *args, **kwargs) -> HTTPResponse:
    with session_scope(request.app.ctx.settings.db_url) as session:
        agent = current_agent(request, session)
        if agent is None:
            return error(401, "Log in to the inbox first.")
        assignment.set_presence(session, agent, now_utc())
        session.commit()  # the heartbeat is kept whatever the handler does, and holds no lock
        try:
            return await handler(request, session, agent, *args, **kwargs)
        except HandoffError as problem:
            session.rollback()
            return error(409, str(problem))


@bp.get("/")
async def page(request: Request) -> HTTPResponse:
    return await response.file(STATIC_DIR / "inbox.html", headers={"Cache-Control": "no-store"})


@bp.post("/api/login")
async def login(request: Request) -> HTTPResponse:
    try:
        return await _login(request)
    except RedisError:  # the shared throttle cannot be asked: no login without it
        return error(503, "Logging in is not possible right now: try again in a minute.")


async def _login(request: Request) -> HTTPResponse:
    body = _body(request)
    email, password = str(body.get("email") or "").strip().lower(), body.get("password")
    if not email or not isinstance(password, str) or not password:
        return error(400, "Give an email and a password.")
    key = throttle_key(email, request.remote_addr or request.ip)
    if throttle.blocked(key):
        return error(429, "Too many failed logins: try again in 15 minutes.")
    settings = request.app.ctx.settings
    with session_scope(settings.db_url) as session:
        agent = session.scalar(select(Agent).where(Agent.email == email, Agent.active.is_(True)))
        # An unknown email costs the same hashing as a known one: timing tells no emails apart.
        stored = agent.password_hash if agent is not None else DECOY_HASH
        matches = await asyncio.to_thread(verify_password, password, stored)
        if agent is None or not matches:
            throttle.failed(key)
            return error(401, "Wrong email or password.")
        throttle.succeeded(key)
        if needs_rehash(agent.password_hash):  # an older hash: replaced now that the password is known
            agent.password_hash = await asyncio.to_thread(hash_password, password)
        token = make_token(settings.secret_key, agent.id, agent.session_epoch)
        result = response.json({"agent": agent_json(agent), "token": token})
    result.cookies[COOKIE] = token
    cookie = result.cookies[COOKIE]
    cookie["httponly"], cookie["samesite"], cookie["path"] = True, "Strict", "/inbox"
    cookie["max-age"] = 12 * 3600
    cookie["secure"] = settings.secure_cookies
    return result


@bp.post("/api/logout")
@with_agent
async def logout(request: Request, session, agent: Agent) -> HTTPResponse:
    agent.session_epoch += 1  # ends this session and any other of the agent's
    agent.online = False
    result = response.json({"ok": True})
    result.cookies[COOKIE] = ""
    result.cookies[COOKIE]["path"] = "/inbox"  # the login cookie's path, or the browser keeps it
    result.cookies[COOKIE]["max-age"] = 0
    return result


@bp.get("/api/me")
@with_agent
async def me(request: Request, session, agent: Agent) -> HTTPResponse:
    return response.json({"agent": agent_json(agent)})


@bp.post("/api/presence")
@with_agent
async def presence(request: Request, session, agent: Agent) -> HTTPResponse:
    online = _body(request).get("online")
    if not isinstance(online, bool):
        return error(400, 'Say {"online": true} or {"online": false}.')
    assignment.set_presence(session, agent, now_utc(), online=online)
    if online:  # conversations waiting for this team can come to the agent now
        assignment.sweep(session, load_config(), now_utc())
    return response.json({"agent": agent_json(agent)})


# --------------------------------------------------------------------------- conversations


@bp.get("/api/conversations")
@with_agent
async def conversations(request: Request, session, agent: Agent) -> HTTPResponse:
    config = load_config()
    items = [handoff_json(h, config) for h in assignment.inbox_of(session, agent)]
    mine = [h for h in items if h["agent"] and h["agent"]["id"] == agent.id]
    queues = {team: [h for h in items if h["team"] == team and h not in mine] for team in agent_teams(agent.teams)}
    return response.json(
        {
            "agent": agent_json(agent),
            "mine": mine,
            "queues": queues,
            "team_names": {team: config.team_name(team) for team in queues},
        }
    )


def _own_handoff(session, agent: Agent, handoff_id: int) -> Handoff:
    handoff = session.get(Handoff, handoff_id)
    if handoff is None or handoff.team not in agent_teams(agent.teams):
        raise HandoffError("There is no such conversation in your teams.")
    return handoff


@bp.get("/api/conversations/<handoff_id:int>")
@with_agent
async def conversation(request: Request, session, agent: Agent, handoff_id: int) -> HTTPResponse:
    config = load_config()
    handoff = _own_handoff(session, agent, handoff_id)
    context = json.loads(handoff.context or "{}")
    live, live_error = None, None
    try:
        tracker = await request.app.ctx.rasa.tracker(handoff.sender_id)
        live = transcript(tracker.get("events") or [], limit=None)
    except RasaError as problem:
        live_error = f"Live transcript unavailable ({problem}); showing it as it was at handover."
    return response.json(
        {
            "conversation": handoff_json(handoff, config),
            "context": context,
            "transcript": live if live is not None else context.get("transcript", []),
            "transcript_error": live_error,
        }
    )


def _agent_card(agent: Agent, handoff: Handoff) -> dict[str, Any]:
    return {"id": agent.id, "name": agent.name, "team": handoff.team}


async def _announce_join(request: Request, agent: Agent, handoff: Handoff, team_name: str) -> None:
    words = render("utter_agent_joined", agent_name=agent.name, team_name=team_name)
    await request.app.ctx.rasa.say(handoff.sender_id, words["text"], agent=_agent_card(agent, handoff))


@bp.post("/api/conversations/<handoff_id:int>/take")
@with_agent
async def take(request: Request, session, agent: Agent, handoff_id: int) -> HTTPResponse:
    config = load_config()
    _own_handoff(session, agent, handoff_id)
    handoff, joined = assignment.take(session, handoff_id, agent, now_utc())
    if joined:
        try:
            await _announce_join(request, agent, handoff, config.team_name(handoff.team))
        except RasaError as problem:
            session.rollback()
            return error(502, f"Could not reach the customer: {problem}")
    return response.json({"conversation": handoff_json(handoff, config)})


@bp.post("/api/conversations/<handoff_id:int>/messages")
@with_agent
async def reply(request: Request, session, agent: Agent, handoff_id: int) -> HTTPResponse:
    config = load_config()
    text = _body(request).get("text")
    if not isinstance(text, str) or not text.strip():
        return error(400, "Write a message first.")
    if len(text) > MAX_REPLY_CHARS:
        return error(400, f"Keep a message under {MAX_REPLY_CHARS} characters.")
    _own_handoff(session, agent, handoff_id)
    handoff, joined = assignment.record_reply(session, handoff_id, agent, now_utc())
    try:
        if joined:
            await _announce_join(request, agent, handoff, config.team_name(handoff.team))
        await request.app.ctx.rasa.say(handoff.sender_id, text.strip(), agent=_agent_card(agent, handoff))
    except RasaError as problem:
        session.rollback()
        metrics.AGENT_REPLIES.labels("failed").inc()
        return error(502, f"Your message did not reach the customer: {problem}")
    metrics.AGENT_REPLIES.labels("sent").inc()
    return response.json({"conversation": handoff_json(handoff, config)})


@bp.post("/api/conversations/<handoff_id:int>/close")
@with_agent
async def close(request: Request, session, agent: Agent, handoff_id: int) -> HTTPResponse:
    config = load_config()
    _own_handoff(session, agent, handoff_id)
    note = _body(request).get("note")
    handoff = assignment.close(
        session, handoff_id, now_utc(), closed_by="agent", agent=agent, note=note if isinstance(note, str) else None
    )
    try:
        await request.app.ctx.rasa.resume(handoff.sender_id, render("utter_agent_left", agent_name=agent.name)["text"])
    except RasaError as problem:
        session.rollback()
        return error(502, f"Could not hand the chat back to the bot: {problem}")
    return response.json({"conversation": handoff_json(handoff, config)})
