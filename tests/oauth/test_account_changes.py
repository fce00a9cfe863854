"""Access never outlives the account (issue 9): owners, passwords, allowed scopes, key rotation.

Every token path must agree: the bearer check, introspection, refresh and code exchange.
"""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from gqlauth import bearer, digests
from gqlauth.errors import InactiveApplicationError, PasswordChangedError, UnknownTokenError
from gqlauth.models import AccessToken, GrantType, RefreshToken
from tests.conftest import PASSWORD


def bearer_request(rf, token):
    return rf.post("/graphql/", HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def issued(make_application, make_user, password_grant):
    client = make_application(grant_types=(GrantType.PASSWORD, GrantType.CLIENT_CREDENTIALS))
    user = make_user(username="carol")
    response = password_grant(client, "carol")
    assert response.status_code == HTTPStatus.OK
    return client, user, response.json()


def introspect(post, client, token):
    return post("/o/introspect/", {"token": token}, auth=client.basic).json()


# -- an inactive owner --------------------------------------------------------------------------


def test_an_inactive_owners_application_authenticates_no_more(issued, post, rf):
    client, _, body = issued
    owner = client.app.user
    owner.is_active = False
    owner.save()

    grant = post("/o/token/", {"grant_type": "client_credentials"}, auth=client.basic)

    assert grant.status_code == HTTPStatus.UNAUTHORIZED
    assert grant.json()["error"] == "invalid_client"
    with pytest.raises(InactiveApplicationError):
        bearer.authenticate_bearer(bearer_request(rf, body["access_token"]))


# -- a changed password --------------------------------------------------------------------------


def _set_password(user):
    user.set_password("another-password-123")
    user.save()


def _queryset_update(user):
    User.objects.filter(pk=user.pk).update(password="pbkdf2_sha256$1$salt$changed")


def _changepassword_command(user, monkeypatch):
    answers = iter(["another-password-123", "another-password-123"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("changepassword", user.username, stdout=None)


@pytest.mark.parametrize("change", ["set_password", "queryset_update", "changepassword"])
def test_a_password_change_by_any_path_ends_every_token(
    issued, rf, post, refresh_grant, monkeypatch, change
):
    client, user, body = issued
    if change == "set_password":
        _set_password(user)
    elif change == "queryset_update":
        _queryset_update(user)
    else:
        _changepassword_command(user, monkeypatch)

    with pytest.raises(PasswordChangedError) as caught:
        bearer.authenticate_bearer(bearer_request(rf, body["access_token"]))
    assert caught.value.www_authenticate.startswith('Bearer error="invalid_token"')
    assert refresh_grant(client, body["refresh_token"]).json()["error"] == "invalid_grant"
    assert introspect(post, client, body["access_token"]) == {"active": False}
    assert introspect(post, client, body["refresh_token"]) == {"active": False}


def test_tokens_issued_after_the_change_work(issued, rf, password_grant):
    client, user, _ = issued
    user.set_password(PASSWORD)  # same password, new salt: a new hash all the same
    user.save()

    fresh = password_grant(client, "carol").json()

    assert bearer.authenticate_bearer(bearer_request(rf, fresh["access_token"])).user == user


def test_client_tokens_carry_no_fingerprint(make_tokens, rf):
    issued = make_tokens(user=False)

    assert issued.access.user_fingerprint == ""
    assert bearer.authenticate_bearer(bearer_request(rf, issued.access_token)).user is None


# -- allowed scopes narrowed ---------------------------------------------------------------------


def test_refresh_narrows_to_the_applications_allowed_scopes(issued, refresh_grant):
    client, _, body = issued
    client.app.allowed_scopes = "read groups"
    client.app.save()

    response = refresh_grant(client, body["refresh_token"])

    assert response.status_code == HTTPStatus.OK
    assert response.json()["scope"] == "read groups"
    new = RefreshToken.objects.lookup(response.json()["refresh_token"]).get()
    assert new.scope == "read groups"


def test_refresh_with_no_allowed_scope_left_is_refused(issued, refresh_grant):
    client, _, body = issued
    client.app.allowed_scopes = "write"
    client.app.save()
    RefreshToken.objects.update(scope="read")

    response = refresh_grant(client, body["refresh_token"])

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": "invalid_scope",
        "error_description": "The application may no longer have any scope of this refresh token.",
    }


# -- refresh families end ------------------------------------------------------------------------


def test_a_refresh_family_past_its_maximum_lifetime_is_refused(issued, refresh_grant, settings):
    client, _, body = issued
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "REFRESH_TOKEN_MAX_LIFETIME_SECONDS": 60,
    }
    second = refresh_grant(client, body["refresh_token"]).json()
    RefreshToken.objects.update(family_started=timezone.now() - timedelta(seconds=61))

    response = refresh_grant(client, second["refresh_token"])

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "invalid_grant"


def test_rotation_keeps_the_family_start(issued, refresh_grant):
    client, _, body = issued
    first = RefreshToken.objects.lookup(body["refresh_token"]).get()

    second = refresh_grant(client, body["refresh_token"]).json()

    assert RefreshToken.objects.lookup(second["refresh_token"]).get().family_started == (
        first.family_started
    )


# -- digest keys rotate the Django way -----------------------------------------------------------


def test_a_rotated_secret_key_in_the_fallbacks_keeps_tokens_and_secrets(
    issued, settings, rf, password_grant
):
    client, user, body = issued
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "n" * 60
    settings.SECRET_KEY_FALLBACKS = [old_key]

    token = bearer.authenticate_bearer(bearer_request(rf, body["access_token"]))

    assert token.user == user
    # Re-digested with the current key on use.
    assert AccessToken.objects.get(pk=token.pk).digest == digests.digest(
        body["access_token"], purpose="access"
    )
    assert password_grant(client, "carol").status_code == HTTPStatus.OK


def test_a_rotated_secret_key_without_fallbacks_ends_them(issued, settings, rf, password_grant):
    client, _, body = issued
    settings.SECRET_KEY = "n" * 60

    with pytest.raises(UnknownTokenError):
        bearer.authenticate_bearer(bearer_request(rf, body["access_token"]))
    assert password_grant(client, "carol").status_code == HTTPStatus.UNAUTHORIZED
