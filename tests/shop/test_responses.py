"""The domain's responses filled as Rasa fills them: the words the web app sends through Rasa."""

import pytest

from shop.responses import render


def test_a_response_is_filled_with_the_values_given():
    words = render("utter_agent_joined", agent_name="Alice Moreno", team_name="Customer support")
    assert words == {"text": "Alice Moreno from our Customer support team has joined the chat.", "buttons": []}


def test_the_buttons_of_a_response_come_with_it():
    words = render("utter_handoff_returned", team_name="Sales")
    assert "nobody from our Sales team" in words["text"]
    assert words["buttons"] == [{"title": "Email me", "payload": "/request_followup"}]


def test_a_missing_value_is_an_error_not_a_brace_the_customer_reads():
    with pytest.raises(KeyError, match="agent_name"):
        render("utter_agent_left")


def test_an_unknown_response_is_an_error():
    with pytest.raises(KeyError):
        render("utter_no_such_thing")


def test_a_channel_gets_its_own_variation_as_rasa_picks_it():
    from shop.responses import variation

    assert "Reply STOP to unsubscribe" in variation("utter_privacy_notice", "twilio")["text"]
    assert "Reply STOP" not in variation("utter_privacy_notice")["text"]
    assert variation("utter_privacy_notice", "socketio") == variation("utter_privacy_notice")  # none of its own
    assert variation("utter_greet", "twilio") == variation("utter_greet")
