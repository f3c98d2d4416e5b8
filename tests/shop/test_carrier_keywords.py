import pytest

from shop.carrier_keywords import HELP, OPT_IN, OPT_OUT, Keyword, carrier_keyword


@pytest.mark.parametrize("text", ["STOP", "stop", " Stop ", "STOP!", "stop.", "¡STOP!", "Stop!!!"])
def test_the_word_alone_in_any_case_with_punctuation(text):
    assert carrier_keyword(text, "twilio") == Keyword("STOP", OPT_OUT)


@pytest.mark.parametrize(
    "word, kind",
    [("STOPALL", OPT_OUT), ("UNSUBSCRIBE", OPT_OUT), ("CANCEL", OPT_OUT), ("END", OPT_OUT), ("QUIT", OPT_OUT)]
    + [("START", OPT_IN), ("UNSTOP", OPT_IN), ("HELP", HELP)],
)
@pytest.mark.parametrize("channel", ["twilio", "whatsapp"])
def test_sms_and_whatsapp_reserve_every_carrier_keyword(word, kind, channel):
    assert carrier_keyword(word.lower(), channel) == Keyword(word, kind)


@pytest.mark.parametrize("channel", ["socketio", "rest", "facebook", None])
def test_other_channels_keep_cancel_and_help_for_the_conversation(channel):
    assert carrier_keyword("cancel", channel) is None
    assert carrier_keyword("help", channel) is None
    assert carrier_keyword("end", channel) is None
    assert carrier_keyword("Stop", channel) == Keyword("STOP", OPT_OUT)
    assert carrier_keyword("unsubscribe", channel) == Keyword("UNSUBSCRIBE", OPT_OUT)
    assert carrier_keyword("START", channel) == Keyword("START", OPT_IN)


def test_yes_resubscribes_only_an_opted_out_contact():
    assert carrier_keyword("yes", "twilio") is None  # an answer to "Shall I place the order?"
    assert carrier_keyword("Yes!", "twilio", opted_out=True) == Keyword("YES", OPT_IN)
    assert carrier_keyword("yes", "socketio", opted_out=True) is None


@pytest.mark.parametrize(
    "text", ["stop texting me", "please stop", "help me find shoes", "starting", "", "!!", None, 2]
)
def test_anything_more_than_the_word_is_a_message(text):
    assert carrier_keyword(text, "twilio") is None
