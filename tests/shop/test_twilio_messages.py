from shop.db import session_scope
from shop.twilio_messages import StatusCallback, callback_from, moves_forward, record_status, status_of, status_problem

FORM = {"MessageSid": "SM1", "MessageStatus": "sent", "To": "+15550001", "From": "+15550100", "AccountSid": "AC1"}


def test_a_status_callback_is_read_from_twilios_parameters():
    assert status_problem(FORM) is None
    assert callback_from({**FORM, "ErrorCode": "30003"}) == StatusCallback(
        "SM1", "sent", "+15550001", "+15550100", "30003"
    )
    assert callback_from({"SmsSid": "SM2", "MessageStatus": "queued"}) == StatusCallback("SM2", "queued")


def test_a_callback_without_a_sid_or_with_an_unknown_status_is_refused():
    assert status_problem({"MessageStatus": "sent"}) == "MessageSid is missing"
    assert "MessageStatus must be one of" in status_problem({**FORM, "MessageStatus": "exploded"})
    assert status_problem({**FORM, "MessageStatus": ""}) is not None
    assert status_problem({**FORM, "ErrorCode": "9" * 17}) == "ErrorCode is too long"


def test_a_status_never_moves_back():
    assert moves_forward(None, "queued") and moves_forward("queued", "sent") and moves_forward("sent", "delivered")
    assert not moves_forward("delivered", "sent") and not moves_forward("failed", "queued")
    assert moves_forward("delivered", "read")


def test_each_message_keeps_its_latest_status_and_error(shop_db):
    with session_scope() as session:
        for status in ("queued", "sent", "undelivered"):
            record_status(
                session,
                StatusCallback("SM1", status, "+15550001", "+15550100", "30003" if status == "undelivered" else None),
            )
        record_status(session, StatusCallback("SM1", "sent"))  # late, out of order
        record_status(session, StatusCallback("SM2", "delivered", "whatsapp:+15550002"))
    with session_scope() as session:
        first, second = status_of(session, "SM1"), status_of(session, "SM2")
        assert (first.status, first.error_code, first.to, first.from_) == (
            "undelivered",
            "30003",
            "+15550001",
            "+15550100",
        )
        assert (second.status, second.error_code, second.to) == ("delivered", None, "whatsapp:+15550002")
        assert status_of(session, "SM3") is None
