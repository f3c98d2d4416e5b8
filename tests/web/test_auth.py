"""Agent login's building blocks (web/auth.py): hashes, the decoy, the throttle and its key."""

from web.auth import DECOY_HASH, LoginThrottle, hash_password, throttle_key, verify_password


def test_a_hash_verifies_only_its_password():
    stored = hash_password("correct horse battery")
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterz", stored)
    assert not verify_password("x", None)
    assert not verify_password("x", "md5$1$abc$def")


def test_the_decoy_costs_what_a_real_hash_costs_and_matches_nothing():
    scheme, iterations, *_ = DECOY_HASH.split("$")
    real_scheme, real_iterations, *_ = hash_password("another password").split("$")
    assert (scheme, iterations) == (real_scheme, real_iterations)
    assert not verify_password("", DECOY_HASH)


def test_failures_from_one_address_do_not_lock_the_agent_out_elsewhere():
    throttle = LoginThrottle(limit=5, window=900)
    attacker = throttle_key("alice@shop.example", "203.0.113.9")
    for _ in range(5):
        throttle.failed(attacker, now=1000)
    assert throttle.blocked(attacker, now=1001)
    assert not throttle.blocked(throttle_key("alice@shop.example", "198.51.100.4"), now=1001)
    assert not throttle.blocked(attacker, now=1901)  # and only for the window
