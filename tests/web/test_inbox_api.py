"""The inbox's JSON API over HTTP (web/inbox.py), no browser: the real web app (python -m web) on a
copy of the seeded shop, beside a stand-in for Rasa's HTTP API. Login and its throttle, sessions
(cookie with the CSRF header, or bearer token), team boundaries, take / reply / close and what
reaches the customer, and what happens when Rasa is down or slow.

One web app serves the whole module (starting it takes a second or two): each test opens its own
handoffs and logs in afresh, and a test that changes an agent's availability puts it back."""

import concurrent.futures
import secrets
import sqlite3
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import select

from shop import consent
from shop.clock import naive_now
from shop.db import session_scope
from shop.handoff import assignment
from shop.handoff.context import build_packet
from shop.handoff.routing import load_config
from shop.models import Agent, CsatResponse, Handoff, HandoffEvent, OutboundMessage
from shop.responses import render
from tests.support import database
from tests.support.web_app import RasaStandIn, WebApp, set_agent_password
from web.rasa_client import RasaClient, RasaError

PASSWORD = "inbox-api-test-password"
ALICE, BEN, CHLOE = "alice@shop.example", "ben@shop.example", "chloe@shop.example"  # support+billing, support, billing
OLIVIA, MARCUS = "olivia.bennett@shop.example", "marcus.reid@shop.example"  # sales
CSRF = {"X-Requested-With": "inbox"}


@pytest.fixture(scope="module")
def web(seeded_template, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("inbox-api")
    path = workdir / "shop.db"
    database.copy_database(seeded_template, path)
    db_url = f"sqlite:///{path}"
    for email in (ALICE, BEN, CHLOE, OLIVIA, MARCUS):
        set_agent_password(db_url, email, PASSWORD)
    rasa = RasaStandIn(secrets.token_hex(8))
    app = WebApp(workdir, db_url, rasa)
    yield app, rasa
    app.stop()
    rasa.stop()


@pytest.fixture
def app(web) -> WebApp:
    return web[0]


@pytest.fixture
def rasa(web) -> RasaStandIn:
    rasa = web[1]
    yield rasa
    rasa.fail = False


# --------------------------------------------------------------------------- helpers


def api(app: WebApp, path: str) -> str:
    return f"{app.url}/inbox/api{path}"


def login(app: WebApp, email: str, password: str = PASSWORD) -> requests.Response:
    return requests.post(api(app, "/login"), json={"email": email, "password": password}, timeout=10)


def token_of(app: WebApp, email: str) -> dict[str, str]:
    """Bearer headers of a fresh session of the agent."""
    answer = login(app, email)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def get(app: WebApp, path: str, headers: dict[str, str] | None = None) -> requests.Response:
    return requests.get(api(app, path), headers=headers or {}, timeout=20)


def post(app: WebApp, path: str, headers: dict[str, str] | None = None, **body) -> requests.Response:
    return requests.post(api(app, path), json=body, headers=headers or {}, timeout=20)


def hand_over(app: WebApp, rasa: RasaStandIn, team: str = "support", name: str | None = "Robin Lee") -> int:
    """A queued handoff as action_human_handoff opens it, its conversation paused in the stand-in
    (an unpaused one would be closed by the sweep as abandoned). Returns its id."""
    sender = f"api-{secrets.token_hex(5)}"
    now = datetime.now(timezone.utc)
    events = [
        {
            "event": "user",
            "text": "Can I talk to a person?",
            "timestamp": now.timestamp() - 5,
            "parse_data": {"intent": {"name": "human_handoff"}},
        }
    ]
    packet = build_packet(
        events=events,
        slots={"order_id": "1042"},
        reason="customer_asked",
        team=team,
        channel="socketio",
        sender_id=sender,
        name=name,
    )
    with session_scope(app.db_url) as session:
        handoff, created = assignment.open_handoff(
            session,
            load_config(),
            sender_id=sender,
            channel="socketio",
            team=team,
            reason="customer_asked",
            context=packet,
            now=now,
        )
        assert created
        handoff_id = handoff.id
    rasa.customer_said(sender, "Can I talk to a person?", intent="human_handoff")
    rasa.pause(sender)
    return handoff_id


def handoff_row(app: WebApp, handoff_id: int) -> Handoff:
    with session_scope(app.db_url) as session:
        return session.get(Handoff, handoff_id)


def sender_of(app: WebApp, handoff_id: int) -> str:
    return handoff_row(app, handoff_id).sender_id


def delivered_to(rasa: RasaStandIn, sender: str):
    return [event for event in rasa.delivered if event["sender"] == sender]


def listed_ids(answer: requests.Response):
    body = answer.json()
    return {c["id"] for c in body["mine"]} | {c["id"] for items in body["queues"].values() for c in items}


# --------------------------------------------------------------------------- login and sessions


def test_login_refuses_a_wrong_password_and_a_bad_body(app):
    assert login(app, ALICE, "not-the-password").status_code == 401
    assert login(app, ALICE, "not-the-password").json() == {"error": "Wrong email or password."}
    assert login(app, "nobody@shop.example").status_code == 401
    assert requests.post(api(app, "/login"), json={"email": ALICE}, timeout=10).status_code == 400
    assert requests.post(api(app, "/login"), json=["x"], timeout=10).status_code == 400
    bad_json = requests.post(
        api(app, "/login"), data="{not json", timeout=10, headers={"Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400 and "error" in bad_json.json()


def test_login_gives_a_token_and_a_strict_httponly_cookie(app):
    answer = login(app, " Alice@Shop.Example ")  # emails are matched trimmed and lower-cased
    assert answer.status_code == 200
    body = answer.json()
    assert body["agent"] == {
        "id": body["agent"]["id"],
        "name": "Alice Moreno",
        "email": ALICE,
        "teams": ["support", "billing"],
        "online": False,
    }
    cookie = answer.headers["Set-Cookie"].lower()
    assert cookie.startswith(f"inbox_session={body['token']}".lower())
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/inbox" in cookie
    me = get(app, "/me", {"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json()["agent"]["email"] == ALICE


def test_an_older_password_hash_is_replaced_by_argon2_at_login(app):
    """An agent whose hash predates argon2 (PBKDF2) still logs in, and the hash is argon2 after."""
    from tests.web.test_auth import pbkdf2_hash

    with session_scope(app.db_url) as session:
        session.scalar(select(Agent).where(Agent.email == MARCUS)).password_hash = pbkdf2_hash(PASSWORD)
    assert login(app, MARCUS, "not-the-password").status_code == 401
    with session_scope(app.db_url) as session:  # a wrong password changes nothing
        assert session.scalar(select(Agent.password_hash).where(Agent.email == MARCUS)).startswith("pbkdf2_sha256$")
    assert login(app, MARCUS).status_code == 200
    with session_scope(app.db_url) as session:
        assert session.scalar(select(Agent.password_hash).where(Agent.email == MARCUS)).startswith("$argon2id$")
    assert login(app, MARCUS).status_code == 200  # the same password, now against the new hash


def test_login_is_throttled_after_five_failures(app):
    for _ in range(5):
        assert login(app, CHLOE, "wrong-password").status_code == 401
    throttled = login(app, CHLOE)  # even the right password, for now
    assert throttled.status_code == 429
    assert "Too many failed logins" in throttled.json()["error"]
    assert login(app, ALICE).status_code == 200  # only that email is held back


@pytest.mark.parametrize("path", ["/me", "/conversations", "/conversations/1"])
def test_reading_needs_a_session(app, path):
    answer = get(app, path)
    assert answer.status_code == 401
    assert answer.json() == {"error": "Log in to the inbox first."}


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "1.0.9999999999.abcd.forged-signature",
        "1.0.9999999999.abcd.sïgnature",
    ],
)
def test_a_forged_or_mangled_token_is_refused(app, token):
    # A non-ASCII signature used to make hmac.compare_digest raise: a 500 instead of a 401.
    assert get(app, "/me", {"Authorization": f"Bearer {token}"}).status_code == 401


def test_writing_needs_a_session(app, rasa):
    handoff_id = hand_over(app, rasa)
    for path in (
        "/presence",
        "/logout",
        f"/conversations/{handoff_id}/take",
        f"/conversations/{handoff_id}/messages",
        f"/conversations/{handoff_id}/close",
    ):
        assert post(app, path, CSRF, online=True, text="hi", note="done").status_code == 401, path
    assert handoff_row(app, handoff_id).status == "queued"


def test_cookie_writes_need_the_csrf_header(app):
    browser = requests.Session()
    assert browser.post(api(app, "/login"), json={"email": BEN, "password": PASSWORD}, timeout=10).ok
    assert browser.get(api(app, "/me"), timeout=10).status_code == 200  # reading needs no header
    forged = browser.post(api(app, "/presence"), json={"online": False}, timeout=10)
    assert forged.status_code == 401
    # An empty bearer header is no bearer: the cookie still needs the CSRF header.
    empty_bearer = browser.post(
        api(app, "/presence"), json={"online": False}, timeout=10, headers={"Authorization": "Bearer "}
    )
    assert empty_bearer.status_code == 401
    allowed = browser.post(api(app, "/presence"), json={"online": False}, headers=CSRF, timeout=10)
    assert allowed.status_code == 200 and allowed.json()["agent"]["online"] is False


def test_a_bearer_token_needs_no_csrf_header(app):
    headers = token_of(app, BEN)
    answer = post(app, "/presence", headers, online=False)
    assert answer.status_code == 200 and answer.json()["agent"]["email"] == BEN
    assert post(app, "/presence", headers, online="yes").status_code == 400


def test_logout_ends_the_session_and_clears_the_cookie(app):
    first, second = token_of(app, OLIVIA), token_of(app, OLIVIA)
    assert post(app, "/presence", first, online=True).json()["agent"]["online"] is True
    answer = post(app, "/logout", first)
    assert answer.status_code == 200
    cookie = answer.headers["Set-Cookie"].lower()
    assert cookie.startswith('inbox_session=""') or cookie.startswith("inbox_session=;")
    assert "path=/inbox" in cookie and "max-age=0" in cookie
    assert get(app, "/me", first).status_code == 401
    assert get(app, "/me", second).status_code == 401  # every session of the agent ends
    with session_scope(app.db_url) as session:
        assert session.scalar(select(Agent).where(Agent.email == OLIVIA)).online is False
    assert get(app, "/me", token_of(app, OLIVIA)).status_code == 200


# --------------------------------------------------------------------------- teams and taking


def test_every_call_is_a_presence_heartbeat(app):
    headers = token_of(app, MARCUS)
    before = datetime.utcnow()
    assert get(app, "/conversations", headers).status_code == 200
    with session_scope(app.db_url) as session:
        seen = session.scalar(select(Agent).where(Agent.email == MARCUS)).last_seen_at
    assert seen is not None and seen >= before.replace(microsecond=0)


def test_the_list_has_mine_and_each_team_queue(app, rasa):
    support, billing = hand_over(app, rasa, "support"), hand_over(app, rasa, "billing", name=None)
    answer = get(app, "/conversations", token_of(app, ALICE))
    assert answer.status_code == 200
    body = answer.json()
    assert list(body["queues"]) == ["support", "billing"]
    assert body["team_names"] == {"support": "Customer support", "billing": "Billing"}
    conv = next(c for c in body["queues"]["support"] if c["id"] == support)
    assert conv["status"] == "queued" and conv["agent"] is None and conv["team_name"] == "Customer support"
    assert conv["reason_text"] == "The customer asked for a person."
    assert conv["contact"]["name"] == "Robin Lee" and conv["reference"] == f"H{support:04d}"
    assert billing in {c["id"] for c in body["queues"]["billing"]}


def test_another_team_can_neither_see_nor_take_a_conversation(app, rasa):
    handoff_id = hand_over(app, rasa, "billing")
    ben = token_of(app, BEN)  # support only
    listing = get(app, "/conversations", ben)
    assert list(listing.json()["queues"]) == ["support"] and handoff_id not in listed_ids(listing)
    for answer in (
        get(app, f"/conversations/{handoff_id}", ben),
        post(app, f"/conversations/{handoff_id}/take", ben),
        post(app, f"/conversations/{handoff_id}/messages", ben, text="Hello"),
        post(app, f"/conversations/{handoff_id}/close", ben, note="Done"),
    ):
        assert answer.status_code == 409
        assert answer.json() == {"error": "There is no such conversation in your teams."}
    assert get(app, "/conversations/999999", ben).status_code == 409
    assert handoff_row(app, handoff_id).status == "queued"
    assert delivered_to(rasa, sender_of(app, handoff_id)) == []


def test_the_detail_has_the_packet_and_the_live_transcript(app, rasa):
    handoff_id = hand_over(app, rasa)
    rasa.customer_said(sender_of(app, handoff_id), "Hello? Anyone there?")
    answer = get(app, f"/conversations/{handoff_id}", token_of(app, BEN))
    assert answer.status_code == 200
    body = answer.json()
    assert body["conversation"]["id"] == handoff_id and body["transcript_error"] is None
    assert body["context"]["slots"] == {"Order": "1042"} and body["context"]["intents"] == ["human_handoff"]
    assert [line["text"] for line in body["transcript"]] == ["Can I talk to a person?", "Hello? Anyone there?"]


def test_the_detail_has_the_contacts_consent_per_channel_and_the_messages_sent_to_them(app, rasa):
    handoff_id = hand_over(app, rasa)
    sender = sender_of(app, handoff_id)
    with session_scope(app.db_url) as session:
        consent.record(session, sender, "socketio", consent.OPTED_IN, "widget checkbox", wording="Offers by chat?")
        consent.record(session, sender, "twilio", consent.OPTED_OUT, "keyword STOP")
        session.add(
            OutboundMessage(
                sender_id=sender,
                channel="facebook",
                message_type="meeting_reminder",
                kind="transactional",
                response="utter_x",
                variables="{}",
                status="sent",
                attempts=0,
                tag="CONFIRMED_EVENT_UPDATE",
                sent_at=naive_now(),
            )
        )
    body = get(app, f"/conversations/{handoff_id}", token_of(app, BEN)).json()
    assert [(c["channel"], c["status"], c["source"], c["wording"]) for c in body["consent"]] == [
        ("socketio", "opted_in", "widget checkbox", "Offers by chat?"),
        ("twilio", "opted_out", "keyword STOP", None),
    ]
    [message] = body["outbound"]
    assert (message["message_type"], message["channel"], message["status"], message["tag"]) == (
        "meeting_reminder",
        "facebook",
        "sent",
        "CONFIRMED_EVENT_UPDATE",
    )


def test_opt_out_rates_above_three_percent_are_flagged_and_logged(app):
    start = naive_now() - timedelta(days=2)
    with session_scope(app.db_url) as session:
        for n in range(10):
            session.add(
                OutboundMessage(
                    sender_id=f"rate-{n}",
                    channel="twilio",
                    message_type="back_in_stock",
                    kind="marketing",
                    response="utter_x",
                    variables="{}",
                    status="sent",
                    attempts=0,
                    sent_at=start,
                )
            )
        consent.record(session, "rate-0", "twilio", consent.OPTED_OUT, "keyword STOP", at=start + timedelta(hours=1))
    assert get(app, "/outbound/opt-outs").status_code == 401
    body = get(app, "/outbound/opt-outs", token_of(app, BEN)).json()
    [rate] = [r for r in body["rates"] if r["message_type"] == "back_in_stock"]
    assert (rate["sent"], rate["opt_outs"], rate["rate"], rate["warning"]) == (10, 1, 0.1, True)
    assert body["threshold"] == 0.03
    assert "10.0% of the back_in_stock messages sent on twilio" in app.log()


def test_once_taken_nobody_else_can_take_it(app, rasa):
    handoff_id = hand_over(app, rasa)
    sender = sender_of(app, handoff_id)
    alice, ben = token_of(app, ALICE), token_of(app, BEN)
    taken = post(app, f"/conversations/{handoff_id}/take", alice)
    assert taken.status_code == 200
    assert taken.json()["conversation"]["status"] == "active"
    assert taken.json()["conversation"]["agent"]["name"] == "Alice Moreno"
    [joined] = delivered_to(rasa, sender)
    assert (
        joined["text"] == render("utter_agent_joined", agent_name="Alice Moreno", team_name="Customer support")["text"]
    )
    assert joined["metadata"]["agent"]["name"] == "Alice Moreno" and joined["channel"] == "latest"

    refused = post(app, f"/conversations/{handoff_id}/take", ben)
    assert refused.status_code == 409
    assert refused.json() == {"error": "Alice Moreno is already answering this conversation."}
    assert post(app, f"/conversations/{handoff_id}/messages", ben, text="Me too").status_code == 409
    assert post(app, f"/conversations/{handoff_id}/take", alice).status_code == 200  # again: no second hello
    assert len(delivered_to(rasa, sender)) == 1
    ben_sees = get(app, "/conversations", ben).json()
    conv = next(c for c in ben_sees["queues"]["support"] if c["id"] == handoff_id)
    assert conv["status"] == "active" and conv["agent"]["name"] == "Alice Moreno"
    alice_sees = get(app, "/conversations", alice).json()
    assert handoff_id in {c["id"] for c in alice_sees["mine"]}
    assert handoff_id not in {c["id"] for c in alice_sees["queues"]["support"]}


def test_going_online_brings_the_queue_to_the_agent(app, rasa):
    ben = token_of(app, BEN)
    handoff_id = hand_over(app, rasa)
    try:
        assert post(app, "/presence", ben, online=True).json()["agent"]["online"] is True
        mine = get(app, "/conversations", ben).json()["mine"]
        conv = next(c for c in mine if c["id"] == handoff_id)
        assert conv["status"] == "assigned" and conv["agent"]["name"] == "Ben Carter"
    finally:
        post(app, "/presence", ben, online=False)


# --------------------------------------------------------------------------- replying


@pytest.mark.parametrize(
    "body, message",
    [
        ({"text": ""}, "Write a message first."),
        ({"text": "   \n "}, "Write a message first."),
        ({"text": 42}, "Write a message first."),
        ({}, "Write a message first."),
        ({"text": "x" * 2001}, "Keep a message under 2000 characters."),
    ],
)
def test_a_reply_must_have_text_and_not_too_much(app, rasa, body, message):
    handoff_id = hand_over(app, rasa)
    answer = requests.post(
        api(app, f"/conversations/{handoff_id}/messages"), json=body, headers=token_of(app, ALICE), timeout=10
    )
    assert answer.status_code == 400 and answer.json() == {"error": message}
    row = handoff_row(app, handoff_id)
    assert (row.status, row.first_reply_at) == ("queued", None)
    assert delivered_to(rasa, row.sender_id) == []


def test_a_reply_reaches_the_customer_and_takes_the_conversation(app, rasa):
    handoff_id = hand_over(app, rasa)
    sender = sender_of(app, handoff_id)
    answer = post(
        app,
        f"/conversations/{handoff_id}/messages",
        token_of(app, ALICE),
        text="  Hi Robin, I'm looking at order 1042 now.\nOne moment.  ",
    )
    assert answer.status_code == 200
    assert answer.json()["conversation"]["first_reply_at"] is not None
    joined, reply = delivered_to(rasa, sender)
    assert joined["text"].endswith("has joined the chat.")
    assert reply["text"] == "Hi Robin, I'm looking at order 1042 now.\nOne moment."
    assert reply["metadata"]["agent"]["name"] == "Alice Moreno" and reply["metadata"]["agent"]["team"] == "support"
    row = handoff_row(app, handoff_id)
    assert row.status == "active" and row.first_reply_at is not None
    transcript = get(app, f"/conversations/{handoff_id}", token_of(app, BEN)).json()["transcript"]
    assert transcript[-1] == {
        "who": "agent",
        "text": reply["text"],
        "agent": "Alice Moreno",
        "at": transcript[-1]["at"],
    }


def test_when_rasa_is_down_nothing_counts_as_replied(app, rasa):
    handoff_id = hand_over(app, rasa)
    sender = sender_of(app, handoff_id)
    alice = token_of(app, ALICE)
    rasa.fail = True
    answer = post(app, f"/conversations/{handoff_id}/messages", alice, text="Hello?")
    assert answer.status_code == 502
    assert answer.json()["error"].startswith("Your message did not reach the customer: Rasa answered 503")
    took = post(app, f"/conversations/{handoff_id}/take", alice)
    assert took.status_code == 502 and took.json()["error"].startswith("Could not reach the customer")
    row = handoff_row(app, handoff_id)
    assert (row.status, row.agent_id, row.first_reply_at) == ("queued", None, None)
    with session_scope(app.db_url) as session:
        kinds = list(session.scalars(select(HandoffEvent.kind).where(HandoffEvent.handoff_id == handoff_id)))
    assert kinds == ["queued"]
    detail = get(app, f"/conversations/{handoff_id}", alice)  # the packet's transcript stands in
    assert detail.status_code == 200 and detail.json()["transcript_error"].startswith("Live transcript unavailable")
    assert [line["text"] for line in detail.json()["transcript"]] == ["Can I talk to a person?"]

    rasa.fail = False
    assert post(app, f"/conversations/{handoff_id}/messages", alice, text="Hello?").status_code == 200
    assert [e["text"] for e in delivered_to(rasa, sender)][-1] == "Hello?"


def test_a_reply_delivered_whose_answer_was_lost_is_not_sent_twice_on_retry(app, rasa):
    """Rasa took the reply in but its answer never came back (a restart, a timeout): the agent
    sees the error and sends again with the same reply_id; the customer gets it once."""
    handoff_id = hand_over(app, rasa)
    sender = sender_of(app, handoff_id)
    alice = token_of(app, ALICE)
    rasa.lose_answers = True
    lost = post(app, f"/conversations/{handoff_id}/messages", alice, text="Hello Robin", reply_id="reply-0001")
    assert lost.status_code == 502
    assert lost.json()["error"].startswith("Your message did not reach the customer: Rasa server unreachable")
    assert lost.json()["error"].endswith("it will not be sent twice.")
    assert handoff_row(app, handoff_id).first_reply_at is None  # rolled back: not known to be sent
    [request] = [r for r in rasa.requests if r["sender"] == sender]  # notice and reply in one call
    assert [e["text"] for e in request["events"]][-1] == "Hello Robin"

    rasa.lose_answers = False
    again = post(app, f"/conversations/{handoff_id}/messages", alice, text="Hello Robin", reply_id="reply-0001")
    assert again.status_code == 200 and again.json()["conversation"]["first_reply_at"] is not None
    texts = [e["text"] for e in delivered_to(rasa, sender)]
    assert texts.count("Hello Robin") == 1
    assert sum(text.endswith("has joined the chat.") for text in texts) == 1
    row = handoff_row(app, handoff_id)
    assert (row.status, row.agent_id is not None, row.first_reply_at is not None) == ("active", True, True)

    other = post(app, f"/conversations/{handoff_id}/messages", alice, text="Hello Robin", reply_id="reply-0002")
    assert other.status_code == 200  # the same words as a new reply are a new message
    assert [e["text"] for e in delivered_to(rasa, sender)].count("Hello Robin") == 2


@pytest.mark.parametrize("reply_id", ["short", "x" * 65, "bad id!", 12345678, ["reply-0001"]])
def test_a_malformed_reply_id_is_refused(app, rasa, reply_id):
    handoff_id = hand_over(app, rasa)
    answer = post(app, f"/conversations/{handoff_id}/messages", token_of(app, ALICE), text="Hi", reply_id=reply_id)
    assert answer.status_code == 400 and "reply_id" in answer.json()["error"]
    assert delivered_to(rasa, sender_of(app, handoff_id)) == []


# --------------------------------------------------------------------------- closing


def test_closing_needs_a_note_and_gives_the_chat_back_to_the_bot(app, rasa):
    handoff_id = hand_over(app, rasa)
    sender = sender_of(app, handoff_id)
    alice, ben = token_of(app, ALICE), token_of(app, BEN)
    assert post(app, f"/conversations/{handoff_id}/close", alice, note="Early").json() == {
        "error": "Take the conversation before closing it."
    }
    assert post(app, f"/conversations/{handoff_id}/take", alice).status_code == 200
    for note in (None, "", "   "):
        refused = post(app, f"/conversations/{handoff_id}/close", alice, note=note)
        assert refused.status_code == 409
        assert refused.json() == {"error": "Add a closing note: what was done, and what is left."}
    assert post(app, f"/conversations/{handoff_id}/close", ben, note="Not mine").status_code == 409
    assert not any(e["event"] == "resume" for r in rasa.requests if r["sender"] == sender for e in r["events"])

    closed = post(app, f"/conversations/{handoff_id}/close", alice, note="  Refund sent; nothing left.  ")
    assert closed.status_code == 200
    assert closed.json()["conversation"]["status"] == "closed"
    [request] = [r for r in rasa.requests if r["sender"] == sender and r["events"][0]["event"] == "resume"]
    # The bot says the agent left, then asks the satisfaction question as csat_form asks it.
    assert [e["event"] for e in request["events"]] == ["resume", "bot", "active_loop", "slot", "slot", "bot", "action"]
    assert request["events"][1]["text"] == render("utter_agent_left", agent_name="Alice Moreno")["text"]
    assert request["events"][2] == {
        "event": "active_loop",
        "name": "csat_form",
        "timestamp": request["events"][2]["timestamp"],
    }
    assert request["events"][5]["text"] == render("utter_ask_csat_rating")["text"]
    assert len(request["events"][5]["data"]["buttons"]) == 6
    with session_scope(app.db_url) as session:
        [asked] = session.scalars(select(CsatResponse).where(CsatResponse.sender_id == sender)).all()
        assert (asked.outcome, asked.rating) == ("agent_closed", None)
    assert rasa.tracker(sender)["paused"] is False
    row = handoff_row(app, handoff_id)
    assert (row.status, row.closed_by, row.closing_note) == ("closed", "agent", "Refund sent; nothing left.")
    assert handoff_id not in listed_ids(get(app, "/conversations", alice))
    again = post(app, f"/conversations/{handoff_id}/close", alice, note="Again")
    assert again.status_code == 409 and again.json() == {"error": "This conversation is already closed."}
    assert post(app, f"/conversations/{handoff_id}/take", ben).status_code == 409


def test_closing_while_rasa_is_down_keeps_the_conversation_open(app, rasa):
    handoff_id = hand_over(app, rasa)
    alice = token_of(app, ALICE)
    assert post(app, f"/conversations/{handoff_id}/take", alice).status_code == 200
    rasa.fail = True
    answer = post(app, f"/conversations/{handoff_id}/close", alice, note="Done")
    assert answer.status_code == 502 and "Could not hand the chat back" in answer.json()["error"]
    row = handoff_row(app, handoff_id)
    assert (row.status, row.closing_note) == ("active", None)


# --------------------------------------------------------------------------- a slow Rasa


def test_a_slow_rasa_does_not_freeze_the_inbox(app, rasa, monkeypatch):
    """Handlers wait for Rasa inside their transaction. Before the inbox serialized its
    transactions, a second request writing meanwhile (every call writes the presence heartbeat)
    blocked the web app's event loop on SQLite's lock: 30 s, then 500 for both."""
    first, second = hand_over(app, rasa), hand_over(app, rasa)
    alice, ben = token_of(app, ALICE), token_of(app, BEN)
    answering = rasa.tracker

    def slowly(sender):
        time.sleep(0.8)
        return answering(sender)

    monkeypatch.setattr(rasa, "tracker", slowly)
    calls = [
        lambda: get(app, f"/conversations/{first}", alice),
        lambda: post(app, f"/conversations/{second}/take", ben),
        lambda: get(app, "/conversations", alice),
        lambda: get(app, "/conversations", ben),
    ]
    with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
        answers = list(pool.map(lambda call: call(), calls))
    assert [a.status_code for a in answers] == [200, 200, 200, 200], [a.text[:200] for a in answers]
    assert answers[0].json()["transcript_error"] is None


def test_a_locked_database_stalls_only_the_requests_that_wait_for_it(app, rasa):
    """Database calls run off the event loop: while another process holds SQLite's write lock,
    an inbox call (it writes the presence heartbeat) waits on its thread and the shop's pages,
    which only read, are served meanwhile by the same event loop."""
    alice = token_of(app, ALICE)
    holder = sqlite3.connect(app.db_url.removeprefix("sqlite:///"), timeout=1, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock; readers go on (WAL)
    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(get, app, "/conversations", alice)
            time.sleep(0.5)  # the inbox call is now waiting for the lock
            for path in ("/inbox/", "/", "/health"):
                assert requests.get(f"{app.url}{path}", timeout=5).status_code == 200, path
            assert not waiting.done()
            holder.execute("ROLLBACK")
            assert waiting.result(timeout=30).status_code == 200
    finally:
        holder.close()


async def test_a_rasa_that_does_not_answer_in_time_is_a_rasa_error(rasa, monkeypatch):
    """aiohttp's timeout is asyncio.TimeoutError, not the builtin TimeoutError on Python 3.10:
    it used to escape RasaClient and turn into a 500 instead of a 502."""
    answering = rasa.tracker
    monkeypatch.setattr(rasa, "tracker", lambda sender: time.sleep(1.0) or answering(sender))
    with pytest.raises(RasaError, match="no answer in time"):
        await RasaClient(rasa.url, rasa.token, timeout=0.3).tracker("slow-one")


def test_the_page_is_served_without_caching(app):
    page = requests.get(f"{app.url}/inbox/", timeout=10)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert '<script src="/static/inbox.js" defer></script>' in page.text
    for asset in ("/static/inbox.js", "/static/inbox.css"):
        assert requests.get(f"{app.url}{asset}", timeout=10).status_code == 200


def test_health_says_which_dependency_is_down(app, rasa):
    assert requests.get(f"{app.url}/health", timeout=10).json() == {"status": "ok", "database": "ok", "rasa": "ok"}
    rasa.fail = True
    down = requests.get(f"{app.url}/health", timeout=10)
    assert down.status_code == 503
    assert down.json() == {"status": "down", "database": "ok", "rasa": "down: unreachable"}


def test_an_agent_with_an_older_pbkdf2_hash_logs_in_and_gets_argon2(app):
    from tests.web.test_auth import pbkdf2_hash

    with session_scope(app.db_url) as session:
        session.scalar(select(Agent).where(Agent.email == BEN)).password_hash = pbkdf2_hash(PASSWORD)
    assert login(app, BEN).status_code == 200
    with session_scope(app.db_url) as session:
        assert session.scalar(select(Agent).where(Agent.email == BEN)).password_hash.startswith("$argon2id$")
    assert login(app, BEN).status_code == 200  # and the new hash verifies


def test_metrics_show_the_handoffs_by_status(app):
    text = requests.get(f"{app.url}/metrics", timeout=10).text
    assert "# TYPE shop_handoffs gauge" in text and "shop_agent_replies_total" in text


def test_the_erasure_api_is_off_without_its_token(app):
    answer = requests.post(f"{app.url}/privacy/api/erase", json={"sender_id": "x"}, timeout=10)
    assert answer.status_code == 503 and "PRIVACY_API_TOKEN" in answer.json()["error"]


def test_the_satisfaction_question_is_not_asked_twice_a_day_nor_after_an_opt_out(app, rasa):
    from shop.contacts import set_opted_out

    alice = token_of(app, ALICE)
    asked = []
    for opted_out in (False, True):
        handoff_id = hand_over(app, rasa)
        sender = sender_of(app, handoff_id)
        with session_scope(app.db_url) as session:
            if opted_out:
                set_opted_out(session, sender, True)
            else:  # asked an hour ago, after another chat
                session.add(CsatResponse(sender_id=sender, outcome="order", asked_at=naive_now() - timedelta(hours=1)))
        assert post(app, f"/conversations/{handoff_id}/take", alice).status_code == 200
        assert post(app, f"/conversations/{handoff_id}/close", alice, note="Done.").status_code == 200
        [request] = [r for r in rasa.requests if r["sender"] == sender and r["events"][0]["event"] == "resume"]
        asked.append(any(e["event"] == "active_loop" for e in request["events"]))
    assert asked == [False, False]
