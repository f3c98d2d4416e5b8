"""The page context of a web visit, read back from the tracker events: page, product, UTM tags
and landing page, as the handoff packet and the greeting use them."""

from shop.visit import MAX_VALUE_CHARS, latest_metadata, message_metadata, visit_from_events


def user(text="hi", **metadata):
    event = {"event": "user", "text": text, "parse_data": {"intent": {"name": "greet"}}}
    if metadata:
        event["metadata"] = metadata
    return event


def bot(text="Hello"):
    return {"event": "bot", "text": text, "metadata": {"page": "not a user message"}}


def test_a_conversation_without_page_context_has_an_empty_visit():
    assert visit_from_events([]) == dict.fromkeys(
        ["page", "path", "product", "utm_source", "utm_medium", "utm_campaign", "landing"]
    )
    assert visit_from_events([user(), bot(), user("price?")])["page"] is None


def test_the_latest_page_the_utm_tags_and_the_landing_page():
    events = [
        {"event": "action", "name": "action_listen"},
        user(
            "/greet",
            page="home",
            path="/",
            utm_source="newsletter",
            utm_medium="email",
            utm_campaign="spring",
            landing="/?utm_source=newsletter",
        ),
        bot(),
        user(
            "do you have it in size 10?",
            page="product",
            path="/products/running-shoes",
            product="Running Shoes",
            utm_source="newsletter",
            utm_medium="email",
            utm_campaign="spring",
            landing="/?utm_source=newsletter",
        ),
        bot(),
        user(
            "/greet",
            page="pricing",
            path="/pricing",
            utm_source="newsletter",
            utm_medium="email",
            utm_campaign="spring",
            landing="/?utm_source=newsletter",
        ),
    ]
    assert visit_from_events(events) == {
        "page": "pricing",
        "path": "/pricing",
        "product": None,
        "utm_source": "newsletter",
        "utm_medium": "email",
        "utm_campaign": "spring",
        "landing": "/?utm_source=newsletter",
    }


def test_utm_tags_stay_together_and_survive_messages_without_them():
    events = [
        user(page="home", path="/", utm_source="ads", utm_campaign="launch"),
        user(page="home", path="/", utm_source="newsletter"),
        user(page="pricing", path="/pricing"),
    ]
    visit = visit_from_events(events)
    # The latest tagged message wins whole: no campaign of one source mixed with another source.
    assert (visit["utm_source"], visit["utm_medium"], visit["utm_campaign"]) == ("newsletter", None, None)
    assert visit["page"] == "pricing"
    assert visit["landing"] == "/", "without a reported landing page, the first path seen"


def test_a_message_without_metadata_keeps_the_page_of_the_one_before():
    events = [user(page="product", path="/products/hoodie", product="Hoodie"), user("hi")]
    assert visit_from_events(events)["product"] == "Hoodie"
    assert latest_metadata(events) == {}, "the latest message itself said nothing about a page"


def test_values_from_the_browser_are_strings_cut_short_and_unknown_keys_dropped():
    event = user(
        page=["pricing"], path=" /pricing ", product="x" * 1000, utm_source=42, secret="not a visit key", landing=""
    )
    assert message_metadata(event) == {"path": "/pricing", "product": "x" * MAX_VALUE_CHARS}
    assert message_metadata({"event": "user", "metadata": "not a dict"}) == {}


def test_messenger_referrals_name_the_page_too():
    events = [user("/greet", source="messenger", page="hoodie-landing", ref="hoodie-landing")]
    assert visit_from_events(events)["page"] == "hoodie-landing"
