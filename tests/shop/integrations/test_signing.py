"""The webhook signature (Shop-Signature: t=...,v1=...) and the receiver's check of it."""

import hashlib
import hmac

from shop.integrations.signing import TOLERANCE_SECONDS, sign, verify

SECRET, BODY, AT = "whsec-test", b'{"event":"lead.created","id":"x"}', 1_790_000_000


def test_a_signed_body_verifies_and_the_header_is_the_documented_hmac():
    header = sign(SECRET, BODY, AT)
    expected = hmac.new(SECRET.encode(), f"{AT}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"t={AT},v1={expected}"
    assert verify(SECRET, BODY, header, now=AT + 10)


def test_a_changed_body_another_secret_or_a_changed_time_do_not_verify():
    header = sign(SECRET, BODY, AT)
    assert not verify(SECRET, BODY + b" ", header, now=AT)
    assert not verify("another", BODY, header, now=AT)
    assert not verify(SECRET, BODY, header.replace(f"t={AT}", f"t={AT + 1}"), now=AT)


def test_an_old_or_future_signature_is_refused_as_a_replay():
    header = sign(SECRET, BODY, AT)
    assert verify(SECRET, BODY, header, now=AT + TOLERANCE_SECONDS)
    assert not verify(SECRET, BODY, header, now=AT + TOLERANCE_SECONDS + 1)
    assert not verify(SECRET, BODY, header, now=AT - TOLERANCE_SECONDS - 1)


def test_during_a_secret_rotation_any_matching_signature_is_enough():
    old, new = sign("old-secret", BODY, AT), sign(SECRET, BODY, AT)
    both = f"{new},v1={old.split('v1=')[1]}"
    assert verify(SECRET, BODY, both, now=AT) and verify("old-secret", BODY, both, now=AT)


def test_malformed_headers_never_verify_nor_raise():
    for header in (None, "", "garbage", "t=abc,v1=00", f"t={AT}", "v1=00", f"t={AT},v1="):
        assert not verify(SECRET, BODY, header, now=AT)
    assert not verify("", BODY, sign("", BODY, AT), now=AT)  # no secret: nothing is trusted
