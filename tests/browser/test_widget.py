"""The chat widget in a real headless Chromium, on the demo shop served by the web app, talking to
the real Rasa server and action server over Rasa's socket.io channel: a purchase with buttons and
a product card, the conversation kept across a reload and across pages, the page-aware greetings,
page and UTM metadata kept in the tracker, an agent joining, the keyboard, and a phone-sized
screen. Screenshots of each step go to results/browser/."""

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from shop.visit import visit_from_events
from tests.support.web_app import WebApp

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "web" / "static" / "vendor" / "socket.io.min.js"
SCREENSHOTS = ROOT / "results" / "browser"
TURN = 60_000  # ms for one answer: the first turns of a fresh Rasa server are slow on 2 cores


@pytest.fixture(scope="module")
def shop(browser, servers, tmp_path_factory):
    """The web app pointed at the run's real servers (tests/conftest.py: started once per run, Rasa
    takes ~100 s to load); `browser` first, so a missing Chromium skips before anything starts."""
    if not VENDOR.exists():
        pytest.fail(f"{VENDOR} is missing: run `make web-assets` (make install does it)")
    # The same inbox settings as the run's other web app: both sweep the one shop database.
    web = WebApp(
        tmp_path_factory.mktemp("widget"),
        servers.shop_db,
        SimpleNamespace(url=servers.url, token=servers.token),
        extra_env={"RASA_PUBLIC_URL": servers.url, "INBOX_CONFIG": servers.env["INBOX_CONFIG"]},
    )
    yield SimpleNamespace(url=web.url, servers=servers, web=web)
    web.stop()


@pytest.fixture
def new_page(browser, shop):
    """new_page(width, height): a page in a fresh browser context (empty localStorage)."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TURN)
    contexts = []

    def make(width=1280, height=860):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
        # Records each show/hide of the typing indicator.
        page.add_init_script("""
            window.__typing = [];
            document.addEventListener("DOMContentLoaded", () => {
              const node = document.querySelector(".sc-typing");
              new MutationObserver(() => window.__typing.push(!node.hidden))
                .observe(node, {attributes: true, attributeFilter: ["hidden"]});
            });""")
        return page

    yield make
    for context in contexts:
        context.close()
    expect.set_options(timeout=5_000)  # Playwright's default, for the tests of other modules


@pytest.fixture
def snap(request):
    """snap(page, "name"): what the customer sees (the viewport: the chat panel is fixed to it) in
    results/browser/<test>-<name>.png. A full-page capture resizes the viewport, and Chromium then
    scrolls the focused reply button back into view, so it would not show the newest message."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path))
        return path

    return take


# --------------------------------------------------------------------------- helpers


def log_of(page):
    return page.get_by_role("log", name="Conversation")


def bot_messages(page):
    """The assistant's and agents' messages, without the privacy notice of a first contact."""
    from tests.support.servers import NOTICE_START

    return page.locator(".sc-msg.sc-bot, .sc-msg.sc-agent").filter(has_not_text=NOTICE_START)


def wait_for_bot(page, count, text=None):
    """Waits until there are at least `count` assistant messages; returns the last one."""
    from playwright.sync_api import expect

    messages = bot_messages(page)
    expect(messages.nth(count - 1)).to_be_visible()
    last = messages.last
    if text:
        expect(last).to_contain_text(text)
    return last


def say(page, text):
    box = page.get_by_label("Your message")
    box.fill(text)
    box.press("Enter")


def click_choice(page, title):
    log_of(page).get_by_role("button", name=title, exact=True).last.click()


def session_id(page):
    return json.loads(page.evaluate("localStorage.getItem('shopChat:session')") or "null")


def tracker(shop, sender):
    answer = requests.get(
        f"{shop.servers.url}/conversations/{sender}/tracker", params={"token": shop.servers.token}, timeout=30
    )
    answer.raise_for_status()
    return answer.json()


def user_events(shop, sender):
    return [e for e in tracker(shop, sender)["events"] if e["event"] == "user"]


def open_widget(page):
    from playwright.sync_api import expect

    page.get_by_role("button", name="Chat with us").click()
    expect(page.get_by_role("dialog", name="Shop assistant")).to_be_visible()


def no_errors(page):
    assert page.errors == []


# --------------------------------------------------------------------------- tests


def test_purchase_with_buttons_and_a_product_card_kept_across_reload_and_pages(shop, new_page, screenshot, snap):
    from playwright.sync_api import expect

    page = new_page()
    page.goto(shop.url + "/?utm_source=newsletter&utm_medium=email&utm_campaign=spring")
    screenshot(page, "1-home")
    open_widget(page)
    greeting = wait_for_bot(page, 1, "Hi! I'm the shop assistant.")
    expect(greeting.get_by_role("button", name="Browse products")).to_be_visible()
    snap(page, "2-greeting")

    say(page, "tell me about the hoodie")
    answer = wait_for_bot(page, 2, "Hoodie: $65.00.")
    card = answer.get_by_role("group", name="Product: Hoodie")
    expect(card).to_contain_text("$65.00")
    expect(card).to_contain_text("In stock")
    expect(card).to_contain_text("Sizes: S, M, L, XL")
    assert True in page.evaluate("window.__typing"), "the typing indicator was shown"
    expect(page.locator(".sc-typing")).to_be_hidden()
    snap(page, "3-product-card")

    click_choice(page, "Buy it")
    expect(page.locator(".sc-msg.sc-user").last).to_have_text("You: Buy it")
    wait_for_bot(page, 3, "size")
    click_choice(page, "M")
    wait_for_bot(page, 4, "color")
    click_choice(page, "black")
    wait_for_bot(page, 5, "How many")
    say(page, "1")
    wait_for_bot(page, 6, "email")
    say(page, "sam.lee@example.com")
    confirm = wait_for_bot(page, 7, "1 x Hoodie (black, size M)")
    expect(confirm).to_contain_text("Shall I place the order?")
    snap(page, "4-confirm")
    sender = session_id(page)
    assert sender

    # A reload shows the whole conversation and continues it: the order is placed from the
    # slots filled before the reload, with a button drawn from the stored history.
    page.reload()
    expect(page.get_by_role("dialog", name="Shop assistant")).to_be_visible()
    expect(bot_messages(page)).to_have_count(7)
    expect(log_of(page)).to_contain_text("tell me about the hoodie")
    expect(log_of(page).get_by_role("group", name="Product: Hoodie")).to_be_visible()
    snap(page, "5-after-reload")
    click_choice(page, "Yes, place the order")
    # The order, then the satisfaction question with its buttons (the chat reached an outcome).
    wait_for_bot(page, 9, "how did I do?")
    done = bot_messages(page).nth(7)
    expect(done).to_contain_text("Your order A10")
    expect(done).to_contain_text("in total")
    expect(bot_messages(page).nth(8).get_by_role("button", name="5")).to_be_visible()
    assert session_id(page) == sender
    slots = tracker(shop, sender)["slots"]
    assert slots["product"] == "Hoodie" and slots["order_id"].startswith("A10")
    snap(page, "6-ordered")

    # Another page of the shop: the same conversation, and the pricing page's own greeting the
    # first time the widget is open there (it stays open from page to page).
    page.get_by_role("link", name="Business pricing").click()
    page.wait_for_url("**/pricing")
    pricing = wait_for_bot(page, 10, "business pricing")
    expect(log_of(page)).to_contain_text("Your order A10")
    for title in ("See business pricing", "Book a demo", "Talk to sales"):
        expect(pricing.get_by_role("button", name=title)).to_be_visible()
    snap(page, "7-pricing-greeting")
    click_choice(page, "See business pricing")
    wait_for_bot(page, 11, "What are you looking for?")  # a new request, not a rating
    snap(page, "8-lead-question")
    assert session_id(page) == sender

    # Back on the pricing page later: no second greeting.
    page.reload()
    expect(bot_messages(page)).to_have_count(11)
    page.wait_for_timeout(1500)
    expect(bot_messages(page)).to_have_count(11)

    events = user_events(shop, sender)
    assert events[0]["text"] == "/greet" and events[0]["metadata"]["page"] == "home"
    assert events[-1]["metadata"]["page"] == "pricing" and events[-1]["metadata"]["path"] == "/pricing"
    assert visit_from_events(events) == {
        "page": "pricing",
        "path": "/pricing",
        "product": None,
        "utm_source": "newsletter",
        "utm_medium": "email",
        "utm_campaign": "spring",
        "landing": "/?utm_source=newsletter&utm_medium=email&utm_campaign=spring",
    }
    assert all(e["input_channel"] == "socketio" for e in events)
    no_errors(page)


def test_a_fresh_visitor_on_the_pricing_page_gets_the_pricing_greeting(shop, new_page, snap):
    from playwright.sync_api import expect

    page = new_page()
    page.goto(shop.url + "/pricing")
    open_widget(page)
    greeting = wait_for_bot(page, 1, "business pricing")
    expect(greeting).to_contain_text("book a demo")
    snap(page, "greeting")
    # The page's call to action talks to the assistant.
    page.get_by_role("main").get_by_role("button", name="Book a demo").click()
    expect(page.locator(".sc-msg.sc-user").last).to_have_text("You: I'd like to book a demo")
    wait_for_bot(page, 2)
    snap(page, "book-a-demo")
    no_errors(page)


def test_a_product_page_knows_its_product(shop, new_page, screenshot, snap):
    from playwright.sync_api import expect

    page = new_page()
    page.goto(shop.url + "/products/running-shoes?utm_source=instagram&utm_campaign=run-club")
    expect(page.get_by_role("heading", name="Running Shoes")).to_be_visible()
    screenshot(page, "product-page")
    open_widget(page)
    greeting = wait_for_bot(page, 1, "I see you're looking at the Running Shoes ($110.00")
    expect(greeting.get_by_role("button", name="Buy it")).to_be_visible()
    say(page, "do you have it in size 10?")
    answer = wait_for_bot(page, 2, "Running Shoes in size 10")
    expect(answer).to_contain_text("in stock")
    snap(page, "size-10")

    events = user_events(shop, session_id(page))
    metadata = events[-1]["metadata"]
    assert (metadata["page"], metadata["product"], metadata["path"]) == (
        "product",
        "Running Shoes",
        "/products/running-shoes",
    )
    assert (metadata["utm_source"], metadata["utm_campaign"]) == ("instagram", "run-club")
    assert "utm_medium" not in metadata
    no_errors(page)


def test_waiting_for_an_agent_then_the_agent_joins_and_leaves(shop, new_page, snap):
    """The inbox's messages, sent the way it sends them: events through Rasa's HTTP API, delivered
    on the customer's channel."""
    from playwright.sync_api import expect

    page = new_page()
    page.goto(shop.url + "/")
    open_widget(page)
    wait_for_bot(page, 1, "shop assistant")
    sender = session_id(page)
    banner = page.locator(".sc-banner")

    def post(*events):
        answer = requests.post(
            f"{shop.servers.url}/conversations/{sender}/tracker/events",
            params={"token": shop.servers.token, "output_channel": "latest", "execute_side_effects": "true"},
            json=list(events),
            timeout=30,
        )
        answer.raise_for_status()

    post(
        {
            "event": "bot",
            "text": "I'm handing you over to our Sales team (reference H1).",
            "data": {"custom": {"handoff": {"status": "waiting", "team": "Sales"}}},
        },
        {"event": "pause"},
    )
    wait_for_bot(page, 2, "handing you over")
    expect(banner).to_have_text("Waiting for someone from Sales to join…")
    snap(page, "waiting")

    post(
        {
            "event": "bot",
            "text": "Hi, I'm Alex. How can I help?",
            "metadata": {"agent": {"name": "Alex Kim", "team": "Sales"}},
        }
    )
    agent_message = wait_for_bot(page, 3, "Hi, I'm Alex.")
    expect(agent_message.locator(".sc-sender")).to_have_text("Alex Kim · Sales")
    expect(banner).to_have_text("Alex Kim from Sales joined the chat")
    snap(page, "agent-joined")
    page.reload()
    expect(banner).to_have_text("Alex Kim from Sales joined the chat")
    # Messages sent before the reloaded page has rejoined its session are not shown (see README).
    expect(page.locator(".sc-status")).to_have_text("Online")

    post(
        {"event": "resume"},
        {
            "event": "bot",
            "text": "Alex Kim has left the chat. You're back with the shop assistant: anything else I can help with?",
        },
        {"event": "action", "name": "action_listen"},
    )
    wait_for_bot(page, 4, "has left the chat")
    expect(banner).to_be_hidden()
    no_errors(page)


def test_keyboard_only(shop, new_page, snap):
    from playwright.sync_api import expect

    page = new_page()
    page.goto(shop.url + "/")
    launcher = page.get_by_role("button", name="Chat with us")
    launcher.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Shop assistant")
    expect(dialog).to_be_visible()
    expect(page.get_by_label("Your message")).to_be_focused()
    wait_for_bot(page, 1, "shop assistant")
    page.keyboard.type("do you sell backpacks?")
    page.keyboard.press("Enter")
    expect(page.locator(".sc-msg.sc-user").last).to_have_text("You: do you sell backpacks?")
    wait_for_bot(page, 2)
    # Shift+Tab from the message box reaches the latest reply buttons; Enter on one sends it.
    page.keyboard.press("Shift+Tab")
    title = page.evaluate(
        "document.activeElement.closest('.sc-log') && document.activeElement.tagName === 'BUTTON'"
        " ? document.activeElement.textContent : null"
    )
    assert title, "a reply button has the focus"
    page.keyboard.press("Enter")
    expect(page.locator(".sc-msg.sc-user").last).to_have_text(f"You: {title}")
    wait_for_bot(page, 3)
    snap(page, "keyboard")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Chat with us")).to_be_focused()
    no_errors(page)


def test_phone_sized_screen(shop, new_page, screenshot, snap):
    from playwright.sync_api import expect

    page = new_page(390, 844)
    page.goto(shop.url + "/products/hoodie")
    screenshot(page, "product")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling"
    open_widget(page)
    dialog = page.get_by_role("dialog", name="Shop assistant")
    box = dialog.bounding_box()
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 390, 844), "the chat fills the screen"
    wait_for_bot(page, 1, "Hoodie ($65.00")
    say(page, "do you have it in black size M?")
    wait_for_bot(page, 2, "Hoodie")
    expect(page.get_by_label("Your message")).to_be_in_viewport()
    expect(page.get_by_role("button", name="Close chat")).to_be_in_viewport()
    assert page.evaluate("document.querySelector('.sc-dialog').scrollWidth") <= 390
    snap(page, "chat")
    page.get_by_role("button", name="Close chat").click()
    expect(dialog).to_be_hidden()
    no_errors(page)


def test_opening_the_chat_is_reported_once_per_tab_for_the_engagement_rate(shop, new_page):
    """The funnel's denominator: the widget tells the web app it was opened, once a tab, with
    its page and campaign; a panel kept open on the next page is not a new opening."""
    from sqlalchemy import select

    from shop.db import session_scope
    from shop.models import WidgetSession

    def sessions():
        with session_scope(shop.servers.shop_db) as session:
            return [(w.session_id, w.page, w.campaign) for w in session.scalars(select(WidgetSession))]

    before = sessions()
    page = new_page()
    page.goto(shop.url + "/pricing?utm_campaign=winter-sale")
    open_widget(page)
    wait_for_bot(page, 1)
    page.wait_for_function("() => sessionStorage.getItem('shopChat:opened')")
    reported = page.evaluate("() => sessionStorage.getItem('shopChat:opened')")
    page.goto(shop.url + "/")  # the panel stays open on the next page
    wait_for_bot(page, 1)
    new = [row for row in sessions() if row not in before]
    assert new == [(reported, "pricing", "winter-sale")]
    no_errors(page)
