"""Deactivating an application (admin action) or a user stops codes, access and refresh tokens.

Each test holds, before the deactivation, one exchanged code (a live access and refresh token)
and one code not yet exchanged, then tries every path: the bearer check, the refresh grant, the
code exchange and a new authorization request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlencode

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client as HttpClient
from django.urls import reverse

from gqlauth.models import Application, GrantType
from tests.conftest import Client
from tests.oauth.test_authorization_code import REDIRECT, pkce_pair, query

APPS_URL = reverse("admin:gqlauth_application_changelist")
INVALID_CLIENT = {
    "error": "invalid_client",
    "error_description": "Client authentication failed: unknown client, wrong secret, "
    "or malformed client credentials.",
}
INVALID_GRANT = {
    "error": "invalid_grant",
    "error_description": "The grant is invalid: wrong username or password, inactive user, a "
    "refresh token or authorization code that is invalid, expired, revoked or issued to another "
    "client, a redirect_uri that differs from the authorization request's, or a PKCE "
    "code_verifier that does not match.",
}


@dataclass
class Held:
    """What the client holds when the deactivation happens."""

    access_token: str
    refresh_token: str
    pending_code: str
    pending_verifier: str


def _authorize_url(client: Client, challenge: str) -> str:
    return "/o/authorize/?" + urlencode(
        {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": REDIRECT,
            "scope": "read",
            "state": "s",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )


def _code(browser: HttpClient, client: Client) -> tuple[str, str]:
    verifier, challenge = pkce_pair()
    response = browser.post(_authorize_url(client, challenge), {"decision": "approve"})
    assert response.status_code == HTTPStatus.FOUND, response.content
    return query(response["Location"])["code"], verifier


def _exchange(post, client: Client, code: str, verifier: str):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    if client.secret:
        return post("/o/token/", data, auth=client.basic)
    return post("/o/token/", {**data, "client_id": client.client_id})


def _refresh(post, client: Client, refresh_token: str):
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    if client.secret:
        return post("/o/token/", data, auth=client.basic)
    return post("/o/token/", {**data, "client_id": client.client_id})


def _bearer(token: str):
    return HttpClient().post(
        "/graphql/",
        json.dumps({"query": "{ __typename }"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def _invalid_token(description: str) -> dict[str, object]:
    return {"errors": [{"message": description, "extensions": {"code": "INVALID_TOKEN"}}]}


@pytest.fixture(params=["confidential", "public"])
def oauth_client(request, make_application) -> Client:
    return make_application(
        client_type=request.param,
        grant_types=(GrantType.AUTHORIZATION_CODE,),
        redirect_uris=REDIRECT,
    )


@pytest.fixture
def resource_owner(make_user):
    return make_user(username="resource-owner")


@pytest.fixture
def browser(resource_owner) -> HttpClient:
    browser = HttpClient()
    browser.force_login(resource_owner)
    return browser


@pytest.fixture
def held(browser, oauth_client, post) -> Held:
    code, verifier = _code(browser, oauth_client)
    issued = _exchange(post, oauth_client, code, verifier)
    assert issued.status_code == HTTPStatus.OK, issued.json()
    pending_code, pending_verifier = _code(browser, oauth_client)
    assert _bearer(issued.json()["access_token"]).status_code == HTTPStatus.OK
    return Held(
        issued.json()["access_token"],
        issued.json()["refresh_token"],
        pending_code,
        pending_verifier,
    )


def _admin_action(admin_client, action: str, app: Application):
    return admin_client.post(
        APPS_URL, {"action": action, ACTION_CHECKBOX_NAME: [str(app.pk)]}, follow=True
    )


def test_deactivating_an_application_stops_its_codes_and_tokens_at_once(
    admin_client, browser, oauth_client, held, post
):
    response = _admin_action(admin_client, "deactivate_applications", oauth_client.app)

    assert response.status_code == HTTPStatus.OK
    oauth_client.app.refresh_from_db()
    assert oauth_client.app.active is False

    bearer = _bearer(held.access_token)
    assert bearer.status_code == HTTPStatus.UNAUTHORIZED
    assert bearer.json() == _invalid_token("The access token's application is inactive.")

    refresh = _refresh(post, oauth_client, held.refresh_token)
    assert refresh.status_code == HTTPStatus.UNAUTHORIZED
    assert refresh.json() == INVALID_CLIENT

    exchange = _exchange(post, oauth_client, held.pending_code, held.pending_verifier)
    assert exchange.status_code == HTTPStatus.UNAUTHORIZED
    assert exchange.json() == INVALID_CLIENT

    page = browser.get(_authorize_url(oauth_client, pkce_pair()[1]))
    assert page.status_code == HTTPStatus.BAD_REQUEST
    assert "Location" not in page
    assert "<code>invalid_client_id</code>" in page.content.decode()


def test_activating_again_lifts_the_suspension(admin_client, oauth_client, held, post):
    _admin_action(admin_client, "deactivate_applications", oauth_client.app)

    _admin_action(admin_client, "activate_applications", oauth_client.app)

    assert _bearer(held.access_token).status_code == HTTPStatus.OK
    refreshed = _refresh(post, oauth_client, held.refresh_token)
    assert refreshed.status_code == HTTPStatus.OK, refreshed.json()


def test_deactivating_a_user_stops_their_codes_and_tokens(resource_owner, oauth_client, held, post):
    resource_owner.is_active = False
    resource_owner.save()

    bearer = _bearer(held.access_token)
    assert bearer.status_code == HTTPStatus.UNAUTHORIZED
    assert bearer.json() == _invalid_token("The access token's user is inactive.")

    refresh = _refresh(post, oauth_client, held.refresh_token)
    assert refresh.status_code == HTTPStatus.BAD_REQUEST
    assert refresh.json() == INVALID_GRANT

    exchange = _exchange(post, oauth_client, held.pending_code, held.pending_verifier)
    assert exchange.status_code == HTTPStatus.BAD_REQUEST
    assert exchange.json() == INVALID_GRANT
