"""``cleartokens``: what it deletes, what it keeps (reuse detection), batching, output."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gqlauth import digests, tokens
from gqlauth.models import AccessToken, RefreshToken

pytestmark = pytest.mark.django_db


def clear(*args: str) -> str:
    out = StringIO()
    call_command("cleartokens", *args, stdout=out)
    return out.getvalue()


def add_access(app, count, *, expires):
    return AccessToken.objects.bulk_create(
        AccessToken(
            digest=digests.digest(digests.new_token(), purpose="access"),
            application=app,
            scope="read",
            expires=expires,
        )
        for _ in range(count)
    )


def add_refresh(app, count, *, family=None, revoked=False, age=timedelta(0)):
    now = timezone.now()
    rows = RefreshToken.objects.bulk_create(
        RefreshToken(
            digest=digests.digest(digests.new_token(), purpose="refresh"),
            application=app,
            scope="read",
            family=family or uuid.uuid4(),
            revoked_at=now if revoked else None,
        )
        for _ in range(count)
    )
    if age:  # created is auto_now_add: backdate after insert
        RefreshToken.objects.filter(pk__in=[r.pk for r in rows]).update(created=now - age)
    return rows


def rotate(issued):
    """Refresh like the token endpoint does: the old refresh token is revoked, family kept."""
    return tokens.store(
        application=issued.refresh.application,
        user=issued.refresh.user,
        scopes=issued.refresh.scopes,
        access_token=digests.new_token(),
        refresh_token=digests.new_token(),
        expires_in=3600,
        rotated_from=issued.refresh,
    )


@pytest.fixture
def app(make_application):
    return make_application().app


def test_deletes_in_batches_and_keeps_revoked_tokens_of_live_families(settings, app, make_tokens):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "REFRESH_TOKEN_EXPIRE_SECONDS": 3600}
    now = timezone.now()
    add_access(app, 120, expires=now - timedelta(seconds=1))
    valid_access = add_access(app, 30, expires=now + timedelta(hours=1))
    add_refresh(app, 45, age=timedelta(hours=2))  # expired
    for _ in range(20):  # families revoked as a whole: nothing live left
        add_refresh(app, 3, family=uuid.uuid4(), revoked=True)
    # A live family rotated twice: two revoked members and a live head.
    first = make_tokens(application=app)
    second = rotate(first)
    head = rotate(second)

    output = clear("--batch-size", "7")

    assert output == (
        "Deleted 120 expired access token(s).\n"
        "Deleted 45 expired refresh token(s).\n"
        "Deleted 60 revoked refresh token(s) of families with no live token.\n"
    )
    assert set(AccessToken.objects.values_list("pk", flat=True)) == {
        *(t.pk for t in valid_access),
        head.access.pk,
    }
    kept = RefreshToken.objects.order_by("pk")
    assert [(r.pk, r.revoked_at is not None) for r in kept] == [
        (first.refresh.pk, True),
        (second.refresh.pk, True),
        (head.refresh.pk, False),
    ]
    # The kept rotated token is still recognised, so replaying it can revoke the family.
    assert RefreshToken.objects.lookup(first.refresh_token).get().family == head.refresh.family
    assert clear() == (
        "Deleted 0 expired access token(s).\n"
        "Deleted 0 expired refresh token(s).\n"
        "Deleted 0 revoked refresh token(s) of families with no live token.\n"
    )


def test_reads_ids_in_batches_never_whole_tables(app):
    add_access(app, 30, expires=timezone.now() - timedelta(seconds=1))
    add_refresh(app, 30, revoked=True)

    with CaptureQueriesContext(connection) as queries:
        clear("--batch-size", "10")

    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    id_batches = [sql for sql in selects if re.search(r"\bLIMIT 10\b", sql)]
    # 3 full batches and the empty one that ends the loop for expired access tokens and for
    # revoked refresh tokens, and one empty batch for expired refresh tokens.
    assert len(id_batches) == 9
    # Every other SELECT is bounded by a batch of primary keys.
    for sql in selects:
        assert sql in id_batches or " IN (" in sql, sql
    assert not AccessToken.objects.exists()
    assert not RefreshToken.objects.exists()


def test_refresh_tokens_never_expire_without_limits(app, settings):
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "REFRESH_TOKEN_EXPIRE_SECONDS": None,
        "REFRESH_TOKEN_MAX_LIFETIME_SECONDS": None,
    }
    old = add_refresh(app, 3, age=timedelta(days=3650))

    assert clear() == (
        "Deleted 0 expired access token(s).\n"
        "Deleted 0 expired refresh token(s).\n"
        "Deleted 0 revoked refresh token(s) of families with no live token.\n"
    )
    assert RefreshToken.objects.count() == len(old)


def test_expired_access_token_of_a_live_refresh_token_goes_refresh_stays(app, make_tokens):
    issued = make_tokens(application=app, expires_in=-1)

    clear()

    assert not AccessToken.objects.exists()
    refresh = RefreshToken.objects.get()
    assert refresh.pk == issued.refresh.pk
    assert refresh.access_token_id is None
    assert refresh.revoked_at is None


def test_revoked_family_is_cleared_after_revocation(app, make_tokens):
    issued = make_tokens(application=app)
    rotate(issued)
    tokens.revoke_refresh_token(issued.refresh)

    assert clear().splitlines()[2] == (
        "Deleted 2 revoked refresh token(s) of families with no live token."
    )
    assert not RefreshToken.objects.exists()


def test_batch_size_must_be_positive():
    with pytest.raises(CommandError, match=r"^--batch-size must be a positive integer\.$"):
        clear("--batch-size", "0")


def test_reports_progress_every_n_batches_then_the_totals(app):
    add_access(app, 23, expires=timezone.now() - timedelta(seconds=1))
    add_refresh(app, 6, revoked=True)

    lines = clear("--batch-size", "5", "--progress-every", "2").splitlines()

    progress = r" deleted so far \((\d+) batches, \d+\.\d s\)$"
    assert [re.sub(progress, r" (\1 batches)", line) for line in lines] == [
        "expired access tokens: 10 (2 batches)",
        "expired access tokens: 20 (4 batches)",
        "revoked refresh tokens of ended families: 6 (2 batches)",
        "Deleted 23 expired access token(s).",
        "Deleted 0 expired refresh token(s).",
        "Deleted 6 revoked refresh token(s) of families with no live token.",
    ]


@pytest.mark.parametrize("args", [("--progress-every", "0"), ("--verbosity", "0")])
def test_progress_off(app, args):
    add_access(app, 4, expires=timezone.now() - timedelta(seconds=1))

    assert clear("--batch-size", "1", "--progress-every", "1", *args) == (
        "Deleted 4 expired access token(s).\n"
        "Deleted 0 expired refresh token(s).\n"
        "Deleted 0 revoked refresh token(s) of families with no live token.\n"
    )


def test_progress_every_must_not_be_negative():
    with pytest.raises(CommandError, match=r"^--progress-every must be 0 or a positive integer\.$"):
        clear("--progress-every", "-1")
