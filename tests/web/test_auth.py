"""Agent login's building blocks (web/auth.py): hashes, the decoy, the throttle and its key."""

import base64
import hashlib

from web.auth import DECOY_HASH, hash_password, needs_rehash, verify_password


def pbkdf2_hash(password: str) -> str:
    """A hash as the web app made them before argon2."""
    salt = b"0123456789abcdef"
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 1000)
    b64 = lambda raw: base64.urlsafe_b64encode(raw).decode().rstrip("=")  # noqa: E731
    return f"pbkdf2_sha256$1000${b64(salt)}${b64(digest)}"


def test_a_hash_verifies_only_its_password():
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert not needs_rehash(stored)
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterz", stored)
    assert not verify_password("x", None)
    assert not verify_password("x", "md5$1$abc$def")


def test_an_older_pbkdf2_hash_still_verifies_and_asks_for_a_rehash():
    stored = pbkdf2_hash("correct horse battery")
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterz", stored)
    assert needs_rehash(stored)


def test_the_decoy_costs_what_a_real_hash_costs_and_matches_nothing():
    # "$argon2id$v=19$m=65536,t=3,p=4$salt$hash": the same algorithm and cost as a real one.
    assert DECOY_HASH.split("$")[:4] == hash_password("another password").split("$")[:4]
    assert not verify_password("", DECOY_HASH)
