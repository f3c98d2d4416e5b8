"""The agent inbox: a page and a JSON API behind agent login. Agents see their teams' queues with
each conversation's context packet and live transcript, take one, reply, and close it with a
note; the bot then takes the conversation back."""

import asyncio
import json
from datetime import datetime, timedelta, timezone
from typing import Any

from redis import RedisError
from sanic import Blueprint, response
from sanic.cookies import Cookie
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy import select

from shop import consent, csat, metrics, shared_state
from shop.clock import naive_now, now_utc
from shop.db import session_scope
from shop.handoff import assignment, followups
from shop.handoff.assignment import HandoffError
from shop.handoff.context import transcript
from shop.handoff.routing import agent_teams, load_config
from shop.integrations import deliveries
from shop.models import Agent, Handoff
from shop.outbound import opt_outs, outbox
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
from web.db_thread import Transaction
from web.pages import STATIC_DIR
from web.rasa_client import RasaError, bot_event, satisfaction_question, sent_reply_ids, valid_reply_id

COOKIE = "inbox_session"
# The session cookie goes to the agents' pages only: the inbox and the analytics dashboard.
COOKIE_PATHS = ("/inbox", "/analytics")
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
    """Runs `handler(request, db, agent, ...)` in a transaction (web/db_thread.py) for a logged-in
    agent; 401 otherwise. An inbox request also tells that the agent is still there (committed first)."""

    async def wrapped(request: Request, *args, **kwargs) -> HTTPResponse:
        # Handlers keep their transaction open while they wait for Rasa (so a failed delivery
        # rolls it back). With SQLite, another writer meanwhile would wait for that lock until its
        # busy timeout: one inbox transaction at a time in this process.
        async with request.app.ctx.db_lock:
            return await _in_transaction(request, handler, *args, **kwargs)

    wrapped.__name__ = handler.__name__
    return wrapped


def _present_agent(session, request: Request) -> Agent | None:
    agent = current_agent(request, session)
    if agent is not None:
        assignment.set_presence(session, agent, now_utc())
        session.commit()  # the heartbeat is kept whatever the handler does, and holds no lock
    return agent


async def _in_transaction(request: Request, handler, *args, **kwargs) -> HTTPResponse:
    async with Transaction(request.app.ctx.settings.db_url) as db:
        agent = await db.run(_present_agent, request)
        if agent is None:
            return error(401, "Log in to the inbox first.")
        try:
            return await handler(request, db, agent, *args, **kwargs)
        except HandoffError as problem:
            await db.rollback()
            return error(409, str(problem))


@bp.get("/")
async def page(request: Request) -> HTTPResponse:
    return await response.file(STATIC_DIR / "inbox.html", headers={"Cache-Control": "no-store"})


@bp.post("/api/login")
async def login(request: Request) -> HTTPResponse:
    body = _body(request)
    email, password = str(body.get("email") or "").strip().lower(), body.get("password")
    if not email or not isinstance(password, str) or not password:
        return error(400, "Give an email and a password.")
    try:  # hashing, the throttle (Redis) and the database: all off the event loop
        status, answer = await asyncio.to_thread(
            _check_login, request.app.ctx.settings, email, password, request.remote_addr or request.ip
        )
    except RedisError:  # the shared throttle cannot be asked: no login without it
        return error(503, "Logging in is not possible right now: try again in a minute.")
    if status != 200:
        return error(status, answer)
    result = response.json(answer)
    for path in COOKIE_PATHS:
        _set_cookie(result, answer["token"], path, 12 * 3600, request.app.ctx.settings.secure_cookies)
    return result


def _set_cookie(result: HTTPResponse, value: str, path: str, max_age: int, secure: bool) -> None:
    """One Set-Cookie of the session per path (sanic's cookie jar keeps one per name)."""
    cookie = Cookie(COOKIE, value)
    cookie["path"], cookie["max-age"], cookie["samesite"] = path, max_age, "Strict"
    cookie["httponly"], cookie["secure"] = True, secure
    result.headers.add("Set-Cookie", str(cookie))


def _check_login(settings, email: str, password: str, address: str) -> tuple[int, Any]:
    """(200, {"agent", "token"}) for the right password; (status, message) otherwise."""
    key = throttle_key(email, address)
    if throttle.blocked(key):
        return 429, "Too many failed logins: try again in 15 minutes."
    with session_scope(settings.db_url) as session:
        agent = session.scalar(select(Agent).where(Agent.email == email, Agent.active.is_(True)))
        # An unknown email costs the same hashing as a known one: timing tells no emails apart.
        stored = agent.password_hash if agent is not None else DECOY_HASH
        if not verify_password(password, stored) or agent is None:
            throttle.failed(key)
            return 401, "Wrong email or password."
        throttle.succeeded(key)
        if needs_rehash(agent.password_hash):  # an older hash: replaced now that the password is known
            agent.password_hash = hash_password(password)
        token = make_token(settings.secret_key, agent.id, agent.session_epoch)
        return 200, {"agent": agent_json(agent), "token": token}


@bp.post("/api/logout")
@with_agent
async def logout(request: Request, db: Transaction, agent: Agent) -> HTTPResponse:
    def end_sessions(_session) -> None:
        agent.session_epoch += 1  # ends this session and any other of the agent's
        agent.online = False

    await db.run(end_sessions)
    result = response.json({"ok": True})
    for path in COOKIE_PATHS:  # the login cookies' paths, or the browser keeps them
        _set_cookie(result, "", path, 0, request.app.ctx.settings.secure_cookies)
    return result


@bp.get("/api/me")
@with_agent
async def me(request: Request, db: Transaction, agent: Agent) -> HTTPResponse:
    return response.json({"agent": await db.run(lambda _session: agent_json(agent))})


@bp.post("/api/presence")
@with_agent
async def presence(request: Request, db: Transaction, agent: Agent) -> HTTPResponse:
    online = _body(request).get("online")
    if not isinstance(online, bool):
        return error(400, 'Say {"online": true} or {"online": false}.')

    def set_presence(session) -> dict[str, Any]:
        assignment.set_presence(session, agent, now_utc(), online=online)
        if online:  # conversations waiting for this team can come to the agent now
            assignment.sweep(session, load_config(), now_utc())
        return agent_json(agent)

    return response.json({"agent": await db.run(set_presence)})


# --------------------------------------------------------------------------- conversations


@bp.get("/api/conversations")
@with_agent
async def conversations(request: Request, db: Transaction, agent: Agent) -> HTTPResponse:
    config = load_config()

    def listing(session) -> dict[str, Any]:
        items = [handoff_json(h, config) for h in assignment.inbox_of(session, agent)]
        mine = [h for h in items if h["agent"] and h["agent"]["id"] == agent.id]
        queues = {team: [h for h in items if h["team"] == team and h not in mine] for team in agent_teams(agent.teams)}
        return {
            "agent": agent_json(agent),
            "mine": mine,
            "queues": queues,
            "team_names": {team: config.team_name(team) for team in queues},
        }

    return response.json(await db.run(listing))


def _own_handoff(session, agent: Agent, handoff_id: int) -> Handoff:
    handoff = session.get(Handoff, handoff_id)
    if handoff is None or handoff.team not in agent_teams(agent.teams):
        raise HandoffError("There is no such conversation in your teams.")
    return handoff


@bp.get("/api/conversations/<handoff_id:int>")
@with_agent
async def conversation(request: Request, db: Transaction, agent: Agent, handoff_id: int) -> HTTPResponse:
    config = load_config()

    def read(session) -> tuple[dict[str, Any], dict[str, Any], str, dict[str, Any]]:
        handoff = _own_handoff(session, agent, handoff_id)
        reach = contact_reach(session, handoff.sender_id)
        return handoff_json(handoff, config), json.loads(handoff.context or "{}"), handoff.sender_id, reach

    shown, context, sender_id, reach = await db.run(read)
    live, live_error = None, None
    try:
        tracker = await request.app.ctx.rasa.tracker(sender_id)
        live = transcript(tracker.get("events") or [], limit=None)
    except RasaError as problem:
        live_error = f"Live transcript unavailable ({problem}); showing it as it was at handover."
    return response.json(
        {
            "conversation": shown,
            "context": context,
            "transcript": live if live is not None else context.get("transcript", []),
            "transcript_error": live_error,
            **reach,
        }
    )


def contact_reach(session, sender_id: str) -> dict[str, Any]:
    """The contact's consent per channel (every change), the messages the shop wrote them and
    what went to webhooks, the CRM and email about them."""
    return {
        "consent": [
            {"channel": c.channel, "status": c.status, "source": c.source, "wording": c.wording, "at": _iso(c.at)}
            for c in consent.history(session, sender_id)
        ],
        "outbound": [
            {
                "message_type": m.message_type,
                "channel": m.channel,
                "status": m.status,
                "due_at": _iso(m.due_at),
                "sent_at": _iso(m.sent_at),
                "tag": m.tag,
                "note": m.last_error,
            }
            for m in outbox.sent_to(session, sender_id)
        ],
        "deliveries": [delivery_json(d) for d in deliveries.recent(session, sender_id=sender_id, limit=50)],
    }


def delivery_json(delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "event": delivery.event,
        "target": delivery.target,
        "recipient": delivery.recipient,
        "subject": delivery.subject,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_error": delivery.last_error,
        "created_at": _iso(delivery.created_at),
        "due_at": _iso(delivery.due_at),
        "sent_at": _iso(delivery.sent_at),
    }


@bp.get("/api/deliveries")
@with_agent
async def delivery_list(request: Request, db: Transaction, agent: Agent) -> HTTPResponse:
    """What left (or is leaving) the database for webhooks, the CRM and email: the latest
    deliveries with status, attempts and last error (?status=parked, ?sender_id=...), and the
    count in each status. For support: a parked one can be sent again."""
    status = request.args.get("status") or None
    if status is not None and status not in deliveries.STATUSES:
        return error(400, f"status is one of {', '.join(deliveries.STATUSES)}.")
    sender_id = (request.args.get("sender_id") or "")[:255] or None

    def read(session) -> dict[str, Any]:
        found = deliveries.recent(session, status=status, sender_id=sender_id)
        return {"counts": deliveries.counts(session), "deliveries": [delivery_json(d) for d in found]}

    return response.json(await db.run(read))


@bp.post("/api/deliveries/<delivery_id:int>/retry")
@with_agent
async def delivery_retry(request: Request, db: Transaction, agent: Agent, delivery_id: int) -> HTTPResponse:
    if not await db.run(deliveries.retry, delivery_id, now_utc()):
        return error(409, "Only a parked delivery can be sent again.")
    return response.json({"ok": True})


OPT_OUT_DAYS = 30  # the inbox's warning looks at the messages of the last month


@bp.get("/api/outbound/opt-outs")
@with_agent
async def outbound_opt_outs(request: Request, db: Transaction, agent: Agent) -> HTTPResponse:
    """Opt-out rates of what the shop sent in the last month, by channel and kind; a rate above
    3% is logged as a warning and flagged for the inbox's banner."""

    def read(session) -> list[opt_outs.OptOutRate]:
        now = now_utc()
        return opt_outs.opt_out_rates(session, now - timedelta(days=OPT_OUT_DAYS), now)

    rates = await db.run(read)
    opt_outs.warn(rates)
    return response.json(
        {
            "days": OPT_OUT_DAYS,
            "threshold": opt_outs.OPT_OUT_WARNING,
            "rates": [
                {
                    "channel": r.channel,
                    "message_type": r.message_type,
                    "sent": r.sent,
                    "opt_outs": r.opt_outs,
                    "rate": round(r.rate, 4),
                    "warning": r.warning,
                }
                for r in rates
            ],
        }
    )


def _agent_card(agent: Agent, handoff: Handoff) -> dict[str, Any]:
    return {"id": agent.id, "name": agent.name, "team": handoff.team}


def _join_event(agent: Agent, handoff: Handoff, config) -> dict[str, Any]:
    words = render("utter_agent_joined", agent_name=agent.name, team_name=config.team_name(handoff.team))
    return bot_event(words["text"], _agent_card(agent, handoff))


@bp.post("/api/conversations/<handoff_id:int>/take")
@with_agent
async def take(request: Request, db: Transaction, agent: Agent, handoff_id: int) -> HTTPResponse:
    config = load_config()

    def take_it(session) -> tuple[dict[str, Any], str, dict[str, Any] | None]:
        _own_handoff(session, agent, handoff_id)
        handoff, joined = assignment.take(session, handoff_id, agent, now_utc())
        return handoff_json(handoff, config), handoff.sender_id, _join_event(agent, handoff, config) if joined else None

    shown, sender_id, joining = await db.run(take_it)
    if joining is not None:
        try:
            await request.app.ctx.rasa.append(sender_id, [joining])
        except RasaError as problem:
            await db.rollback()
            return error(502, f"Could not reach the customer: {problem}")
    return response.json({"conversation": shown})


@bp.post("/api/conversations/<handoff_id:int>/messages")
@with_agent
async def reply(request: Request, db: Transaction, agent: Agent, handoff_id: int) -> HTTPResponse:
    config = load_config()
    body = _body(request)
    text, reply_id = body.get("text"), body.get("reply_id")
    if not isinstance(text, str) or not text.strip():
        return error(400, "Write a message first.")
    if len(text) > MAX_REPLY_CHARS:
        return error(400, f"Keep a message under {MAX_REPLY_CHARS} characters.")
    if reply_id is not None and not valid_reply_id(reply_id):
        return error(400, "reply_id must be 8 to 64 letters, digits or dashes.")

    def emailed(session) -> dict[str, Any] | None:
        """The customer left the chat as the agent answered: the answer goes by email."""
        handoff = _own_handoff(session, agent, handoff_id)
        if handoff.status != "closed" or handoff.closed_by != "customer":
            return None
        email = followups.email_reply(session, handoff, agent, text, config.team_name(handoff.team))
        return {"conversation": handoff_json(handoff, config), "emailed_to": email}

    by_email = await db.run(emailed)
    if by_email is not None:
        metrics.AGENT_REPLIES.labels("emailed").inc()
        return response.json(by_email)

    def record(session) -> tuple[dict[str, Any], str, list[dict[str, Any]]]:
        _own_handoff(session, agent, handoff_id)
        handoff, joined = assignment.record_reply(session, handoff_id, agent, now_utc())
        # The join notice and the reply go in one call: a retry can never repeat one of them.
        events = [_join_event(agent, handoff, config)] if joined else []
        events.append(bot_event(text.strip(), _agent_card(agent, handoff), reply_id=reply_id))
        return handoff_json(handoff, config), handoff.sender_id, events

    shown, sender_id, events = await db.run(record)
    rasa = request.app.ctx.rasa
    try:
        # A retry of a reply that reached the customer though its answer was lost is not sent again.
        if reply_id is None or reply_id not in sent_reply_ids((await rasa.tracker(sender_id)).get("events") or []):
            await rasa.append(sender_id, events)
    except RasaError as problem:
        await db.rollback()
        metrics.AGENT_REPLIES.labels("failed").inc()
        return error(
            502, f"Your message did not reach the customer: {problem}. Send it again: it will not be sent twice."
        )
    metrics.AGENT_REPLIES.labels("sent").inc()
    return response.json({"conversation": shown})


@bp.post("/api/conversations/<handoff_id:int>/close")
@with_agent
async def close(request: Request, db: Transaction, agent: Agent, handoff_id: int) -> HTTPResponse:
    config = load_config()
    note = _body(request).get("note")

    def close_it(session) -> tuple[dict[str, Any], str, bool]:
        _own_handoff(session, agent, handoff_id)
        handoff = assignment.close(
            session, handoff_id, now_utc(), closed_by="agent", agent=agent, note=note if isinstance(note, str) else None
        )
        # The chat reached its outcome: the satisfaction question, when the customer may be asked
        # (rolled back with the rest if Rasa cannot take the chat back).
        asks = csat.may_ask(session, handoff.sender_id, naive_now())
        if asks:
            csat.record_asked(session, handoff.sender_id, "agent_closed", naive_now())
        return handoff_json(handoff, config), handoff.sender_id, asks

    shown, sender_id, asks = await db.run(close_it)
    try:
        await request.app.ctx.rasa.resume(
            sender_id,
            render("utter_agent_left", agent_name=agent.name)["text"],
            then=satisfaction_question("agent_closed") if asks else None,
        )
    except RasaError as problem:
        await db.rollback()
        return error(502, f"Could not hand the chat back to the bot: {problem}")
    return response.json({"conversation": shown})
