"""The privacy notice on a contact's first message (action_session_start), on the running servers:
once per contact, before the first answer, on REST and Messenger."""

import secrets

import pytest

from tests.support.messenger import text_event, webhook_body
from tests.support.servers import Chat, is_notice

pytestmark = pytest.mark.e2e


def test_a_first_message_gets_the_notice_then_its_answer_and_later_ones_only_answers(servers):
    chat = Chat(servers)
    first = chat.say("how much is the hoodie?", with_notice=True)
    assert is_notice(first[0]) and f"{servers.env['WEB_PUBLIC_URL']}/privacy" in first[0]["text"]
    assert "Hoodie" in " ".join(m.get("text", "") for m in first[1:])  # and the question is answered
    later = chat.say("do you have it in black?", with_notice=True)
    assert later and not any(is_notice(m) for m in later)


def test_a_messenger_customer_gets_the_notice_once(servers, graph):
    from tests.e2e.test_messenger_webhook import Messenger

    customer = str(10**15 + secrets.randbelow(10**15))
    messenger = Messenger(servers)
    assert messenger.post(webhook_body([text_event(customer, "hello")])).ok
    assert messenger.post(webhook_body([text_event(customer, "tell me about the hoodie")])).ok
    sent = graph.wait_for_turns(customer, turns=2, timeout=90)
    sent = graph.messages(customer, with_notice=True)
    notices = [m for m in sent if is_notice(m["message"])]
    assert len(notices) == 1 and sent[0] is notices[0]
