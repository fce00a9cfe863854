"""Token introspection, POST /o/introspect/ (RFC 7662)."""

from __future__ import annotations

from http import HTTPStatus

import pytest

from gqlauth import tokens
from gqlauth.models import AccessToken


@pytest.fixture
def owner(make_application):
    return make_application()


@pytest.fixture
def issued(owner, make_user, make_tokens):
    return make_tokens(application=owner.app, user=make_user(username="alice"), scopes=("read",))


def test_own_client_sees_claims(owner, issued, post):
    response = post("/o/introspect/", {"token": issued.access_token}, auth=owner.basic)
    assert response.status_code == HTTPStatus.OK
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    access = AccessToken.objects.get()
    assert body == {
        "active": True,
        "scope": "read",
        "client_id": owner.client_id,
        "username": "alice",
        "exp": int(access.expires.timestamp()),
        "iat": int(access.created.timestamp()),
        "token_type": "Bearer",
    }


def test_refresh_token_claims(owner, issued, post):
    response = post(
        "/o/introspect/",
        {"token": issued.refresh_token, "token_type_hint": "refresh_token"},
        auth=owner.basic,
    )
    body = response.json()
    assert body["active"] is True
    assert body["token_type"] == "refresh_token"
    assert body["username"] == "alice"


def test_authorized_introspector_sees_other_clients_tokens(issued, make_application, post):
    resource_server = make_application(can_introspect=True)
    response = post("/o/introspect/", {"token": issued.access_token}, auth=resource_server.basic)
    assert response.json()["active"] is True


def test_unauthorized_client_learns_nothing(issued, make_application, post):
    stranger = make_application()
    response = post("/o/introspect/", {"token": issued.access_token}, auth=stranger.basic)
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"active": False}


def test_public_client_flag_is_not_enough(issued, make_application, post):
    public = make_application(client_type="public", can_introspect=True)
    response = post("/o/introspect/", {"token": issued.access_token, "client_id": public.client_id})
    assert response.json() == {"active": False}


def test_unauthenticated_refused(issued, post):
    response = post("/o/introspect/", {"token": issued.access_token})
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["error"] == "invalid_client"


def test_wrong_secret_refused(owner, issued, post):
    response = post(
        "/o/introspect/", {"token": issued.access_token}, auth=(owner.client_id, "w" * 64)
    )
    assert response.status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize("state", ["expired", "revoked", "unknown"])
def test_inactive_tokens(owner, make_tokens, post, state):
    issued = make_tokens(application=owner.app, expires_in=-1 if state == "expired" else None)
    token = issued.access_token
    if state == "revoked":
        tokens.revoke_access_token(issued.access)
    if state == "unknown":
        token = "not-a-token"
    response = post("/o/introspect/", {"token": token}, auth=owner.basic)
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"active": False}


def test_client_credentials_token_has_no_username(owner, make_tokens, post):
    issued = make_tokens(application=owner.app, user=False)
    body = post("/o/introspect/", {"token": issued.access_token}, auth=owner.basic).json()
    assert body["active"] is True
    assert "username" not in body


@pytest.mark.parametrize("deactivated", ["user", "application"])
def test_tokens_of_a_deactivated_user_or_application_are_inactive(
    make_application, make_user, make_tokens, make_application_introspector, post, deactivated
):
    owner = make_application()
    user = make_user()
    issued = make_tokens(application=owner.app, user=user)
    if deactivated == "user":
        user.is_active = False
        user.save()
    else:
        owner.app.active = False
        owner.app.save()

    for token in (issued.access_token, issued.refresh_token):
        response = post("/o/introspect/", {"token": token}, auth=make_application_introspector)
        assert response.status_code == HTTPStatus.OK
        assert response.json() == {"active": False}


@pytest.fixture
def make_application_introspector(make_application):
    return make_application(can_introspect=True).basic
