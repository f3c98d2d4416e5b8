"""A purchase interrupted by an order check is taken up again, with the customer's own email,
when the check ends (answered or cancelled); on real SQLite."""

from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import ActionCancelTask
from actions.orders import ActionOrderStatus, ValidatePurchaseForm
from tests.support.trackers import action_event, make_tracker, responses, slot_events, user_event

PURCHASE = {"product": "Hoodie", "size": "M", "color": "black", "quantity": 1, "email": "me@example.com"}


def slot(name, value):
    return {"event": "slot", "timestamp": None, "name": name, "value": value}


def loop(name):
    return {"event": "active_loop", "timestamp": None, "name": name}


def purchase_then_order_check(last_text: str) -> list[dict]:
    """A purchase at its confirmation, then "where is my order A1003" and the email asked for it."""
    return [
        action_event("action_listen"),
        user_event("buy the hoodie in M black, 1", "purchase"),
        action_event("purchase_form"),
        loop("purchase_form"),
        *(slot(name, value) for name, value in PURCHASE.items()),
        slot("requested_slot", "purchase_confirmed"),
        action_event("action_listen"),
        user_event("where is my order A1003", "order_status"),
        slot("order_id", "A1003"),
        action_event("order_status_form"),
        loop("order_status_form"),
        slot("email", None),
        slot("requested_slot", "email"),
        action_event("action_listen"),
        user_event(last_text, "inform"),
        slot("email", "james.carter@example.com"),
    ]


def order_check_tracker(events: list[dict], active_loop: str | None = None):
    slots = {**PURCHASE, "order_id": "A1003", "email": "james.carter@example.com", "requested_slot": None}
    text = [e for e in events if e["event"] == "user"][-1]["text"]
    return make_tracker(slots=slots, events=events, text=text, active_loop=active_loop)


async def test_the_order_status_told_then_the_purchase_is_taken_up_with_its_own_email(shop_db, domain):
    events = purchase_then_order_check("james.carter@example.com") + [
        action_event("order_status_form"),
        slot("requested_slot", None),
        loop(None),
    ]
    dispatcher = CollectingDispatcher()
    result = await ActionOrderStatus().run(dispatcher, order_check_tracker(events), domain)
    assert responses(dispatcher) == ["utter_order_status_delivered", "utter_resume_purchase_form"]
    assert slot_events(result) == {**PURCHASE, "purchase_confirmed": None}
    assert [e for e in result if e["event"] in ("active_loop", "followup")] == [
        {"event": "active_loop", "timestamp": None, "name": "purchase_form"},
        {"event": "followup", "timestamp": None, "name": "purchase_form"},
    ]


async def test_an_order_status_asked_on_its_own_takes_nothing_up(shop_db, domain):
    events = [
        action_event("action_listen"),
        user_event("where is my order A1003", "order_status"),
        action_event("order_status_form"),
        loop("order_status_form"),
        action_event("action_listen"),
        user_event("james.carter@example.com", "inform"),
        action_event("order_status_form"),
        loop(None),
    ]
    dispatcher = CollectingDispatcher()
    result = await ActionOrderStatus().run(dispatcher, order_check_tracker(events), domain)
    assert responses(dispatcher) == ["utter_order_status_delivered"]
    assert result == []


async def test_cancelling_the_order_check_goes_back_to_the_purchase(shop_db, domain):
    events = purchase_then_order_check("cancel")[:-1] + [action_event("action_cancel_task")]
    tracker = order_check_tracker(events, active_loop="order_status_form")
    dispatcher = CollectingDispatcher()
    result = await ActionCancelTask().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_cancelled_back_to_earlier", "utter_resume_purchase_form"]
    assert slot_events(result)["email"] == "me@example.com"
    assert result[-1] == {"event": "followup", "timestamp": None, "name": "purchase_form"}


async def test_cancelling_a_purchase_on_its_own_says_so_and_takes_nothing_up(shop_db, domain):
    events = purchase_then_order_check("x")[:8]  # the purchase at its confirmation
    tracker = make_tracker(slots=PURCHASE, events=events, active_loop="purchase_form")
    dispatcher = CollectingDispatcher()
    result = await ActionCancelTask().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_cancelled"]
    assert not [e for e in result if e["event"] == "followup"]


async def test_the_purchase_taken_up_does_not_read_the_order_checks_answer(shop_db, domain):
    """The last message (another person's email) was the order check's answer, not the purchase's."""
    events = purchase_then_order_check("james.carter@example.com") + [
        action_event("order_status_form"),
        loop(None),
        action_event("action_order_status"),
        *(slot(name, value) for name, value in PURCHASE.items()),
        loop("purchase_form"),
    ]
    tracker = make_tracker(
        slots={**PURCHASE, "requested_slot": None},
        events=events,
        text="james.carter@example.com",
        active_loop="purchase_form",
    )
    dispatcher = CollectingDispatcher()
    result = await ValidatePurchaseForm().run(dispatcher, tracker, domain)
    assert "email" not in slot_events(result)
    assert responses(dispatcher) == []


async def test_an_interrupted_task_goes_on_before_the_satisfaction_question(shop_db, domain):
    """An order placed while a refund waited: the refund is taken up, the question is not asked."""
    from actions.orders import ActionPlaceOrder

    events = [
        action_event("action_listen"),
        user_event("I want to return something", "refund"),
        loop("refund_form"),
        slot("order_id", "A1003"),
        action_event("action_listen"),
        user_event("actually first buy the dress shoes", "purchase"),
        loop("purchase_form"),
        action_event("action_listen"),
        user_event("yes", "affirm"),
        loop(None),
    ]
    slots = {"product": "Classic Dress Shoes", "size": "11", "color": "black", "quantity": 1}
    slots |= {"email": "jane@example.com", "purchase_confirmed": True}
    tracker = make_tracker(slots=slots, events=events, text="yes")
    dispatcher = CollectingDispatcher()
    result = await ActionPlaceOrder().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_order_placed", "utter_resume_refund_form"]
    assert [e["name"] for e in result if e["event"] == "followup"] == ["refund_form"]
    assert "csat_outcome" not in slot_events(result)
