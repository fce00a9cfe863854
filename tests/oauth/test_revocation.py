"""Token revocation, POST /o/revoke_token/ (RFC 7009)."""

from __future__ import annotations

from http import HTTPStatus

import pytest

from gqlauth.models import AccessToken, RefreshToken


@pytest.fixture
def client(make_application):
    return make_application()


@pytest.fixture
def issued(client, make_tokens):
    return make_tokens(application=client.app)


@pytest.mark.parametrize("hint", [None, "access_token", "refresh_token"])
def test_revoke_access_token(client, issued, post, hint):
    data = {"token": issued.access_token, **({"token_type_hint": hint} if hint else {})}
    response = post("/o/revoke_token/", data, auth=client.basic)
    assert response.status_code == HTTPStatus.OK
    assert response.content == b""
    assert response["Cache-Control"] == "no-store"
    assert not AccessToken.objects.exists()
    # RFC 7009 §2.1 lets the server drop the refresh token too; we do.
    assert RefreshToken.objects.get().revoked_at is not None


@pytest.mark.parametrize("hint", [None, "access_token", "refresh_token"])
def test_revoke_refresh_token_revokes_family(client, issued, post, refresh_grant, hint):
    rotated = refresh_grant(client, issued.refresh_token).json()
    data = {"token": rotated["refresh_token"], **({"token_type_hint": hint} if hint else {})}
    response = post("/o/revoke_token/", data, auth=client.basic)
    assert response.status_code == HTTPStatus.OK
    assert not AccessToken.objects.exists()
    assert not RefreshToken.objects.filter(revoked_at__isnull=True).exists()


def test_unknown_token_is_200(client, post):
    response = post("/o/revoke_token/", {"token": "unknown"}, auth=client.basic)
    assert response.status_code == HTTPStatus.OK


def test_other_clients_token_is_left_alone(client, issued, make_application, post):
    other = make_application()
    response = post("/o/revoke_token/", {"token": issued.access_token}, auth=other.basic)
    assert response.status_code == HTTPStatus.OK
    assert AccessToken.objects.count() == 1
    response = post("/o/revoke_token/", {"token": issued.refresh_token}, auth=other.basic)
    assert RefreshToken.objects.get().revoked_at is None


def test_requires_client_authentication(issued, post):
    response = post("/o/revoke_token/", {"token": issued.access_token})
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["error"] == "invalid_client"
    assert AccessToken.objects.count() == 1


def test_wrong_secret(client, issued, post):
    response = post(
        "/o/revoke_token/", {"token": issued.access_token}, auth=(client.client_id, "q" * 64)
    )
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert AccessToken.objects.count() == 1


def test_missing_token(client, post):
    response = post("/o/revoke_token/", {}, auth=client.basic)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "Missing token parameter.",
    }


def test_public_client_revokes_its_own(make_application, make_tokens, post):
    public = make_application(client_type="public")
    issued = make_tokens(application=public.app)
    data = {"token": issued.access_token, "client_id": public.client_id}
    assert post("/o/revoke_token/", data).status_code == HTTPStatus.OK
    assert not AccessToken.objects.exists()
