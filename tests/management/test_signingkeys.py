"""``signingkeys``: create, rotate, retire, list, prune and reencrypt, and what they print."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from gqlauth import signingkeys
from gqlauth.models import SigningKey
from tests.test_signingkeys import leaks, private_of

pytestmark = pytest.mark.django_db

KID = r"[A-Za-z0-9_-]{43}"
WHEN = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"


def run(*args: str) -> str:
    out = StringIO()
    call_command("signingkeys", *args, stdout=out)
    return out.getvalue()


def test_create():
    out = run("create")

    key = SigningKey.objects.get()
    assert out == (
        f"Created ES256 signing key {key.kid}: published now, signing from "
        f"{key.activates_at.isoformat(timespec='seconds')}.\n"
    )
    assert key.activates_at > timezone.now() + timedelta(seconds=3500)


def test_create_rs256_now():
    out = run("create", "--algorithm", "RS256", "--activate-now")

    assert re.fullmatch(
        f"Created RS256 signing key {KID}: published now, signing from {WHEN}.\n", out
    )
    assert signingkeys.signer().algorithm == "RS256"


def test_an_unknown_algorithm_is_refused():
    with pytest.raises(CommandError, match="invalid choice: 'HS256'"):
        run("create", "--algorithm", "HS256")
    assert not SigningKey.objects.exists()


def test_rotate():
    old = signingkeys.create(activate_now=True)

    out = run("rotate")

    new = SigningKey.objects.exclude(pk=old.pk).get()
    old.refresh_from_db()
    at = new.activates_at.isoformat(timespec="seconds")
    assert out == (
        f"Created ES256 signing key {new.kid}: published now, signing from {at}.\n"
        f"Retiring {old.kid} at {at}; published until "
        f"{old.published_until.isoformat(timespec='seconds')}.\n"
    )


def test_retire():
    key = signingkeys.create(activate_now=True)

    out = run("retire", key.kid)

    key.refresh_from_db()
    assert out == (
        f"Retired {key.kid}; published until {key.published_until.isoformat(timespec='seconds')}.\n"
    )
    assert key.published_until > timezone.now()


def test_retire_unpublish():
    key = signingkeys.create(activate_now=True)

    run("retire", key.kid, "--unpublish")

    assert signingkeys.jwk_set() == {"keys": []}


def test_retire_an_unknown_kid():
    with pytest.raises(CommandError, match=r"No signing key has kid 'nope'\."):
        run("retire", "nope")


def test_list(settings):
    assert run("list") == "No signing keys. Create one with `signingkeys create`.\n"
    now = timezone.now()
    old = signingkeys.create(activate_now=True, now=now - timedelta(seconds=10))
    new, _ = signingkeys.rotate(now=now)
    spare = signingkeys.create(activate_now=True, now=now - timedelta(seconds=20))
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "n" * 60
    fresh = signingkeys.create()

    lines = run("list").splitlines()

    assert lines[0] == "kid  algorithm  state  activates  retired  published-until  encryption"
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert rows[old.kid][:2] == ["ES256", "signing"]
    assert rows[old.kid][-1] == "fallback"
    assert rows[new.kid][1] == "pending"
    assert rows[spare.kid][1] == "active"  # active, but an older key than the one that signs
    assert rows[fresh.kid][-1] == "current"
    settings.SECRET_KEY_FALLBACKS = []
    assert run("list").splitlines()[1:][-1].endswith("unreadable")


def test_prune():
    key = signingkeys.create(activate_now=True)
    signingkeys.retire(key.kid, unpublish=True)

    assert run("prune") == "Deleted 1 unpublished signing key(s).\n"


def test_reencrypt(settings):
    signingkeys.create()
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "n" * 60

    assert run("reencrypt") == "Re-encrypted 1 signing key(s).\n"
    assert run("reencrypt") == "Re-encrypted 0 signing key(s).\n"


def test_reencrypt_fails_on_a_key_no_secret_opens(settings):
    key = signingkeys.create()
    settings.SECRET_KEY = "n" * 60

    with pytest.raises(
        CommandError, match=f"No current or fallback encryption key opens: {key.kid}"
    ):
        run("reencrypt")


def test_no_output_shows_a_private_key():
    out = run("create", "--activate-now") + run("rotate") + run("list")
    for key in SigningKey.objects.all():
        assert leaks(private_of(key), out) == []


def test_an_action_is_required():
    with pytest.raises(CommandError, match="the following arguments are required: ACTION"):
        run()
