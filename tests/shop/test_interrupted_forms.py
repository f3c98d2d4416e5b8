"""Which form is taken up again when the form that interrupted it ends."""

from shop.interrupted_forms import interrupted_form


def user(text="..."):
    return {"event": "user", "text": text}


def slot(name, value):
    return {"event": "slot", "name": name, "value": value}


def loop(name):
    return {"event": "active_loop", "name": name}


# A purchase waiting for its "yes" when the customer asks about another order.
PURCHASE_AT_CONFIRMATION = [
    user("buy the hoodie in M black"),
    loop("purchase_form"),
    slot("product", "Hoodie"),
    slot("size", "M"),
    slot("color", "black"),
    user("me@example.com"),
    slot("email", "me@example.com"),
    slot("requested_slot", "purchase_confirmed"),
]
ORDER_CHECK = [
    user("where is my order A1003"),
    slot("order_id", "A1003"),
    loop("order_status_form"),
    slot("email", None),
    slot("requested_slot", "email"),
    user("james.carter@example.com"),
    slot("email", "james.carter@example.com"),
    loop(None),
]


def test_the_purchase_is_taken_up_with_its_own_email_when_the_order_check_ends():
    paused = interrupted_form(PURCHASE_AT_CONFIRMATION + ORDER_CHECK)
    assert paused is not None
    assert (paused.form, paused.by) == ("purchase_form", "order_status_form")
    # The slots as they were before the interrupting message: the purchase's email, no order id.
    assert paused.slots["email"] == "me@example.com"
    assert paused.slots["product"] == "Hoodie"
    assert "order_id" not in paused.slots


def test_nothing_is_taken_up_while_the_interrupting_form_goes_on():
    assert interrupted_form(PURCHASE_AT_CONFIRMATION + ORDER_CHECK[:-1]) is None


def test_a_form_that_ends_on_its_own_takes_nothing_up():
    assert interrupted_form(PURCHASE_AT_CONFIRMATION + [slot("purchase_confirmed", True), loop(None)]) is None
    assert interrupted_form(ORDER_CHECK) is None


def test_once_taken_up_it_is_not_taken_up_again():
    resumed = PURCHASE_AT_CONFIRMATION + ORDER_CHECK + [slot("email", "me@example.com"), loop("purchase_form")]
    assert interrupted_form(resumed) is None
    # ... and when the purchase itself ends, nothing older is waiting.
    assert interrupted_form(resumed + [user("yes"), slot("purchase_confirmed", True), loop(None)]) is None


def test_a_later_turn_takes_nothing_up():
    """The order check cancelled, then another message: the purchase is no longer taken up."""
    cancelled_earlier = PURCHASE_AT_CONFIRMATION + ORDER_CHECK[:-2] + [loop(None), user("what are your hours?")]
    assert interrupted_form(cancelled_earlier) is None


def test_a_new_task_after_the_interruption_drops_what_waited():
    events = PURCHASE_AT_CONFIRMATION + ORDER_CHECK[:-2] + [loop(None)]
    events += [user("book a meeting"), loop("booking_form"), user("tomorrow"), loop(None)]
    assert interrupted_form(events) is None


def test_interruptions_nest_and_unwind_one_at_a_time():
    events = PURCHASE_AT_CONFIRMATION + [
        user("I want to return something"),
        loop("refund_form"),
        slot("order_id", "A1001"),
        user("where is my order A1003"),
        loop("order_status_form"),
        user("james.carter@example.com"),
        loop(None),
    ]
    first = interrupted_form(events)
    assert (first.form, first.by) == ("refund_form", "order_status_form")
    assert first.slots["order_id"] == "A1001"
    events += [slot("order_id", "A1001"), loop("refund_form"), user("it doesn't fit"), loop(None)]
    second = interrupted_form(events)
    assert (second.form, second.by) == ("purchase_form", "refund_form")


def test_a_form_reopened_after_a_failure_keeps_what_waits():
    """The order check's final action failed and reopened its form: the purchase still waits."""
    events = PURCHASE_AT_CONFIRMATION + ORDER_CHECK + [loop("order_status_form")]
    assert interrupted_form(events) is None
    assert interrupted_form(events + [user("james.carter@example.com"), loop(None)]).form == "purchase_form"


def test_a_restart_forgets_everything():
    events = PURCHASE_AT_CONFIRMATION + ORDER_CHECK[:-1] + [{"event": "restart"}, loop(None)]
    assert interrupted_form(events) is None
