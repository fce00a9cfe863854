"""Client credentials grant (RFC 6749 §4.4)."""

from __future__ import annotations

from http import HTTPStatus

from gqlauth.models import AccessToken, GrantType, RefreshToken


def _client(make_application, **fields):
    return make_application(grant_types=(GrantType.CLIENT_CREDENTIALS,), **fields)


def test_token_without_refresh_token(make_application, post):
    client = _client(make_application)
    response = post("/o/token/", {"grant_type": "client_credentials"}, auth=client.basic)
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["scope"] == "read write groups"
    token = AccessToken.objects.lookup(body["access_token"]).get()
    assert token.user is None
    assert RefreshToken.objects.count() == 0


def test_requested_scope(make_application, post):
    client = _client(make_application)
    data = {"grant_type": "client_credentials", "scope": "groups"}
    response = post("/o/token/", data, auth=client.basic)
    assert response.json()["scope"] == "groups"


def test_public_client_refused(make_application, post):
    client = _client(make_application, client_type="public")
    data = {"grant_type": "client_credentials", "client_id": client.client_id}
    response = post("/o/token/", data)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["error"] == "invalid_client"


def test_not_allowed_for_password_only_client(make_application, post):
    client = make_application()
    response = post("/o/token/", {"grant_type": "client_credentials"}, auth=client.basic)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "unauthorized_client"


def test_wrong_secret(make_application, post):
    client = _client(make_application)
    response = post(
        "/o/token/", {"grant_type": "client_credentials"}, auth=(client.client_id, "z" * 64)
    )
    assert response.status_code == HTTPStatus.UNAUTHORIZED
