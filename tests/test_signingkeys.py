"""gqlauth.signingkeys: life cycle, publication, caching, and private keys sealed at rest."""

from __future__ import annotations

import base64
import json
import logging
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from gqlauth import jose, jwtaccess, signingkeys
from gqlauth.models import SigningKey

pytestmark = pytest.mark.django_db

LIFETIME = timedelta(seconds=300)  # JWT_ACCESS_TOKEN_EXPIRE_SECONDS' default
DELAY = timedelta(seconds=3600)  # JWT_KEY_ACTIVATION_SECONDS' default


def private_of(key: SigningKey) -> jose.PrivateKey:
    return jose.load_private_key(signingkeys.unseal(key.private_key, kid=key.kid)[0])


def secret_forms(private: jose.PrivateKey) -> list[str]:
    """Every text form in which the private numbers of ``private`` could leak: hex, decimal, and
    base64 / base64url at each of the three byte alignments (so they are found inside any
    base64 text, such as a PEM, a base64 DER or a JWK's ``d``)."""
    numbers = private.private_numbers()
    if isinstance(numbers, ec.EllipticCurvePrivateNumbers):
        secrets_ = [numbers.private_value.to_bytes(32, "big")]
    else:
        secrets_ = [
            value.to_bytes((value.bit_length() + 7) // 8, "big")
            for value in (numbers.d, numbers.p, numbers.q)
        ]
    forms = []
    for secret in secrets_:
        forms += [secret.hex(), secret.hex().upper(), str(int.from_bytes(secret, "big"))]
        for shift in range(3):
            for encode in (base64.b64encode, base64.urlsafe_b64encode):
                # Characters 4 on depend on the secret's bytes alone, the last 4 may not.
                forms.append(encode(b"\0" * shift + secret).decode()[4:-4])
    return forms


def leaks(private: jose.PrivateKey, text: str) -> list[str]:
    """The forms of ``private`` found in ``text``, line breaks (as in a PEM) ignored."""
    flat = text.replace("\\n", "").replace("\n", "")
    return [form for form in secret_forms(private) if form in flat]


def database_text() -> str:
    """Every row of every table, as text."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # table names from introspection
            chunks += [repr(row) for row in cursor.fetchall()]
    return "\n".join(chunks)


# -- life cycle ------------------------------------------------------------------------------------


def test_a_new_key_is_published_at_once_and_signs_after_the_delay():
    now = timezone.now()
    key = signingkeys.create(now=now)

    assert key.activates_at == now + DELAY
    assert key.algorithm == "ES256"
    assert str(key) == f"ES256 signing key {key.kid}"
    assert key.public_jwk["kid"] == key.kid
    assert signingkeys.jwk_set(now)["keys"] == [key.public_jwk]
    assert signingkeys.verification_key(key.kid, now) is not None
    with pytest.raises(signingkeys.NoSigningKeyError):
        signingkeys.signer(now)
    assert signingkeys.signer(now + DELAY).kid == key.kid
    assert signingkeys.state(key, now) == "pending"
    assert signingkeys.state(key, now + DELAY) == "active"


def test_activate_now_and_the_algorithm_setting(settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "JWT_SIGNING_ALGORITHM": "RS256"}
    key = signingkeys.create(activate_now=True)

    signer = signingkeys.signer()
    assert (signer.kid, signer.algorithm) == (key.kid, "RS256")
    assert key.public_jwk["kty"] == "RSA"
    assert "private_key" not in repr(signer)


def test_rotation_keeps_the_old_key_signing_until_the_new_one_starts():
    start = timezone.now()
    old = signingkeys.create(activate_now=True, now=start)

    new, retiring = signingkeys.rotate(now=start)

    old.refresh_from_db()
    assert [key.pk for key in retiring] == [old.pk]
    assert old.retired_at == new.activates_at == start + DELAY
    assert old.published_until == start + DELAY + LIFETIME
    assert signingkeys.signer(start + DELAY - timedelta(seconds=1)).kid == old.kid
    assert signingkeys.signer(start + DELAY).kid == new.kid
    # Both are published throughout; the old one until its last token has expired.
    for moment in (start, start + DELAY, start + DELAY + LIFETIME - timedelta(seconds=1)):
        assert {jwk["kid"] for jwk in signingkeys.jwk_set(moment)["keys"]} == {old.kid, new.kid}
    assert [jwk["kid"] for jwk in signingkeys.jwk_set(start + DELAY + LIFETIME)["keys"]] == [
        new.kid
    ]
    assert signingkeys.state(old, start + DELAY) == "retired"
    assert signingkeys.state(old, start + DELAY + LIFETIME) == "unpublished"


def test_rotating_now_retires_the_old_key_now():
    start = timezone.now()
    old = signingkeys.create(activate_now=True, now=start)

    new, _ = signingkeys.rotate(activate_now=True, now=start, algorithm="RS256")

    old.refresh_from_db()
    assert (old.retired_at, old.published_until) == (start, start + LIFETIME)
    assert signingkeys.signer(start).kid == new.kid


def test_a_second_rotation_keeps_an_earlier_retirement():
    start = timezone.now()
    old = signingkeys.create(activate_now=True, now=start)
    signingkeys.rotate(activate_now=True, now=start)
    signingkeys.rotate(now=start + timedelta(seconds=10))

    old.refresh_from_db()
    assert (old.retired_at, old.published_until) == (start, start + LIFETIME)


def test_retire_stops_signing_now_and_publishes_until_its_tokens_expire():
    now = timezone.now()
    key = signingkeys.create(activate_now=True, now=now - timedelta(seconds=5))

    retired = signingkeys.retire(key.kid, now=now)

    assert (retired.retired_at, retired.published_until) == (now, now + LIFETIME)
    with pytest.raises(signingkeys.NoSigningKeyError):
        signingkeys.signer(now)
    assert signingkeys.verification_key(key.kid, now) is not None


def test_retire_unpublish_withdraws_a_leaked_key_now():
    now = timezone.now()
    key = signingkeys.create(activate_now=True, now=now - timedelta(seconds=5))
    signingkeys.retire(key.kid, now=now - timedelta(seconds=1))

    retired = signingkeys.retire(key.kid, unpublish=True, now=now)

    assert (retired.retired_at, retired.published_until) == (now - timedelta(seconds=1), now)
    assert signingkeys.verification_key(key.kid, now) is None
    assert signingkeys.jwk_set(now) == {"keys": []}


def test_retire_an_unknown_key():
    with pytest.raises(signingkeys.UnknownKeyError):
        signingkeys.retire("nope")


def test_prune_deletes_only_unpublished_keys():
    now = timezone.now()
    gone = signingkeys.create(activate_now=True, now=now - timedelta(hours=1))
    signingkeys.retire(gone.kid, unpublish=True, now=now - timedelta(seconds=1))
    retiring = signingkeys.create(activate_now=True, now=now)
    signingkeys.retire(retiring.kid, now=now)
    live = signingkeys.create(now=now)

    assert signingkeys.prune(now) == 1
    assert set(SigningKey.objects.values_list("kid", flat=True)) == {retiring.kid, live.kid}


# -- sealed at rest --------------------------------------------------------------------------------


def test_private_keys_are_sealed_and_bound_to_their_kid():
    key = signingkeys.create()

    assert key.private_key.startswith("aesgcm1:")
    private, current = signingkeys.unseal(key.private_key, kid=key.kid)
    assert current is True
    assert jose.public_jwk(jose.load_private_key(private), algorithm="ES256") == key.public_jwk
    with pytest.raises(signingkeys.UnreadableKeyError):
        signingkeys.unseal(key.private_key, kid="another-kid")
    with pytest.raises(signingkeys.UnreadableKeyError, match="not sealed in a known format"):
        signingkeys.unseal(base64.b64encode(private).decode(), kid=key.kid)


@pytest.mark.parametrize("algorithm", ["ES256", "RS256"])
def test_no_plaintext_private_key_anywhere_in_the_database(algorithm, make_jwt):
    key = signingkeys.create(algorithm=algorithm, activate_now=True)
    make_jwt()
    text = database_text()

    assert key.kid in text  # the scan does see the key's row
    assert leaks(private_of(key), text) == []


@pytest.mark.parametrize("algorithm", ["ES256", "RS256"])
def test_the_scan_would_see_a_plaintext_key(algorithm):
    private = jose.generate_private_key(algorithm)
    der = jose.private_key_bytes(private)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    jwk = (ECAlgorithm if algorithm == "ES256" else RSAAlgorithm).to_jwk(private)
    for text in (repr(pem), base64.b64encode(der).decode(), der.hex(), jwk):
        assert leaks(private, text) != []
    # ...and not in what is public.
    assert leaks(private, json.dumps(jose.public_jwk(private, algorithm=algorithm))) == []


def test_nothing_secret_is_logged(caplog, make_jwt):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    # Log every SQL statement with its parameters, as DEBUG would: the INSERT of a key too.
    with CaptureQueriesContext(connection):
        signingkeys.create(activate_now=True)
        signingkeys.rotate(activate_now=True)
        value, _ = make_jwt()
        jwtaccess.verify_access_token(value, issuer="http://testserver")

    assert "aesgcm1:" in caplog.text  # the capture sees the sealed keys being written
    assert caplog.text.count('"kid"') >= 2  # and the public keys
    for key in SigningKey.objects.all():
        assert leaks(private_of(key), caplog.text) == []


def test_a_secret_key_rotation_keeps_keys_readable_through_the_fallbacks(settings):
    key = signingkeys.create(activate_now=True)
    old_secret = settings.SECRET_KEY
    settings.SECRET_KEY = "n" * 60
    settings.SECRET_KEY_FALLBACKS = [old_secret]

    assert signingkeys.signer().kid == key.kid
    assert signingkeys.unseal(key.private_key, kid=key.kid)[1] is False
    assert signingkeys.reencrypt() == (1, [])
    key.refresh_from_db()
    assert signingkeys.unseal(key.private_key, kid=key.kid)[1] is True
    assert signingkeys.reencrypt() == (0, [])

    settings.SECRET_KEY_FALLBACKS = []
    assert signingkeys.signer().kid == key.kid


def test_without_the_old_secret_a_key_is_unreadable(settings):
    key = signingkeys.create(activate_now=True)
    settings.SECRET_KEY = "n" * 60

    with pytest.raises(signingkeys.UnreadableKeyError, match="No JWT_KEY_ENCRYPTION_KEY"):
        signingkeys.signer()
    assert signingkeys.reencrypt() == (0, [key.kid])


def test_a_dedicated_encryption_key_is_independent_of_secret_key(settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "JWT_KEY_ENCRYPTION_KEY": "k" * 40}
    key = signingkeys.create(activate_now=True)
    settings.SECRET_KEY = "n" * 60

    assert signingkeys.signer().kid == key.kid

    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "JWT_KEY_ENCRYPTION_KEY": "m" * 40,
        "JWT_KEY_ENCRYPTION_KEY_FALLBACKS": ["k" * 40],
    }
    assert signingkeys.reencrypt() == (1, [])


# -- this process's copies -------------------------------------------------------------------------


def test_verification_reads_the_database_once_per_period(monkeypatch, django_assert_num_queries):
    key = signingkeys.create(activate_now=True)
    clock = [1000.0]
    monkeypatch.setattr(signingkeys.time, "monotonic", lambda: clock[0])

    with django_assert_num_queries(1):
        assert signingkeys.verification_key(key.kid) is not None
    with django_assert_num_queries(0):
        assert signingkeys.verification_key(key.kid) is not None
        assert signingkeys.any_published() is True
    clock[0] += signingkeys.VERIFY_CACHE_SECONDS
    with django_assert_num_queries(1):
        assert signingkeys.verification_key(key.kid) is not None


def test_an_unknown_kid_reloads_at_most_every_few_seconds(monkeypatch, django_assert_num_queries):
    clock = [1000.0]
    monkeypatch.setattr(signingkeys.time, "monotonic", lambda: clock[0])
    with django_assert_num_queries(1):
        assert signingkeys.verification_key("unknown") is None
        assert signingkeys.verification_key("unknown") is None
    clock[0] += signingkeys.MISS_RELOAD_SECONDS
    with django_assert_num_queries(1):
        assert signingkeys.verification_key("unknown") is None


def test_a_key_created_by_another_process_is_seen_on_the_next_miss(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(signingkeys.time, "monotonic", lambda: clock[0])
    assert signingkeys.any_published() is False
    key = signingkeys.create(activate_now=True)
    # Another process's key: this one's post_save receiver did not run there.
    signingkeys._cache.keys, signingkeys._cache.loaded_at = {}, clock[0]

    assert signingkeys.verification_key(key.kid) is None
    clock[0] += signingkeys.MISS_RELOAD_SECONDS
    assert signingkeys.verification_key(key.kid) is not None


def test_a_cached_key_past_its_publication_is_refused():
    now = timezone.now()
    key = signingkeys.create(activate_now=True, now=now)
    signingkeys.retire(key.kid, now=now)
    assert signingkeys.verification_key(key.kid, now) is not None

    assert signingkeys.verification_key(key.kid, now + LIFETIME) is None
    assert signingkeys.any_published(now + LIFETIME) is False


def test_the_decrypted_private_key_is_kept_per_process(django_assert_num_queries, monkeypatch):
    signingkeys.create(activate_now=True)
    signingkeys.signer()
    monkeypatch.setattr(signingkeys, "unseal", None)  # would fail if called again

    with django_assert_num_queries(1):
        assert signingkeys.signer().algorithm == "ES256"
