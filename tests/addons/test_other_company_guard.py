"""The other-company guard: another company's subscription, refund, appointment or hours is
order status is out_of_scope; buying, the shop's partners and messages naming our things stay."""

from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from addons.other_company_guard import OtherCompanyGuard, is_other_company_request, names_pattern
from tests.support.nlu_pipeline import config_of, context, storage

NAMES = ["netflix", "the dmv", "chase", "paypal", "ups", "h&m", "macy's", "my dentist"]
CONFIG = OtherCompanyGuard.get_default_config()
PATTERN = names_pattern(NAMES, CONFIG["partners"])


def rejects(text, intent, response_key=None, entities=()):
    return is_other_company_request(text, intent, response_key, entities, PATTERN, CONFIG)


def test_another_companys_requests_are_not_ours():
    assert rejects("cancel my netflix subscription", "opt_out")
    # the selector's answer for a message that is not a FAQ does not keep it
    assert rejects("cancel my netflix subscription", "opt_out", "faq/payment")
    assert rejects("I want to talk to a human at the DMV", "human_handoff")
    assert rejects("is the chase bank open today", "faq", "faq/opening_hours")
    assert rejects("cancel my dentist appointment on thursday", "cancel_meeting")
    assert rejects("refund from H&M please", "refund")
    assert rejects("what's the return policy at macy's", "faq", "faq/returns")
    assert rejects("where is my chase order", "order_status")


def test_what_the_catalog_answers_and_our_orders_stay():
    assert not rejects("order a pizza from netflix", "purchase")
    assert not rejects("where is my order A1003 from h&m", "order_status", entities=["order_id"])
    assert not rejects("did ups ship my order yet", "order_status")  # a partner's name


def test_partners_payment_questions_and_our_things_stay():
    assert not rejects("can I get my refund to paypal", "refund")
    assert not rejects("did ups lose my parcel, I want a refund", "refund")
    assert not rejects("can I pay with my chase visa", "faq", "faq/payment")
    assert not rejects("I saw the hoodie on netflix, can I talk to someone", "human_handoff", entities=["product"])
    assert not rejects("move M3004 away from my dentist appointment", "reschedule_meeting", entities=["booking_ref"])


def test_names_match_whole_words_only():
    assert not rejects("I'm chasing my refund", "refund")
    assert not rejects("the ups and downs of ordering: refund me", "refund")  # a partner's name
    assert names_pattern([], []) is None
    assert not is_other_company_request("cancel my netflix", "opt_out", None, [], None, CONFIG)


def test_trains_on_the_lookup_table_persists_and_overrules(tmp_path):
    data = TrainingData(
        [Message.build(text="hi", intent="greet")], lookup_tables=[{"name": "other_company", "elements": NAMES}]
    )
    guard = OtherCompanyGuard.create(config_of(OtherCompanyGuard), storage(tmp_path), Resource("guard"), context())
    guard.train(data)
    loaded = OtherCompanyGuard.load(config_of(OtherCompanyGuard), storage(tmp_path), Resource("guard"), context())
    ours = Message(data={"text": "unsubscribe me please", "intent": {"name": "opt_out", "confidence": 0.9}})
    theirs = Message(data={"text": "unsubscribe me from netflix", "intent": {"name": "opt_out", "confidence": 0.9}})
    loaded.process([ours, theirs])
    assert ours.get("intent")["name"] == "opt_out"
    assert theirs.get("intent") == {"name": "out_of_scope", "confidence": 1.0}
    assert theirs.get("intent_ranking") == [{"name": "out_of_scope", "confidence": 1.0}]


def test_without_a_lookup_table_it_changes_nothing(tmp_path):
    guard = OtherCompanyGuard.load(config_of(OtherCompanyGuard), storage(tmp_path), Resource("none"), context())
    message = Message(data={"text": "cancel my netflix", "intent": {"name": "opt_out", "confidence": 0.9}})
    guard.process([message, Message(data={"text": None})])
    assert message.get("intent")["name"] == "opt_out"
