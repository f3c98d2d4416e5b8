from shop.twilio_signature import public_url, signature, signature_ok

# Twilio's documented example (twilio.com/docs/usage/security); twilio-python's RequestValidator
# gives the same signature for it.
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}
EXPECTED = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_twilios_example():
    assert signature(URL, PARAMS.items(), "12345") == EXPECTED
    assert signature_ok(URL, list(PARAMS.items()), "12345", EXPECTED)


def test_the_parameters_sort_by_name_whatever_order_they_came_in():
    assert signature(URL, reversed(list(PARAMS.items())), "12345") == EXPECTED


def test_anything_changed_fails():
    assert not signature_ok(URL, PARAMS.items(), "12346", EXPECTED)
    assert not signature_ok(URL.replace("foo=1", "foo=2"), PARAMS.items(), "12345", EXPECTED)
    assert not signature_ok(URL, {**PARAMS, "Digits": "1235"}.items(), "12345", EXPECTED)
    assert not signature_ok(URL, PARAMS.items(), "12345", None)
    assert not signature_ok(URL, PARAMS.items(), "12345", "")
    assert not signature_ok(URL, PARAMS.items(), "", EXPECTED)
    assert not signature_ok(URL, PARAMS.items(), "12345", "ünïcode")


def test_the_public_url_is_the_configured_base_with_the_path_and_query():
    assert public_url("https://chat.example.com/", "/webhooks/twilio/webhook") == (
        "https://chat.example.com/webhooks/twilio/webhook"
    )
    assert public_url("https://x.example", "/a", "b=1") == "https://x.example/a?b=1"
