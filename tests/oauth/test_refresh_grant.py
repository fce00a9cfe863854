"""Refresh grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2)."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.utils import timezone

from gqlauth import bearer
from gqlauth.models import AccessToken, GrantType, RefreshToken


@pytest.fixture
def client(make_application):
    return make_application()


@pytest.fixture
def first(client, make_user, password_grant):
    response = password_grant(client, make_user().username)
    assert response.status_code == HTTPStatus.OK
    return response.json()


def test_tutorial_refresh(client, first, refresh_grant):
    response = refresh_grant(client, first["refresh_token"])
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert body["scope"] == "read write groups"
    assert body["expires_in"] == 36000
    assert body["access_token"] != first["access_token"]
    assert body["refresh_token"] != first["refresh_token"]


def test_rotation_revokes_old_pair(client, first, refresh_grant):
    body = refresh_grant(client, first["refresh_token"]).json()
    assert not AccessToken.objects.lookup(first["access_token"]).exists()
    old = RefreshToken.objects.lookup(first["refresh_token"]).get()
    new = RefreshToken.objects.lookup(body["refresh_token"]).get()
    assert old.revoked_at is not None
    assert new.revoked_at is None
    assert new.family == old.family
    assert AccessToken.objects.lookup(body["access_token"]).exists()


def test_reuse_revokes_whole_family(client, first, refresh_grant):
    second = refresh_grant(client, first["refresh_token"]).json()
    third = refresh_grant(client, second["refresh_token"]).json()
    replay = refresh_grant(client, first["refresh_token"])
    assert replay.status_code == HTTPStatus.BAD_REQUEST
    assert replay.json() == {
        "error": "invalid_grant",
        "error_description": "The refresh token was revoked or already used; its tokens are "
        "revoked.",
    }
    family = RefreshToken.objects.lookup(first["refresh_token"]).get().family
    assert not RefreshToken.objects.filter(family=family, revoked_at__isnull=True).exists()
    assert not AccessToken.objects.lookup(third["access_token"]).exists()
    # The newest refresh token of the family is dead too.
    assert refresh_grant(client, third["refresh_token"]).status_code == HTTPStatus.BAD_REQUEST


def test_reuse_protection_off_keeps_family(settings, client, first, refresh_grant):
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "REFRESH_TOKEN_REUSE_PROTECTION": False,
    }
    second = refresh_grant(client, first["refresh_token"]).json()
    replay = refresh_grant(client, first["refresh_token"])
    assert replay.status_code == HTTPStatus.BAD_REQUEST
    assert replay.json() == {
        "error": "invalid_grant",
        "error_description": "The refresh token was revoked or already used.",
    }
    family = RefreshToken.objects.lookup(second["refresh_token"]).get().family
    assert RefreshToken.objects.filter(family=family, revoked_at__isnull=True).count() == 1
    assert AccessToken.objects.lookup(second["access_token"]).exists()
    assert refresh_grant(client, second["refresh_token"]).status_code == HTTPStatus.OK


def test_other_families_untouched_by_reuse(client, first, make_user, password_grant, refresh_grant):
    other = password_grant(client, make_user().username).json()
    refresh_grant(client, first["refresh_token"])
    refresh_grant(client, first["refresh_token"])
    assert refresh_grant(client, other["refresh_token"]).status_code == HTTPStatus.OK


def test_no_rotation_keeps_refresh_token(settings, client, first, refresh_grant):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ROTATE_REFRESH_TOKEN": False}
    body = refresh_grant(client, first["refresh_token"]).json()
    assert body["refresh_token"] == first["refresh_token"]
    assert not AccessToken.objects.lookup(first["access_token"]).exists()
    refresh = RefreshToken.objects.lookup(first["refresh_token"]).get()
    assert refresh.access_token == AccessToken.objects.lookup(body["access_token"]).get()
    assert refresh_grant(client, first["refresh_token"]).status_code == HTTPStatus.OK


def test_narrowing_scope(client, first, refresh_grant):
    response = refresh_grant(client, first["refresh_token"], scope="read")
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["scope"] == "read"
    # RFC 6749 §6: the new refresh token keeps the original scope.
    assert RefreshToken.objects.lookup(body["refresh_token"]).get().scopes == [
        "read",
        "write",
        "groups",
    ]


def test_widening_scope_refused(client, make_user, password_grant, refresh_grant):
    first = password_grant(client, make_user().username, scope="read").json()
    response = refresh_grant(client, first["refresh_token"], scope="read write")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "invalid_scope"
    # A refused request does not consume the refresh token.
    assert refresh_grant(client, first["refresh_token"]).status_code == HTTPStatus.OK


def test_expired_refresh_token(settings, client, first, refresh_grant):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "REFRESH_TOKEN_EXPIRE_SECONDS": 60}
    RefreshToken.objects.update(created=timezone.now() - timedelta(seconds=61))
    response = refresh_grant(client, first["refresh_token"])
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "invalid_grant"


def test_refresh_token_within_lifetime(settings, client, first, refresh_grant):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "REFRESH_TOKEN_EXPIRE_SECONDS": 60}
    RefreshToken.objects.update(created=timezone.now() - timedelta(seconds=50))
    assert refresh_grant(client, first["refresh_token"]).status_code == HTTPStatus.OK


def test_foreign_refresh_token(first, make_application, refresh_grant):
    other = make_application()
    response = refresh_grant(other, first["refresh_token"])
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "invalid_grant"
    # The owner's family is not harmed by someone else presenting it.
    assert RefreshToken.objects.filter(revoked_at__isnull=True).count() == 1


def test_unknown_refresh_token(client, refresh_grant):
    response = refresh_grant(client, "x" * 43)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "invalid_grant"


def test_missing_refresh_token(client, post):
    data = {"grant_type": "refresh_token"}
    response = post("/o/token/", data, auth=client.basic)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "Missing refresh token parameter.",
    }


def test_inactive_user_cannot_refresh(client, make_user, password_grant, refresh_grant):
    user = make_user()
    first = password_grant(client, user.username).json()
    user.is_active = False
    user.save()
    response = refresh_grant(client, first["refresh_token"])
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "invalid_grant"


def test_refresh_needs_a_grant_that_issues_refresh_tokens(
    make_application, make_tokens, refresh_grant
):
    client = make_application(grant_types=(GrantType.CLIENT_CREDENTIALS,))
    issued = make_tokens(application=client.app)
    response = refresh_grant(client, issued.refresh_token)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "unauthorized_client"


def test_query_count_does_not_grow_with_tokens(
    client, make_user, make_tokens, password_grant, refresh_grant, django_assert_num_queries
):
    user = make_user()
    tokens_ = [password_grant(client, user.username).json() for _ in range(2)]
    # Client and token lookups, then one transaction: compare-and-set revocation, deleting the
    # old access token (Django's collector: select, unlink, delete), two inserts.
    with django_assert_num_queries(10) as before:
        assert refresh_grant(client, tokens_[0]["refresh_token"]).status_code == HTTPStatus.OK
    for _ in range(30):
        make_tokens(application=client.app, user=user)
    with django_assert_num_queries(len(before.captured_queries)):
        assert refresh_grant(client, tokens_[1]["refresh_token"]).status_code == HTTPStatus.OK


def test_new_access_token_authenticates(client, first, refresh_grant, rf):
    body = refresh_grant(client, first["refresh_token"]).json()
    request = rf.get("/", headers={"Authorization": f"Bearer {body['access_token']}"})
    token = bearer.authenticate_bearer(request)
    assert token.scopes == ["read", "write", "groups"]
    assert token.user is not None
