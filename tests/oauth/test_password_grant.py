"""Password grant at POST /o/token/ (RFC 6749 §4.3): the tutorial's Step 4 and 5."""

from __future__ import annotations

from http import HTTPStatus

import pytest

from gqlauth.models import AccessToken, GrantType, RefreshToken
from tests.conftest import PASSWORD


def test_tutorial_token_response(make_application, make_user, password_grant):
    client = make_application()
    user = make_user()
    response = password_grant(client, user.username)
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 36000
    assert body["scope"] == "read write groups"
    assert len(body["access_token"]) >= 43
    assert len(body["refresh_token"]) >= 43
    access = AccessToken.objects.lookup(body["access_token"]).get()
    assert access.user == user
    assert access.application == client.app
    assert access.scopes == ["read", "write", "groups"]
    refresh = RefreshToken.objects.lookup(body["refresh_token"]).get()
    assert refresh.access_token == access


def test_scope_read_only(make_application, make_user, password_grant):
    response = password_grant(make_application(), make_user().username, scope="read")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["scope"] == "read"


def test_client_credentials_in_body(make_application, make_user, post):
    client = make_application()
    user = make_user()
    data = {
        "grant_type": "password",
        "username": user.username,
        "password": PASSWORD,
        "client_id": client.client_id,
        "client_secret": client.secret,
    }
    response = post("/o/token/", data)
    assert response.status_code == HTTPStatus.OK


def test_public_client_by_client_id_alone(make_application, make_user, post):
    client = make_application(client_type="public")
    user = make_user()
    data = {
        "grant_type": "password",
        "username": user.username,
        "password": PASSWORD,
        "client_id": client.client_id,
    }
    response = post("/o/token/", data)
    assert response.status_code == HTTPStatus.OK
    assert response.json()["scope"] == "read write groups"


def test_public_client_by_basic_with_empty_password(make_application, make_user, post):
    client = make_application(client_type="public")
    data = {"grant_type": "password", "username": make_user().username, "password": PASSWORD}
    assert post("/o/token/", data, auth=(client.client_id, "")).status_code == HTTPStatus.OK


def test_confidential_client_by_basic_with_empty_password(make_application, make_user, post):
    client = make_application()
    data = {"grant_type": "password", "username": make_user().username, "password": PASSWORD}
    response = post("/o/token/", data, auth=(client.client_id, ""))
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["error"] == "invalid_client"


def test_wrong_password(make_application, make_user, password_grant):
    response = password_grant(make_application(), make_user().username, password="nope")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "Invalid credentials given.",
    }
    assert AccessToken.objects.count() == 0


def test_unknown_user(make_application, password_grant):
    response = password_grant(make_application(), "ghost")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "invalid_grant"


def test_inactive_user(make_application, make_user, password_grant):
    user = make_user(is_active=False)
    response = password_grant(make_application(), user.username)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "invalid_grant"
    assert AccessToken.objects.count() == 0


def test_grant_not_allowed_for_application(make_application, make_user, password_grant):
    client = make_application(grant_types=(GrantType.CLIENT_CREDENTIALS,))
    response = password_grant(client, make_user().username)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": "unauthorized_client",
        "error_description": "This application is not allowed to use this grant type.",
    }


@pytest.mark.parametrize(
    ("scope", "allowed"),
    [("admin", ""), ("read admin", ""), ("write", "read groups")],
)
def test_invalid_scope(make_application, make_user, password_grant, scope, allowed):
    client = make_application(allowed_scopes=allowed)
    response = password_grant(client, make_user().username, scope=scope)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "invalid_scope"
    assert AccessToken.objects.count() == 0


def test_repeated_scope_granted_once(make_application, make_user, password_grant):
    response = password_grant(make_application(), make_user().username, scope="read groups read")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["scope"] == "read groups"
    assert AccessToken.objects.get().scopes == ["read", "groups"]


def test_default_scope_cut_to_allowed_subset(make_application, make_user, password_grant):
    client = make_application(allowed_scopes="read groups")
    response = password_grant(client, make_user().username)
    assert response.status_code == HTTPStatus.OK
    assert response.json()["scope"] == "read groups"


def test_default_scopes_setting(settings, make_application, make_user, password_grant):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "DEFAULT_SCOPES": ["read"]}
    response = password_grant(make_application(), make_user().username)
    assert response.json()["scope"] == "read"


def test_access_token_lifetime_setting(settings, make_application, make_user, password_grant):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ACCESS_TOKEN_EXPIRE_SECONDS": 60}
    response = password_grant(make_application(), make_user().username)
    assert response.json()["expires_in"] == 60


def test_query_count_does_not_grow_with_tokens(
    make_application, make_user, make_tokens, password_grant, django_assert_num_queries
):
    client = make_application()
    user = make_user()
    # Application lookup, the throttle's count of failures (one aggregate), user lookup, then
    # both inserts inside one savepoint pair.
    with django_assert_num_queries(7) as before:
        assert password_grant(client, user.username).status_code == HTTPStatus.OK
    for _ in range(30):
        make_tokens(application=client.app, user=user)
    with django_assert_num_queries(len(before.captured_queries)):
        assert password_grant(client, user.username).status_code == HTTPStatus.OK
