"""Twilio's status callbacks to the web app (web/twilio_status.py), started for real, behind a
"proxy": Twilio signs the public URL, which is not the one the app listens on."""

import secrets

import pytest
import requests

from shop.db import session_scope
from shop.twilio_messages import status_of
from tests.support import database
from tests.support.twilio import signed
from tests.support.web_app import RasaStandIn, WebApp

TOKEN = secrets.token_hex(16)
PUBLIC = "https://shop.example.com"


@pytest.fixture(scope="module")
def app(seeded_template, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("twilio-status")
    path = workdir / "shop.db"
    database.copy_database(seeded_template, path)
    env = {"TWILIO_AUTH_TOKEN": TOKEN, "WEB_PUBLIC_URL": PUBLIC}
    web = WebApp(workdir, f"sqlite:///{path}", RasaStandIn(secrets.token_hex(8)), extra_env=env)
    yield web
    web.stop()


def callback(app, params, token=TOKEN, url=f"{PUBLIC}/twilio/status"):
    body, headers = signed(url, params, token)
    return requests.post(f"{app.url}/twilio/status", data=body, headers=headers, timeout=30)


def status(app, sid):
    with session_scope(app.db_url) as session:
        message = status_of(session, sid)
        return message and (message.status, message.error_code, message.to)


def test_each_callback_updates_the_message(app):
    sent = {
        "MessageSid": "SMa1",
        "AccountSid": "AC1",
        "From": "+15005550006",
        "To": "+15550001",
        "ApiVersion": "2010-04-01",
    }
    assert callback(app, {**sent, "MessageStatus": "sent", "SmsStatus": "sent"}).status_code == 204
    assert status(app, "SMa1") == ("sent", None, "+15550001")
    assert callback(app, {**sent, "MessageStatus": "undelivered", "ErrorCode": "30003"}).status_code == 204
    assert status(app, "SMa1") == ("undelivered", "30003", "+15550001")
    assert callback(app, {**sent, "MessageStatus": "sent"}).status_code == 204  # late
    assert status(app, "SMa1") == ("undelivered", "30003", "+15550001")


def test_a_callback_not_signed_with_the_auth_token_for_the_public_url_is_refused(app):
    params = {"MessageSid": "SMa2", "MessageStatus": "delivered"}
    assert callback(app, params, token="wrong").status_code == 403
    assert callback(app, params, url=f"{app.url}/twilio/status").status_code == 403  # the URL behind the proxy
    assert requests.post(f"{app.url}/twilio/status", data=params, timeout=30).status_code == 403
    assert status(app, "SMa2") is None


@pytest.mark.parametrize(
    "params", [{"MessageStatus": "sent"}, {"MessageSid": "SMa3"}, {"MessageSid": "SMa3", "MessageStatus": "exploded"}]
)
def test_a_callback_without_its_fields_is_a_400(app, params):
    answer = callback(app, params)
    assert answer.status_code == 400 and "Message" in answer.text


def test_bad_bodies_are_4xx_never_500(app):
    url = f"{app.url}/twilio/status"
    assert requests.post(url, json={"MessageSid": "x"}, timeout=30).status_code == 400
    bad_form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert requests.post(url, data=b"\xff\xfe=\x00", headers=bad_form, timeout=30).status_code == 400
    assert requests.post(url, data=b"a" * (70 * 1024), headers=bad_form, timeout=30).status_code == 413
