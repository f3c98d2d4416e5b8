"""The satisfaction question after an outcome, over REST against the real servers: asked once
a day, its answer and comment kept, a new request handled instead, never after an opt-out."""

import pytest
from sqlalchemy import select

from shop.db import session_scope
from shop.models import CsatResponse
from tests.support.servers import Chat

pytestmark = pytest.mark.e2e

QUESTION = "how did I do?"


def questions(servers, chat):
    with session_scope(servers.shop_db) as session:
        rows = session.scalars(select(CsatResponse).where(CsatResponse.sender_id == chat.sender)).all()
        return [(q.outcome, q.rating, q.comment) for q in rows]


def buy(chat, product="the canvas backpack", answers=("navy", "1")) -> str:
    chat.say(f"I want to buy {product}")
    for answer in answers:
        chat.say(answer)
    chat.say(f"{chat.sender}@example.com")
    return chat.text("yes")


def test_a_purchase_is_rated_and_commented_then_not_asked_again_that_day(servers):
    chat = Chat(servers)
    done = buy(chat)
    assert "Your order A10" in done and QUESTION in done
    assert "Just a number" in chat.text("hmm, let me think")
    assert "Anything we could do better?" in chat.text("4 out of 5")
    assert "Thanks for telling us" in chat.text("the checkout page was confusing")
    assert questions(servers, chat) == [("order", 4, "the checkout page was confusing")]
    assert QUESTION not in buy(chat)  # the same day: not asked again
    assert len(questions(servers, chat)) == 1


def test_the_buttons_a_low_rating_and_a_skipped_comment(servers):
    chat = Chat(servers)
    buy(chat)
    assert "Anything we could do better?" in chat.text('/inform{"csat_rating": "2"}')
    assert "sorry it wasn't better" in chat.text("/skip")
    assert questions(servers, chat) == [("order", 2, None)]


def test_a_new_request_instead_of_a_rating_is_handled_and_the_question_left(servers):
    chat = Chat(servers)
    buy(chat)
    reply = chat.text("where is my order A1003")
    assert "email" in reply.lower() and "Just a number" not in reply
    status = chat.text("james.carter@example.com")
    assert "A1003" in status and QUESTION not in status  # not asked again after it
    assert questions(servers, chat) == [("order", None, None)]


def test_a_product_question_instead_of_a_rating_is_answered_once(servers):
    chat = Chat(servers)
    buy(chat)
    reply = chat.text("how much is the wool coat?")
    assert "$" in reply and QUESTION not in reply and "Just a number" not in reply
    assert "didn't get that" not in reply
    greeting = chat.text("/greet")  # the widget's greeting on the next page: just the greeting
    assert "didn't get that" not in greeting and QUESTION not in greeting
    assert not (chat.tracker()["active_loop"] or {}).get("name")


def test_a_new_purchase_instead_of_a_comment_starts_it(servers):
    chat = Chat(servers)
    buy(chat)
    chat.say("5")
    reply = chat.text("I want to buy a hoodie")
    assert "size" in reply.lower() and "Thanks for telling us" not in reply
    assert questions(servers, chat) == [("order", 5, None)]


def test_two_answers_that_are_no_rating_let_the_customer_go(servers):
    chat = Chat(servers)
    buy(chat)
    chat.say("hmm")
    assert "Anything else I can help with?" in chat.text("blorp")
    assert questions(servers, chat) == [("order", None, None)]
    assert not (chat.tracker()["active_loop"] or {}).get("name")


def test_an_opted_out_contact_is_not_asked(servers):
    chat = Chat(servers)
    chat.say("hi")
    chat.say("stop sending me messages")
    assert QUESTION not in buy(chat)
    assert questions(servers, chat) == []
