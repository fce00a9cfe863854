"""gqlauth.digests: how secrets are generated and how they are stored."""

from __future__ import annotations

import re
import string

import pytest

from gqlauth import digests

URLSAFE = frozenset(string.ascii_letters + string.digits + "-_")
ALPHANUMERIC = re.compile(r"[A-Za-z0-9]+")
HEX64 = re.compile(r"[0-9a-f]{64}")


@pytest.fixture
def digest_key(settings):
    """``digest_key(key)`` sets TOKEN_DIGEST_KEY (None falls back to SECRET_KEY)."""

    def configure(key: str | None) -> None:
        settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "TOKEN_DIGEST_KEY": key}

    return configure


# --- generation ----------------------------------------------------------------------------------


def test_new_token_is_43_url_safe_characters():
    token = digests.new_token()
    # 32 random bytes, base64url without padding.
    assert len(token) == 43
    assert set(token) <= URLSAFE


def test_new_tokens_are_unique():
    assert len({digests.new_token() for _ in range(200)}) == 200


def test_new_client_id_is_40_alphanumerics():
    client_id = digests.new_client_id()
    assert len(client_id) == 40
    assert ALPHANUMERIC.fullmatch(client_id)


def test_new_client_ids_are_unique():
    assert len({digests.new_client_id() for _ in range(200)}) == 200


def test_new_client_secret_has_the_default_length_of_64():
    secret = digests.new_client_secret()
    assert len(secret) == 64
    assert ALPHANUMERIC.fullmatch(secret)


@pytest.mark.parametrize("length", [43, 50, 128])
def test_new_client_secret_honours_client_secret_generator_length(settings, length):
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "CLIENT_SECRET_GENERATOR_LENGTH": length,
    }
    secret = digests.new_client_secret()
    assert len(secret) == length
    assert ALPHANUMERIC.fullmatch(secret)


# --- digest --------------------------------------------------------------------------------------


def test_digest_is_the_documented_keyed_sha256(digest_key):
    # A known answer: HMAC-SHA256 keyed with "gqlauth:<purpose>:<key>". Changing the scheme
    # would orphan every stored token and client secret, so it must be a deliberate change.
    digest_key("k" * 40)
    assert digests.digest("a-token", purpose="access") == (
        "7e426ea228bab391c8d53350a51d52f32038d843524a2d1e27163938dd58a233"
    )


def test_digest_is_64_lowercase_hex():
    assert HEX64.fullmatch(digests.digest(digests.new_token(), purpose="access"))


def test_digest_is_deterministic():
    assert digests.digest("value", purpose="refresh") == digests.digest("value", purpose="refresh")


def test_digest_differs_for_different_values():
    assert digests.digest("value-1", purpose="access") != digests.digest(
        "value-2", purpose="access"
    )


def test_digest_is_separated_by_purpose():
    purposes = ["access", "refresh", "client-secret"]
    assert len({digests.digest("same-value", purpose=p) for p in purposes}) == 3


def test_digest_depends_on_token_digest_key(digest_key):
    digest_key("a" * 40)
    first = digests.digest("value", purpose="access")
    digest_key("b" * 40)
    assert digests.digest("value", purpose="access") != first


def test_digest_key_falls_back_to_secret_key(settings, digest_key):
    digest_key(None)
    settings.SECRET_KEY = "s" * 50
    from_secret_key = digests.digest("value", purpose="access")
    digest_key("s" * 50)
    assert digests.digest("value", purpose="access") == from_secret_key
    settings.SECRET_KEY = "t" * 50
    # An explicit TOKEN_DIGEST_KEY survives a SECRET_KEY rotation.
    assert digests.digest("value", purpose="access") == from_secret_key


# --- matches -------------------------------------------------------------------------------------


def test_matches_its_own_digest():
    token = digests.new_token()
    assert digests.matches(token, digests.digest(token, purpose="access"), purpose="access") is True


def test_matches_refuses_another_value():
    stored = digests.digest("right", purpose="access")
    assert digests.matches("wrong", stored, purpose="access") is False


def test_matches_refuses_another_purpose():
    stored = digests.digest("value", purpose="access")
    assert digests.matches("value", stored, purpose="refresh") is False


def test_matches_refuses_after_the_key_changed(digest_key):
    digest_key("a" * 40)
    stored = digests.digest("value", purpose="access")
    digest_key("b" * 40)
    assert digests.matches("value", stored, purpose="access") is False


def test_matches_refuses_a_malformed_stored_digest():
    assert digests.matches("value", "", purpose="access") is False
    assert digests.matches("value", "0" * 64, purpose="access") is False


def test_fallback_keys_still_verify_and_are_not_current(settings):
    settings.SECRET_KEY = "old" * 20
    stored = digests.digest("value", purpose="access")
    settings.SECRET_KEY = "new" * 20
    settings.SECRET_KEY_FALLBACKS = ["old" * 20]

    assert digests.candidates("value", purpose="access")[1] == stored
    assert digests.matches("value", stored, purpose="access") is True
    assert digests.is_current("value", stored, purpose="access") is False
    assert digests.is_current("value", digests.digest("value", purpose="access"), purpose="access")


def test_without_the_fallback_the_old_digest_no_longer_verifies(settings):
    settings.SECRET_KEY = "old" * 20
    stored = digests.digest("value", purpose="access")
    settings.SECRET_KEY = "new" * 20

    assert digests.matches("value", stored, purpose="access") is False


def test_password_fingerprint_is_the_password_purpose_digest():
    assert digests.password_fingerprint("pbkdf2$x") == digests.digest(
        "pbkdf2$x", purpose="password"
    )
    assert digests.password_fingerprint("pbkdf2$x") != digests.password_fingerprint("pbkdf2$y")
