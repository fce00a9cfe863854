"""Authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636, RFC 9207), in-process."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta
from http import HTTPStatus
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.utils import timezone

from gqlauth.models import AccessToken, AuthorizationCode, Consent, GrantType, RefreshToken

REDIRECT = "https://app.example/callback"
ISSUER = "http://testserver"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@pytest.fixture
def app(make_application):
    return make_application(
        client_type="public",
        grant_types=(GrantType.AUTHORIZATION_CODE,),
        redirect_uris=REDIRECT,
    )


@pytest.fixture
def resource_owner(make_user):
    return make_user(username="owner")


@pytest.fixture
def signed_in(client, resource_owner):
    client.force_login(resource_owner)
    return client


@pytest.fixture
def authorize(signed_in, app):
    """``authorize(**params)`` -> (response, verifier); PKCE S256 unless overridden."""

    def send(method="get", decision=None, **params):
        verifier, challenge = pkce_pair()
        data = {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": REDIRECT,
            "scope": "read",
            "state": "xyz",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            **params,
        }
        data = {k: v for k, v in data.items() if v is not None}
        url = "/o/authorize/?" + urlencode(data)
        if method == "post":
            return signed_in.post(url, {"decision": decision}), verifier
        return signed_in.get(url), verifier

    return send


@pytest.fixture
def exchange(post, app):
    def send(code, verifier, client=None, **extra):
        client = client or app
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": client.client_id,
            "code_verifier": verifier,
            **extra,
        }
        data = {k: v for k, v in data.items() if v is not None}
        return post("/o/token/", data, auth=client.basic if client.secret else None)

    return send


def approved(authorize, **params):
    response, verifier = authorize(method="post", decision="approve", **params)
    assert response.status_code == HTTPStatus.FOUND, response.content
    return query(response["Location"]), verifier


def test_consent_page_names_the_application_its_owner_and_the_scopes(authorize, app):
    response, _ = authorize(scope="read groups")

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert (
        f"<strong>{app.app.name}</strong>, registered by <strong>{app.app.user.username}</strong>"
        in html
    )
    assert "<li><strong>Read scope</strong> <code>read</code></li>" in html
    assert "<li><strong>Access to your groups</strong> <code>groups</code></li>" in html
    assert 'value="approve"' in html
    assert 'value="deny"' in html
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "form-action 'self' https://app.example;" in response["Content-Security-Policy"]


def test_approve_redirects_with_code_state_and_iss(authorize, exchange):
    params, verifier = approved(authorize)

    assert set(params) == {"code", "state", "iss"}
    assert params["state"] == "xyz"
    assert params["iss"] == ISSUER
    response = exchange(params["code"], verifier)
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert body["scope"] == "read"
    assert body["token_type"] == "Bearer"


def test_the_code_is_stored_as_a_digest_bound_to_the_request(authorize, app, resource_owner):
    params, _ = approved(authorize)

    row = AuthorizationCode.objects.get()
    assert params["code"] not in (row.digest, row.code_challenge)
    assert len(params["code"]) >= 43
    assert row.application == app.app
    assert row.user == resource_owner
    assert (row.redirect_uri, row.scope, row.code_challenge_method) == (REDIRECT, "read", "S256")
    assert row.expires - row.created <= timedelta(seconds=61)


def test_deny_redirects_with_access_denied(authorize):
    response, _ = authorize(method="post", decision="deny")

    assert response.status_code == HTTPStatus.FOUND
    assert query(response["Location"]) == {
        "error": "access_denied",
        "error_description": "The user denied the request.",
        "state": "xyz",
        "iss": ISSUER,
    }
    assert response["Location"].startswith(REDIRECT + "?")


def test_anonymous_users_sign_in_first(client, app):
    url = "/o/authorize/?" + urlencode(
        {
            "response_type": "code",
            "client_id": app.client_id,
            "code_challenge": pkce_pair()[1],
            "code_challenge_method": "S256",
        }
    )

    response = client.get(url)

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/accounts/login/?next=/o/authorize/%3F")


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"client_id": "nope"}, "invalid_client_id"),
        ({"client_id": None}, "missing_client_id"),
        ({"redirect_uri": "https://app.example/other"}, "mismatching_redirect_uri"),
        ({"redirect_uri": "https://app.example/callback/"}, "mismatching_redirect_uri"),
        ({"redirect_uri": "http://app.example/callback"}, "mismatching_redirect_uri"),
        ({"redirect_uri": "https://app.example:443/callback"}, "mismatching_redirect_uri"),
        ({"redirect_uri": "https://app.example/callback?x=1"}, "mismatching_redirect_uri"),
        ({"redirect_uri": "https://APP.example/callback"}, "mismatching_redirect_uri"),
    ],
)
def test_unknown_clients_and_unregistered_redirects_get_a_page_never_a_redirect(
    authorize, params, error
):
    response, _ = authorize(**params)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Location" not in response
    assert f"<code>{error}</code>" in response.content.decode()


def test_with_one_registered_uri_redirect_uri_may_be_omitted(authorize, exchange):
    params, verifier = approved(authorize, redirect_uri=None)

    response = exchange(params["code"], verifier, redirect_uri=None)
    assert response.status_code == HTTPStatus.OK, response.json()


def test_an_omitted_redirect_uri_needs_a_single_registered_one(authorize, app):
    app.app.redirect_uris = f"{REDIRECT} https://app.example/second"
    app.app.save()

    response, _ = authorize(redirect_uri=None)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "<code>missing_redirect_uri</code>" in response.content.decode()


def test_a_given_redirect_uri_must_be_repeated_in_the_token_request(authorize, exchange):
    params, verifier = approved(authorize)

    response = exchange(params["code"], verifier, redirect_uri=None)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("params", "error", "description"),
    [
        (
            {"code_challenge": None, "code_challenge_method": None},
            "invalid_request",
            "Code challenge required.",
        ),
        (
            {"code_challenge_method": "plain"},
            "invalid_request",
            "code_challenge_method must be S256.",
        ),
        ({"code_challenge_method": None}, "invalid_request", "code_challenge_method must be S256."),
        (
            {"code_challenge": "short"},
            "invalid_request",
            "code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ "
            "(RFC 7636 section 4.2).",
        ),
        (
            {"response_type": "token"},
            "unsupported_response_type",
            "Only response_type=code is supported.",
        ),
        (
            {"scope": "admin"},
            "invalid_scope",
            "The requested scope is unknown or not allowed for this application.",
        ),
        (
            {"response_mode": "fragment"},
            "invalid_request",
            "Only response_mode=query is supported.",
        ),
    ],
)
def test_bad_requests_go_back_to_the_client_as_query_errors(authorize, params, error, description):
    response, _ = authorize(**params)

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(REDIRECT + "?")
    assert query(response["Location"]) == {
        "error": error,
        "error_description": description,
        "state": "xyz",
        "iss": ISSUER,
    }


def test_a_scope_the_application_may_not_have_is_refused(authorize, app):
    app.app.allowed_scopes = "read"
    app.app.save()

    response, _ = authorize(scope="read write")

    assert query(response["Location"])["error"] == "invalid_scope"


def test_plain_pkce_when_the_setting_allows_it(settings, authorize, exchange):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ALLOW_PLAIN_PKCE": True}
    verifier = secrets.token_urlsafe(48)

    params, _ = approved(authorize, code_challenge=verifier, code_challenge_method="plain")

    assert exchange(params["code"], verifier).status_code == HTTPStatus.OK


@pytest.mark.parametrize("verifier", [None, "wrong-" + "v" * 43])
def test_missing_or_wrong_verifier_is_refused(authorize, exchange, verifier):
    params, _ = approved(authorize)

    response = exchange(params["code"], verifier)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] in {"invalid_request", "invalid_grant"}
    assert response.json()["error"] == ("invalid_request" if verifier is None else "invalid_grant")
    assert not AccessToken.objects.exists()


def test_a_code_works_once_and_a_replay_revokes_its_tokens(authorize, exchange):
    params, verifier = approved(authorize)
    first = exchange(params["code"], verifier).json()

    replay = exchange(params["code"], verifier)

    assert replay.status_code == HTTPStatus.BAD_REQUEST
    assert replay.json() == {
        "error": "invalid_grant",
        "error_description": "The authorization code was already used; its tokens are revoked.",
    }
    assert not AccessToken.objects.lookup(first["access_token"]).exists()
    assert RefreshToken.objects.lookup(first["refresh_token"]).get().revoked_at is not None


def test_an_expired_code_is_refused(authorize, exchange):
    params, verifier = approved(authorize)
    AuthorizationCode.objects.update(expires=timezone.now() - timedelta(seconds=1))

    response = exchange(params["code"], verifier)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "invalid_grant"


def test_another_clients_code_is_refused(authorize, exchange, make_application):
    other = make_application(
        client_type="public", grant_types=(GrantType.AUTHORIZATION_CODE,), redirect_uris=REDIRECT
    )
    params, verifier = approved(authorize)

    response = exchange(params["code"], verifier, client=other)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "invalid_grant"
    assert AuthorizationCode.objects.get().used_at is None


def test_a_confidential_client_authenticates_at_the_token_endpoint(
    authorize, exchange, make_application, signed_in
):
    confidential = make_application(
        grant_types=(GrantType.AUTHORIZATION_CODE,), redirect_uris=REDIRECT
    )
    verifier, challenge = pkce_pair()
    url = "/o/authorize/?" + urlencode(
        {
            "response_type": "code",
            "client_id": confidential.client_id,
            "scope": "read",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    code = query(signed_in.post(url, {"decision": "approve"})["Location"])["code"]

    without_secret = exchange(code, verifier, client=confidential, client_id=confidential.client_id)
    unauthenticated = exchange(code, verifier, client=type(confidential)(confidential.app, ""))

    assert without_secret.status_code == HTTPStatus.OK
    assert unauthenticated.status_code == HTTPStatus.UNAUTHORIZED


def test_refresh_rotates_like_the_other_grants(authorize, exchange, post, app):
    params, verifier = approved(authorize)
    first = exchange(params["code"], verifier).json()

    response = post(
        "/o/token/",
        {
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": app.client_id,
        },
    )

    assert response.status_code == HTTPStatus.OK
    assert response.json()["refresh_token"] != first["refresh_token"]


def test_prompt_none_without_a_session_is_login_required(client, app):
    url = "/o/authorize/?" + urlencode(
        {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": REDIRECT,
            "code_challenge": pkce_pair()[1],
            "code_challenge_method": "S256",
            "prompt": "none",
            "state": "s",
        }
    )

    response = client.get(url)

    assert query(response["Location"]) == {
        "error": "login_required",
        "error_description": "The user is not signed in.",
        "state": "s",
        "iss": ISSUER,
    }


def test_prompt_none_without_consent_is_consent_required(authorize):
    response, _ = authorize(prompt="none")

    assert response.status_code == HTTPStatus.FOUND
    assert query(response["Location"])["error"] == "consent_required"


def test_consent_is_remembered_for_the_same_or_fewer_scopes(authorize, resource_owner, app):
    approved(authorize, scope="read groups")

    again, _ = authorize(scope="read")
    silent, _ = authorize(scope="groups", prompt="none")
    wider, _ = authorize(scope="read write")
    forced, _ = authorize(scope="read", prompt="consent")

    assert again.status_code == HTTPStatus.FOUND
    assert "code" in query(again["Location"])
    assert "code" in query(silent["Location"])
    assert wider.status_code == HTTPStatus.OK
    assert forced.status_code == HTTPStatus.OK
    assert Consent.objects.get(user=resource_owner, application=app.app).scope == "read groups"


def test_trusted_applications_skip_the_consent_page(authorize, app):
    app.app.skip_authorization = True
    app.app.save()

    response, _ = authorize()

    assert response.status_code == HTTPStatus.FOUND
    assert "code" in query(response["Location"])


def test_without_scope_the_applications_default_scopes_are_asked(authorize, app):
    app.app.default_scopes = "read"
    app.app.save()

    response, _ = authorize(scope=None)

    html = response.content.decode()
    assert "<code>read</code>" in html
    assert "<code>write</code>" not in html


def test_a_native_app_may_use_any_loopback_port(authorize, app):
    app.app.redirect_uris = "http://127.0.0.1/cb"
    app.app.application_type = "native"
    app.app.save()

    ok, _ = authorize(redirect_uri="http://127.0.0.1:53123/cb", method="post", decision="approve")

    assert ok["Location"].startswith("http://127.0.0.1:53123/cb?code=")


def test_a_web_app_may_not_change_the_loopback_port(authorize, app):
    app.app.redirect_uris = "http://127.0.0.1/cb"
    app.app.save()

    response, _ = authorize(redirect_uri="http://127.0.0.1:53123/cb")

    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_an_inactive_application_gets_the_error_page(authorize, app):
    app.app.active = False
    app.app.save()

    response, _ = authorize()

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "<code>invalid_client_id</code>" in response.content.decode()


def test_consent_post_needs_the_csrf_token(app, resource_owner):
    from django.test import Client as HttpClient

    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(resource_owner)
    url = "/o/authorize/?" + urlencode(
        {
            "response_type": "code",
            "client_id": app.client_id,
            "code_challenge": pkce_pair()[1],
            "code_challenge_method": "S256",
        }
    )

    assert browser.post(url, {"decision": "approve"}).status_code == HTTPStatus.FORBIDDEN
    assert not AuthorizationCode.objects.exists()


def test_an_application_without_the_code_grant_is_an_unauthorized_client(authorize, app):
    app.app.grant_types = [GrantType.PASSWORD]
    app.app.save()

    response, _ = authorize()

    assert response.status_code == HTTPStatus.FOUND
    assert query(response["Location"]) == {
        "error": "unauthorized_client",
        "error_description": "This application may not use the authorization code grant.",
        "state": "xyz",
        "iss": ISSUER,
    }
