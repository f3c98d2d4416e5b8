"""The agent inbox page (web/static/inbox.*) in headless Chromium, against the real web app
(python -m web) and a stand-in for Rasa's HTTP API: log in, find the handed-over conversation in
its team's queue, read its context packet and transcript, take it, reply, see the customer's
answer arrive without reloading, and close it with a note. Screenshots: results/browser/."""

import re
import secrets
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from shop import consent
from shop.db import session_scope
from shop.handoff import assignment
from shop.handoff.context import build_packet
from shop.handoff.routing import load_config
from shop.models import Agent, Delivery, Handoff, OutboundMessage
from tests.support import database
from tests.support.web_app import RasaStandIn, WebApp, set_agent_password, wait_until

PASSWORD = "correct-horse-battery"
AGENT_EMAIL = "alice@shop.example"
AGENT_NAME = "Alice Moreno"
CLOSE_NOTE_MISSING = "Add a closing note: what was done, and what is left."
# The UI updates every 3 s; this leaves room for one missed round.
POLL_TIMEOUT_MS = 8000


@pytest.fixture
def inbox(seeded_template, tmp_path):
    """The web app on its own copy of the seeded shop, Alice with a password, and the stand-in."""
    path = tmp_path / "shop.db"
    database.copy_database(seeded_template, path)
    db_url = f"sqlite:///{path}"
    set_agent_password(db_url, AGENT_EMAIL, PASSWORD)
    rasa = RasaStandIn(secrets.token_hex(8))
    app = WebApp(tmp_path, db_url, rasa)
    try:
        yield SimpleNamespace(url=app.url, db_url=db_url, rasa=rasa, app=app)
    finally:
        app.stop()
        rasa.stop()


def user_event(text: str, intent: str, at: float):
    return {
        "event": "user",
        "text": text,
        "timestamp": at,
        "parse_data": {"intent": {"name": intent}},
        "input_channel": "socketio",
    }


def bot_event(text: str, at: float):
    return {"event": "bot", "text": text, "timestamp": at, "data": {}}


def hand_over(inbox, sender_id: str, name: str, events, slots=None, lead=None) -> str:
    """A support handoff as action_human_handoff opens it, and the paused conversation in the
    stand-in with the same events. Returns its reference."""
    now = datetime.now(timezone.utc)
    packet = build_packet(
        events=events,
        slots=slots or {},
        reason="customer_asked",
        team="support",
        channel="socketio",
        sender_id=sender_id,
        name=name,
        lead=lead,
    )
    with session_scope(inbox.db_url) as session:
        handoff, created = assignment.open_handoff(
            session,
            load_config(),
            sender_id=sender_id,
            channel="socketio",
            team="support",
            reason="customer_asked",
            context=packet,
            now=now,
        )
        assert created and handoff.status == "queued"  # nobody is online yet
        reference = handoff.reference
    inbox.rasa.tracker(sender_id)["events"].extend(dict(event) for event in events)
    inbox.rasa.pause(sender_id)
    return reference


def watch_errors(page):
    """Uncaught script errors, console errors and failed requests of the page (Chromium logs
    each failed request to the console too: those are kept as 'METHOD path -> status')."""
    errors = []
    page.on("pageerror", lambda problem: errors.append(f"pageerror: {problem}"))
    page.on(
        "console",
        lambda message: (
            errors.append(f"console: {message.text}")
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            errors.append(
                f"{response.request.method} {re.sub(r'^https?://[^/]+', '', response.url)} -> {response.status}"
            )
            if response.status >= 400
            else None
        ),
    )
    return errors


def log_in(page, password: str) -> None:
    page.get_by_label("Email").fill(AGENT_EMAIL)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()


def delivered(rasa, sender_id: str, text_pattern: str):
    return [
        event
        for event in rasa.delivered
        if event["sender"] == sender_id and re.search(text_pattern, event.get("text") or "")
    ]


def resumed(rasa, sender_id: str) -> bool:
    return any(
        request["sender"] == sender_id and any(e["event"] == "resume" for e in request["events"])
        for request in rasa.requests
    )


def test_agent_takes_answers_and_closes_a_handed_over_chat(inbox, browser, screenshot):
    sender = "web-" + secrets.token_hex(4)
    start = time.time() - 180
    reference = hand_over(
        inbox,
        sender,
        "Dana Fox",
        [
            user_event("My Trail Runner shoes came in the wrong size", "order_status", start),
            bot_event("Sorry about that! Which order is it?", start + 5),
            user_event("Order 1042. Can I talk to a person please?", "human_handoff", start + 40),
        ],
        slots={"product": "Trail Runner", "size": "42", "order_id": "1042", "email": "dana@example.com"},
        lead={"need": "Shoes for a running club", "company_size": 25, "score": 64, "grade": "warm"},
    )

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = watch_errors(page)
    try:
        page.goto(f"{inbox.url}/inbox/")

        # A wrong password first: said in the live region, and no way in.
        expect(page.get_by_role("heading", name="Agent inbox")).to_be_visible()
        log_in(page, "not-the-password")
        expect(page.get_by_role("alert").filter(has_text="Wrong email or password.")).to_be_visible()
        expect(page.locator("#login-error")).to_have_attribute("aria-live", "assertive")
        expect(page.locator("#inbox-view")).to_be_hidden()
        screenshot(page, "1-login-refused")

        log_in(page, PASSWORD)
        expect(page.locator("#agent-name")).to_have_text(AGENT_NAME)
        expect(page.get_by_role("button", name="Away", exact=True)).to_have_attribute("aria-pressed", "true")

        # The conversation waits in the Customer support queue, with its reason and contact.
        queue = page.locator('section[data-queue="team-support"]')
        expect(queue.get_by_role("heading")).to_contain_text("Customer support")
        item = queue.locator("button.conversation", has_text=reference)
        expect(item).to_contain_text("Dana Fox")
        expect(item).to_contain_text("The customer asked for a person.")
        expect(item.locator(".badge")).to_have_text("waiting")
        expect(item.locator(".waiting")).to_have_text(re.compile(r"^Waiting (under a minute|\d+ min)$"))
        expect(page.locator('section[data-queue="mine"]')).to_contain_text("Nothing assigned to you.")
        screenshot(page, "2-queue")

        # Opening it shows the context packet and the transcript.
        item.click()
        expect(page.locator("#detail-title")).to_have_text(f"{reference}: Dana Fox")
        expect(page.locator("#detail-title")).to_be_focused()
        expect(item).to_have_attribute("aria-current", "true")
        expect(page.locator("#ctx-reason")).to_have_text("The customer asked for a person.")
        contact = page.locator("#ctx-contact")
        expect(contact).to_contain_text("Dana Fox")
        expect(contact).to_contain_text("dana@example.com")
        expect(page.locator("#ctx-intents li")).to_have_text(["order_status", "human_handoff"])
        slots = page.locator("#ctx-slots")
        expect(slots.locator("dt")).to_have_text(["Product", "Size", "Order"])
        expect(slots.locator("dd")).to_have_text(["Trail Runner", "42", "1042"])
        expect(page.locator("#ctx-lead-score")).to_have_text("Score 64 · grade warm")
        expect(page.locator("#ctx-lead")).to_contain_text("Shoes for a running club")
        bubbles = page.locator("#transcript li.bubble")
        expect(bubbles).to_have_count(3)
        expect(bubbles.nth(0)).to_have_class(re.compile(r"\bbubble-customer\b"))
        expect(bubbles.nth(0)).to_contain_text("wrong size")
        expect(bubbles.nth(1)).to_have_class(re.compile(r"\bbubble-bot\b"))
        expect(bubbles.nth(1).locator(".speaker")).to_have_text("Assistant")
        expect(page.get_by_role("button", name="Close…", exact=True)).to_be_hidden()  # take it first
        screenshot(page, "3-conversation")

        # Take: the customer hears who joined, the conversation moves to Mine.
        page.get_by_role("button", name="Take", exact=True).click()
        joined = wait_until(lambda: delivered(inbox.rasa, sender, r"has joined the chat\.$"))
        assert joined[0]["text"] == f"{AGENT_NAME} from our Customer support team has joined the chat."
        assert joined[0]["metadata"]["agent"]["name"] == AGENT_NAME
        mine = page.locator('section[data-queue="mine"]').locator("button.conversation", has_text=reference)
        expect(mine.locator(".badge")).to_have_text(f"with {AGENT_NAME}")
        expect(queue.locator("button.conversation", has_text=reference)).to_have_count(0)
        expect(page.get_by_role("button", name="Take", exact=True)).to_be_hidden()
        expect(bubbles.last.locator(".speaker")).to_have_text(AGENT_NAME)
        expect(bubbles.last).to_have_class(re.compile(r"\bbubble-agent\b"))

        # Reply: Shift+Enter is a new line, Enter sends.
        box = page.get_by_label("Reply to the customer")
        expect(box).to_be_focused()
        box.press_sequentially("Hi Dana, I'm sorry about the size.")
        box.press("Shift+Enter")
        box.press_sequentially("Which size do you need instead?")
        box.press("Enter")
        reply_text = "Hi Dana, I'm sorry about the size.\nWhich size do you need instead?"
        reply = wait_until(lambda: [e for e in delivered(inbox.rasa, sender, "Which size") if e["text"] == reply_text])
        assert reply[0]["metadata"]["agent"] == {
            "id": reply[0]["metadata"]["agent"]["id"],
            "name": AGENT_NAME,
            "team": "support",
        }
        expect(box).to_have_value("")
        expect(bubbles.last).to_contain_text("Which size do you need instead?")
        expect(bubbles.last.locator(".speaker")).to_have_text(AGENT_NAME)
        screenshot(page, "4-replied")

        # Rasa takes a reply in but its answer is lost: the agent sees why, sends again, and the
        # customer gets the message once.
        inbox.rasa.lose_answers = True
        box.fill("Your new pair ships today.")
        box.press("Enter")
        expect(page.locator("#reply-error")).to_contain_text("Send it again: it will not be sent twice.")
        expect(box).to_have_value("Your new pair ships today.")
        inbox.rasa.lose_answers = False
        page.get_by_role("button", name="Send", exact=True).click()
        expect(box).to_have_value("")
        expect(page.locator("#reply-error")).to_have_text("")
        assert len(delivered(inbox.rasa, sender, r"^Your new pair ships today\.$")) == 1

        # The customer answers: it appears in the open transcript, the page is not reloaded.
        page.evaluate("window.__samePage = true")
        inbox.rasa.customer_said(sender, "A 43 please, same colour.")
        expect(bubbles.last).to_contain_text("A 43 please, same colour.", timeout=POLL_TIMEOUT_MS)
        expect(bubbles.last).to_have_class(re.compile(r"\bbubble-customer\b"))
        assert page.evaluate("window.__samePage") is True
        screenshot(page, "5-customer-answered")

        # Close: a note is required; then the bot takes the chat back and it leaves the list.
        page.get_by_role("button", name="Close…", exact=True).click()
        dialog = page.get_by_role("dialog", name="Close the conversation")
        expect(dialog).to_be_visible()
        note = dialog.get_by_label("Closing note (required)")
        expect(note).to_be_focused()
        dialog.get_by_role("button", name="Close conversation").click()
        expect(dialog.get_by_role("alert")).to_have_text(CLOSE_NOTE_MISSING)
        expect(note).to_have_attribute("aria-invalid", "true")
        expect(dialog).to_be_visible()
        assert not resumed(inbox.rasa, sender)
        screenshot(page, "6-close-needs-a-note")

        note.fill("Exchanging for a 43 in blue; return label sent to dana@example.com.")
        dialog.get_by_role("button", name="Close conversation").click()
        expect(dialog).to_be_hidden()
        wait_until(lambda: resumed(inbox.rasa, sender))
        assert delivered(inbox.rasa, sender, rf"^{AGENT_NAME} has left the chat\.")
        expect(page.locator("#conversation-list button.conversation", has_text=reference)).to_have_count(0)
        expect(page.locator("#detail-title")).to_have_text("No conversation selected")
        expect(page.locator('section[data-queue="team-support"]')).to_contain_text("Nobody waiting.")
        with session_scope(inbox.db_url) as session:
            handoff = session.query(Handoff).filter_by(sender_id=sender).one()
            assert (handoff.status, handoff.closed_by) == ("closed", "agent")
            assert handoff.closing_note == "Exchanging for a 43 in blue; return label sent to dana@example.com."
            assert handoff.first_reply_at is not None
        screenshot(page, "7-closed")

        # Availability: Online and Away reach the server.
        page.get_by_role("button", name="Online", exact=True).click()
        expect(page.get_by_role("button", name="Online", exact=True)).to_have_attribute("aria-pressed", "true")
        with session_scope(inbox.db_url) as session:
            assert session.query(Agent).filter_by(email=AGENT_EMAIL).one().online is True

        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_label("Email")).to_be_visible()
        expect(page.locator("#login-error")).to_have_text("You have logged out.")
        page.reload()
        expect(page.get_by_label("Password")).to_be_visible()  # the session really ended
        expect(page.locator("#inbox-view")).to_be_hidden()
        # Only the refusals the story asked for: no session yet, the wrong password, the lost reply, logged out.
        assert [re.sub(r"/\d+/", "/N/", error) for error in errors] == [
            "GET /inbox/api/me -> 401",
            "POST /inbox/api/login -> 401",
            "POST /inbox/api/conversations/N/messages -> 502",
            "GET /inbox/api/me -> 401",
        ]
    finally:
        context.close()


def test_the_contacts_consent_the_messages_sent_and_the_opt_out_warning_are_shown(inbox, browser):
    sender = "web-" + secrets.token_hex(4)
    reference = hand_over(inbox, sender, "Lee Park", [user_event("A person please", "human_handoff", time.time())])
    sent_at = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=1)
    with session_scope(inbox.db_url) as session:
        consent.record(session, sender, "socketio", consent.OPTED_IN, "widget checkbox", wording="Offers?")
        consent.record(session, sender, "twilio", consent.OPTED_OUT, "keyword STOP", at=sent_at + timedelta(hours=1))
        session.add(
            OutboundMessage(
                sender_id=sender,
                channel="twilio",
                message_type="shipping_update",
                kind="transactional",
                response="utter_x",
                variables="{}",
                status="sent",
                attempts=0,
                sent_at=sent_at,
            )
        )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = watch_errors(page)
    try:
        page.goto(f"{inbox.url}/inbox/")
        log_in(page, PASSWORD)
        warning = page.locator("#opt-out-warning")
        expect(warning).to_contain_text("100.0% of the shipping update messages sent on twilio")
        expect(warning).to_contain_text("(above 3%)")
        page.locator("button.conversation", has_text=reference).click()
        consent_list = page.locator("#ctx-consent")
        expect(consent_list.locator("dt")).to_have_text(["socketio", "twilio"])
        expect(consent_list.locator("dd").nth(0)).to_contain_text("opted in (widget checkbox")
        expect(consent_list.locator("dd").nth(1)).to_contain_text("opted out (keyword STOP")
        expect(page.locator("#ctx-outbound dt")).to_have_text(["shipping update"])
        expect(page.locator("#ctx-outbound dd")).to_contain_text("sent · on twilio")
        assert errors == ["GET /inbox/api/me -> 401"]  # before logging in, as always
    finally:
        context.close()


def test_support_sees_the_deliveries_and_sends_a_parked_one_again(inbox, browser, screenshot):
    sender = "web-" + secrets.token_hex(4)
    reference = hand_over(inbox, sender, "Kim Ode", [user_event("A person please", "human_handoff", time.time())])
    with session_scope(inbox.db_url) as session:
        for status, attempts, last_error in (("sent", 1, None), ("parked", 8, "default answered 503: busy")):
            session.add(
                Delivery(
                    event_id=secrets.token_hex(8),
                    event="lead.created",
                    target="webhook:default",
                    sender_id=sender,
                    subject="lead:7",
                    payload="{}",
                    status=status,
                    attempts=attempts,
                    last_error=last_error,
                )
            )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = watch_errors(page)
    try:
        page.goto(f"{inbox.url}/inbox/")
        log_in(page, PASSWORD)
        page.locator("button.conversation", has_text=reference).click()
        expect(page.locator("#ctx-deliveries dd")).to_have_count(2)
        expect(page.locator("#ctx-deliveries dd").nth(0)).to_contain_text("parked · 8 attempts · webhook:default")
        page.get_by_role("button", name="Deliveries", exact=True).click()
        dialog = page.locator("#deliveries-dialog")
        expect(dialog.locator("#deliveries-counts")).to_contain_text("1 sent · 1 parked")
        page.get_by_label("Show").select_option("parked")
        expect(dialog.locator("#deliveries-list li")).to_have_count(1)
        expect(dialog.locator("#deliveries-list li")).to_contain_text("default answered 503: busy")
        screenshot(page, "inbox-deliveries")
        dialog.get_by_role("button", name="Send again").click()
        expect(dialog.locator("#deliveries-list li")).to_have_text(["No deliveries."])
        expect(dialog.locator("#deliveries-counts")).to_contain_text("1 pending")
        assert errors == ["GET /inbox/api/me -> 401"]
    finally:
        context.close()


def test_inbox_on_a_phone(inbox, browser, screenshot):
    sender = "web-" + secrets.token_hex(4)
    # Whatever a contact calls themselves is shown as text, never run as markup.
    name = '<img src=x onerror="window.__injected = 1">Sam'
    reference = hand_over(inbox, sender, name, [user_event("I need a human", "human_handoff", time.time() - 30)])

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    errors = watch_errors(page)
    try:
        page.goto(f"{inbox.url}/inbox/")
        for field in ("Email", "Password"):
            expect(page.get_by_label(field)).to_be_visible()  # the form shows once the session check answers
            box = page.get_by_label(field).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["width"] > 250
        screenshot(page, "1-login")
        log_in(page, PASSWORD)

        item = page.locator("button.conversation", has_text=reference)
        expect(item).to_contain_text(name)
        expect(page.locator("#conversation-list img")).to_have_count(0)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "2-list")

        item.tap()
        expect(page.locator("#detail-title")).to_have_text(f"{reference}: {name}")
        take = page.get_by_role("button", name="Take", exact=True)
        expect(take).to_be_visible()
        list_box = page.locator("#conversation-list").bounding_box()
        detail_box = page.locator("#detail").bounding_box()
        assert detail_box["y"] >= list_box["y"] + list_box["height"]  # stacked, not side by side
        assert detail_box["x"] + detail_box["width"] <= 390
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.evaluate("window.__injected") is None
        screenshot(page, "3-conversation")
        assert errors == ["GET /inbox/api/me -> 401"]  # the first visit, before logging in
    finally:
        context.close()
