"""``authorized_applications``: which applications hold live tokens or a consent for a user."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gqlauth.authorizations import authorized_applications
from gqlauth.models import AccessToken, Consent, RefreshToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(make_user):
    return make_user(username="me")


def _issued_at(issued, when) -> None:
    AccessToken.objects.filter(pk=issued.access.pk).update(created=when)
    if issued.refresh is not None:
        RefreshToken.objects.filter(pk=issued.refresh.pk).update(created=when)


def test_scopes_are_the_union_of_live_tokens_in_settings_order(me, make_application, make_tokens):
    app = make_application().app
    make_tokens(scopes=("groups",), user=me, application=app)
    make_tokens(scopes=("write", "read"), user=me, application=app, with_refresh=False)

    [entry] = authorized_applications(me)

    assert entry.application == app
    assert entry.scopes == ["read", "write", "groups"]
    assert entry.approved_scopes == []
    assert entry.holds_tokens


def test_live_means_an_unexpired_access_token_or_a_live_refresh_token(
    settings, me, make_application, make_tokens
):
    refresh_only = make_application(name="refresh only").app
    access_only = make_application(name="access only").app
    dead = make_application(name="dead").app
    make_tokens(scopes=("read",), user=me, application=refresh_only, expires_in=-1)
    live_access = make_tokens(scopes=("write",), user=me, application=access_only)
    RefreshToken.objects.filter(pk=live_access.refresh.pk).revoke()
    expired = make_tokens(scopes=("groups",), user=me, application=dead, expires_in=-1)
    RefreshToken.objects.filter(pk=expired.refresh.pk).revoke()

    found = {entry.application.name: entry.scopes for entry in authorized_applications(me)}

    assert found == {"refresh only": ["read"], "access only": ["write"]}

    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "REFRESH_TOKEN_EXPIRE_SECONDS": 60}
    RefreshToken.objects.update(created=timezone.now() - timedelta(seconds=61))

    found = {entry.application.name for entry in authorized_applications(me)}

    assert found == {"access only"}


def test_other_users_and_client_tokens_are_not_mine(me, make_user, make_application, make_tokens):
    app = make_application().app
    make_tokens(user=make_user(), application=app)
    make_tokens(user=False, application=app)

    assert authorized_applications(me) == []


def test_newest_first_then_consents_without_tokens_by_name(me, make_application, make_tokens):
    now = timezone.now()
    old, new = make_application(name="old").app, make_application(name="new").app
    for name in ("zeta", "Alpha"):
        Consent.objects.create(user=me, application=make_application(name=name).app, scope="read")
    _issued_at(make_tokens(user=me, application=old), now - timedelta(hours=2))
    newest = make_tokens(user=me, application=old)
    _issued_at(newest, now - timedelta(hours=1))
    _issued_at(make_tokens(user=me, application=new), now - timedelta(minutes=1))
    Consent.objects.create(user=me, application=old, scope="read write")

    found = authorized_applications(me)

    assert [entry.application.name for entry in found] == ["new", "old", "Alpha", "zeta"]
    assert found[1].last_issued == AccessToken.objects.get(pk=newest.access.pk).created
    assert found[1].approved_scopes == ["read", "write"]
    assert (found[2].holds_tokens, found[2].scopes, found[2].approved_scopes) == (
        False,
        [],
        ["read"],
    )
    assert found[2].last_issued is None


def test_two_queries_however_many_tokens_and_applications(
    me, make_application, make_tokens, django_assert_num_queries
):
    def grow(count: int) -> None:
        for _ in range(count):
            app = make_application().app
            make_tokens(user=me, application=app)
            make_tokens(user=me, application=app, scopes=("read",))
            Consent.objects.create(user=me, application=app, scope="read")

    grow(1)
    with django_assert_num_queries(2):
        assert len(authorized_applications(me)) == 1

    grow(10)
    with django_assert_num_queries(2):
        found = authorized_applications(me)
        # Owners come with the same queries (select_related).
        assert all(entry.application.user.username for entry in found)
    assert len(found) == 11


def test_tokens_of_an_earlier_password_are_dead_and_not_counted(me, make_application, make_tokens):
    app = make_application(name="Photo printer").app
    make_tokens(scopes=("read",), user=me, application=app)
    Consent.objects.create(user=me, application=app, scope="read")

    me.set_password("a-new-passphrase-42")
    me.save()
    [entry] = authorized_applications(me)

    assert (entry.holds_tokens, entry.scopes, entry.approved_scopes) == (False, [], ["read"])
    make_tokens(scopes=("write",), user=me, application=app)
    [entry] = authorized_applications(me)
    assert entry.scopes == ["write"]
