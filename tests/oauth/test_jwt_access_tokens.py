"""JWT access tokens (RFC 9068) at the token, revocation and introspection endpoints.

What holds for a JWT access token, by design (see gqlauth.jwtaccess):
- its signature, iss, aud, typ, alg and exp are checked without the database, so revoking it or
  ending its account (deactivation, a new password) ends its scope-only use only when it expires;
- whatever needs its user loads its row and applies the account checks at once;
- its refresh token is opaque and checked in the database: refused at once;
- revocation and introspection find it by digest like any token.
"""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gqlauth import bearer, digests, jwtaccess, signingkeys
from gqlauth.errors import InactiveUserError, PasswordChangedError, UnknownTokenError
from gqlauth.models import AccessToken, AccessTokenFormat, GrantType, RefreshToken

ISSUER = "http://testserver"


def parts(value: str) -> tuple[dict, dict]:
    def decode(segment):
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))

    header, payload, _ = value.split(".")
    return decode(header), decode(payload)


@pytest.fixture
def client(make_application):
    return make_application(grant_types=(GrantType.PASSWORD, GrantType.CLIENT_CREDENTIALS))


@pytest.fixture
def carol(make_user):
    return make_user(username="carol")


@pytest.fixture
def issued(jwt_format, client, carol, password_grant):
    response = password_grant(client, "carol", scope="read groups")
    assert response.status_code == HTTPStatus.OK
    return response.json()


def bearer_request(rf, token):
    return rf.post("/graphql/", HTTP_AUTHORIZATION=f"Bearer {token}")


# -- issuing ---------------------------------------------------------------------------------------


def test_password_grant_issues_an_rfc_9068_token(issued, jwt_format, client, carol):
    header, claims = parts(issued["access_token"])
    row = AccessToken.objects.get()

    assert set(issued) == {"access_token", "expires_in", "token_type", "scope", "refresh_token"}
    assert (issued["token_type"], issued["expires_in"], issued["scope"]) == (
        "Bearer",
        300,
        "read groups",
    )
    assert header == {"alg": "ES256", "kid": jwt_format.kid, "typ": "at+jwt"}
    assert claims == {
        "iss": ISSUER,
        "sub": str(carol.pk),
        "aud": "http://testserver/graphql/",
        "client_id": client.client_id,
        "scope": "read groups",
        "jti": row.jti,
        "iat": claims["exp"] - 300,
        "exp": int(row.expires.timestamp()),
    }
    assert row.expires == datetime.fromtimestamp(claims["exp"], UTC)
    # Stored like any token: by digest, with its user's password fingerprint.
    assert row.digest == digests.digest(issued["access_token"], purpose="access")
    assert row.user == carol
    assert row.user_fingerprint == digests.password_fingerprint(carol.password)


def test_the_refresh_token_stays_opaque_and_digested(issued):
    refresh = issued["refresh_token"]
    assert not jwtaccess.looks_like_jwt(refresh)
    assert RefreshToken.objects.get().digest == digests.digest(refresh, purpose="refresh")


def test_client_credentials_names_the_client_as_subject(jwt_format, client, post):
    response = post("/o/token/", {"grant_type": "client_credentials"}, auth=client.basic)

    _, claims = parts(response.json()["access_token"])
    assert claims["sub"] == claims["client_id"] == client.client_id
    assert AccessToken.objects.get().user is None


def test_rs256(settings, db, client, carol, password_grant):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ACCESS_TOKEN_FORMAT": "jwt"}
    key = signingkeys.create(algorithm="RS256", activate_now=True)

    header, _ = parts(password_grant(client, "carol").json()["access_token"])

    assert header == {"alg": "RS256", "kid": key.kid, "typ": "at+jwt"}


def test_refresh_issues_a_new_jwt_and_ends_the_old_row(issued, client, refresh_grant):
    old_jti = AccessToken.objects.get().jti

    body = refresh_grant(client, issued["refresh_token"]).json()

    _, claims = parts(body["access_token"])
    assert body["expires_in"] == 300
    assert list(AccessToken.objects.values_list("jti", flat=True)) == [claims["jti"]]
    assert claims["jti"] != old_jti


def test_refresh_without_rotation_reissues_a_jwt(settings, issued, client, refresh_grant):
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "ROTATE_REFRESH_TOKEN": False,
        "REFRESH_TOKEN_REUSE_PROTECTION": False,
    }

    body = refresh_grant(client, issued["refresh_token"]).json()

    _, claims = parts(body["access_token"])
    assert body["refresh_token"] == issued["refresh_token"]
    assert AccessToken.objects.get().jti == claims["jti"]


@pytest.mark.parametrize(
    ("setting", "choice", "jwt"),
    [
        ("opaque", AccessTokenFormat.SETTING, False),
        ("opaque", AccessTokenFormat.JWT, True),
        ("jwt", AccessTokenFormat.SETTING, True),
        ("jwt", AccessTokenFormat.OPAQUE, False),
    ],
)
def test_the_application_chooses_its_format(
    settings, signing_key, make_application, carol, password_grant, setting, choice, jwt
):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ACCESS_TOKEN_FORMAT": setting}
    client = make_application(access_token_format=choice)

    body = password_grant(client, "carol").json()

    assert jwtaccess.looks_like_jwt(body["access_token"]) is jwt
    assert body["expires_in"] == (300 if jwt else 36000)
    assert (AccessToken.objects.get().jti is not None) is jwt


def test_the_lifetime_setting(settings, issued, jwt_format, client, password_grant):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "JWT_ACCESS_TOKEN_EXPIRE_SECONDS": 60}

    body = password_grant(client, "carol").json()

    _, claims = parts(body["access_token"])
    assert body["expires_in"] == claims["exp"] - claims["iat"] == 60


def test_with_debug_and_no_issuer_the_request_names_it(settings, jwt_format, client, post):
    settings.DEBUG = True
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ISSUER": None}

    response = post(
        "/o/token/",
        {"grant_type": "client_credentials"},
        auth=client.basic,
        headers={"Host": "localhost:8000"},
    )

    _, claims = parts(response.json()["access_token"])
    assert (claims["iss"], claims["aud"]) == (
        "http://localhost:8000",
        "http://localhost:8000/graphql/",
    )


def test_without_an_active_key_the_token_endpoint_says_server_error(
    settings, db, client, carol, password_grant, caplog
):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ACCESS_TOKEN_FORMAT": "jwt"}
    signingkeys.create()  # pending for an hour

    response = password_grant(client, "carol")

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert response.json() == {
        "error": "server_error",
        "error_description": "The server cannot issue an access token now.",
    }
    assert response["Cache-Control"] == "no-store"
    assert caplog.messages == [
        "Cannot issue a JWT access token: No signing key is active: "
        "run `manage.py signingkeys create`.",
        "Internal Server Error: /o/token/",  # Django's own record of a 500
    ]
    assert not AccessToken.objects.exists()
    assert not RefreshToken.objects.exists()


def test_issuing_reads_one_key_row_and_logs_no_token(issued, client, password_grant, caplog):
    caplog.set_level(logging.DEBUG)
    with CaptureQueriesContext(connection) as queries:
        body = password_grant(client, "carol").json()
    key_reads = [q for q in queries.captured_queries if "gqlauth_signingkey" in q["sql"]]
    assert len(key_reads) == 1
    assert body["access_token"] not in caplog.text


# -- revocation and introspection -----------------------------------------------------------------


def test_introspection_describes_a_jwt(issued, client, post):
    row = AccessToken.objects.get()

    response = post("/o/introspect/", {"token": issued["access_token"]}, auth=client.basic)

    assert response.json() == {
        "active": True,
        "scope": "read groups",
        "client_id": client.client_id,
        "username": "carol",
        "exp": parts(issued["access_token"])[1]["exp"],
        "iat": int(row.created.timestamp()),
        "token_type": "Bearer",
    }


@pytest.mark.parametrize("hint", [None, "access_token", "refresh_token"])
def test_revoking_a_jwt_removes_its_row(issued, client, post, hint):
    data = {"token": issued["access_token"], **({"token_type_hint": hint} if hint else {})}

    response = post("/o/revoke_token/", data, auth=client.basic)

    assert response.status_code == HTTPStatus.OK
    assert not AccessToken.objects.exists()
    assert RefreshToken.objects.get().revoked_at is not None
    body = post("/o/introspect/", {"token": issued["access_token"]}, auth=client.basic).json()
    assert body == {"active": False}


# -- the guarantees --------------------------------------------------------------------------------


def test_a_revoked_jwt_verifies_until_it_expires_but_has_no_user(issued, client, post, rf):
    post("/o/revoke_token/", {"token": issued["access_token"]}, auth=client.basic)

    token = bearer.authenticate_bearer(bearer_request(rf, issued["access_token"]))

    assert token.scopes == ["read", "groups"]
    with pytest.raises(UnknownTokenError):
        bearer.user_of(token)


def test_a_deactivated_user(issued, carol, client, rf, refresh_grant, post):
    carol.is_active = False
    carol.save()

    token = bearer.authenticate_bearer(bearer_request(rf, issued["access_token"]))
    with pytest.raises(InactiveUserError):
        bearer.user_of(token)
    # Refresh tokens are opaque and checked in the database: refused at once.
    refused = refresh_grant(client, issued["refresh_token"])
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert refused.json()["error"] == "invalid_grant"
    assert post("/o/introspect/", {"token": issued["access_token"]}, auth=client.basic).json() == {
        "active": False
    }


def test_a_changed_password(issued, carol, client, rf, refresh_grant):
    carol.set_password("another-password-123")
    carol.save()

    token = bearer.authenticate_bearer(bearer_request(rf, issued["access_token"]))
    assert token.scopes == ["read", "groups"]
    with pytest.raises(PasswordChangedError):
        bearer.user_of(token)
    assert refresh_grant(client, issued["refresh_token"]).json()["error"] == "invalid_grant"


def test_a_revoked_refresh_token_is_refused_at_once(issued, client, post, refresh_grant):
    post(
        "/o/revoke_token/",
        {"token": issued["refresh_token"], "token_type_hint": "refresh_token"},
        auth=client.basic,
    )

    assert refresh_grant(client, issued["refresh_token"]).json()["error"] == "invalid_grant"


def test_the_user_of_a_live_jwt_is_one_query(issued, carol, rf, django_assert_num_queries):
    token = bearer.authenticate_bearer(bearer_request(rf, issued["access_token"]))
    with django_assert_num_queries(1):
        assert bearer.user_of(token) == carol


def test_outside_a_request_only_the_configured_issuer_signs(settings):
    from gqlauth.oauth import server

    assert server._issuer() == ISSUER
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ISSUER": None}
    with pytest.raises(jwtaccess.CannotSignError, match="ISSUER"):
        server._issuer()
