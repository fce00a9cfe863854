"""JWT access tokens at /graphql/: verified locally, refused with 401 invalid_token otherwise.

A JWT-authenticated request costs no query to authenticate (while this process holds the
published keys); its user is loaded, with the account checks, only when a field needs it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta
from http import HTTPStatus

import pytest
import strawberry
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.contrib.auth.models import Group
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from gqlauth import jose, jwtaccess, signingkeys, tokens
from gqlauth.graphql.context import BearerCredentials
from gqlauth.graphql.errors import TokenRejectedError
from gqlauth.graphql.permissions import requires_scope
from gqlauth.graphql.schema import Schema
from gqlauth.graphql.views import GraphQLView
from schema.api import schema
from tests.graphql.client import GRAPHQL_URL
from tests.graphql.test_views import invalid_token

INVALID = "The access token is invalid or revoked."
ISSUER = "http://testserver"
AUDIENCE = "http://testserver/graphql/"


def b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims(**changes):
    now = int(time.time())
    return {
        "iss": ISSUER,
        "sub": "1",
        "aud": AUDIENCE,
        "client_id": "client",
        "scope": "read groups",
        "jti": "jti",
        "iat": now,
        "exp": now + 300,
        **changes,
    }


def signed_by(key, payload=None, typ="at+jwt"):
    signer = signingkeys.signer()
    assert signer.kid == key.kid
    return jose.sign_jws(
        payload or claims(), signer.private_key, algorithm=signer.algorithm, kid=key.kid, typ=typ
    )


def assert_refused(gql, token, description=INVALID):
    response = gql.post("{ groups { name } }", token=token)
    assert response.status == HTTPStatus.UNAUTHORIZED
    assert response.http.headers["WWW-Authenticate"] == (
        f'Bearer error="invalid_token", error_description="{description}"'
    )
    assert response.body == invalid_token(description)


@pytest.fixture
def groups(db):
    Group.objects.create(name="ops")


# -- accepted --------------------------------------------------------------------------------------


def test_a_jwt_reads_what_its_scopes_allow(gql, groups, make_jwt, signing_key):
    value, _ = make_jwt(scopes=("groups",))

    response = gql.post("{ groups { name } }", token=value)

    assert response.body == {"data": {"groups": [{"name": "ops"}]}}


def test_authentication_costs_no_query(gql, groups, make_jwt, django_assert_num_queries):
    value, _ = make_jwt(scopes=("groups",))
    gql.post("{ __typename }", token=value)  # this process now holds the published keys

    with django_assert_num_queries(0):
        assert gql.post("{ __typename }", token=value).body == {"data": {"__typename": "Query"}}
    with django_assert_num_queries(1):  # the groups, and nothing else
        assert gql.post("{ groups { name } }", token=value).errors == []


def test_a_scope_only_field_costs_no_query(make_jwt, django_assert_num_queries):
    @strawberry.type
    class Query:
        @requires_scope("read")
        @strawberry.field
        def greeting(self) -> str:
            return "hello"

    view = GraphQLView.as_view(schema=Schema(query=Query))
    value, _ = make_jwt(scopes=("read",))
    signingkeys.verification_key(jose.unverified_header(value)["kid"])  # keys held

    with django_assert_num_queries(0):
        response = view(
            RequestFactory().post(
                GRAPHQL_URL,
                {"query": "{ greeting }"},
                content_type="application/json",
                headers={"Authorization": f"Bearer {value}"},
            )
        )

    assert json.loads(response.content) == {"data": {"greeting": "hello"}}


def test_me_loads_the_user_with_one_query(gql, make_user, make_jwt, django_assert_num_queries):
    carol = make_user(username="carol")
    value, row = make_jwt(scopes=("read",), user=carol)
    gql.post("{ __typename }", token=value)

    with django_assert_num_queries(1):
        response = gql.post("{ me { user { username } clientId scopes expiresAt } }", token=value)

    assert response.body == {
        "data": {
            "me": {
                "user": {"username": "carol"},
                "clientId": row.application.client_id,
                "scopes": ["read"],
                "expiresAt": row.expires.isoformat(),
            }
        }
    }


def test_a_client_jwt_has_no_user(gql, make_jwt):
    value, row = make_jwt(scopes=("read",), user=False)

    response = gql.post("{ me { user { username } clientId } }", token=value)

    assert response.body == {"data": {"me": {"user": None, "clientId": row.application.client_id}}}


def test_the_request_carries_the_claims_and_a_lazy_user(make_user, make_jwt):
    carol = make_user()
    value, row = make_jwt(user=carol)
    request = RequestFactory().post(GRAPHQL_URL, headers={"Authorization": f"Bearer {value}"})

    context = GraphQLView(schema=schema).get_context(request, HttpResponse())

    assert isinstance(request.auth, jwtaccess.JwtAccessToken)
    assert request.auth.jti == row.jti
    assert context.credentials.token is request.auth
    assert context.credentials.scopes == {"read", "write", "groups"}
    assert isinstance(request.user, SimpleLazyObject)
    assert request.user == carol


def test_tokens_of_an_old_key_verify_while_it_is_published(gql, groups, make_jwt, signing_key):
    old, _ = make_jwt(scopes=("groups",))

    new, _ = signingkeys.rotate(activate_now=True)
    fresh, _ = make_jwt(scopes=("groups",))

    assert jose.unverified_header(fresh)["kid"] == new.kid
    for value in (old, fresh):
        assert gql.post("{ groups { name } }", token=value).errors == []
    signingkeys.retire(signing_key.kid, unpublish=True)
    assert_refused(gql, old)
    assert gql.post("{ groups { name } }", token=fresh).errors == []


# -- refused ---------------------------------------------------------------------------------------


def test_tampered(gql, groups, make_jwt):
    value, _ = make_jwt(scopes=("read",))
    header, _, signature = value.split(".")
    assert_refused(gql, f"{header}.{b64(claims(scope='read groups'))}.{signature}")


def test_expired(gql, groups, make_jwt):
    value, _ = make_jwt(now=timezone.now() - timedelta(seconds=300))
    assert_refused(gql, value, "The access token expired.")


def test_wrong_audience(gql, groups, signing_key):
    assert_refused(gql, signed_by(signing_key, claims(aud="https://api.other.example/graphql/")))


def test_wrong_issuer(gql, groups, signing_key):
    assert_refused(gql, signed_by(signing_key, claims(iss="https://evil.example")))


@pytest.mark.parametrize("typ", ["JWT", "", "application/jwt"])
def test_wrong_typ(gql, groups, signing_key, typ):
    assert_refused(gql, signed_by(signing_key, typ=typ))


def test_alg_none(gql, groups, signing_key):
    header = b64({"alg": "none", "kid": signing_key.kid, "typ": "at+jwt"})
    assert_refused(gql, f"{header}.{b64(claims())}.")


def test_hs256_with_the_public_key(gql, groups, signing_key):
    header = b64({"alg": "HS256", "kid": signing_key.kid, "typ": "at+jwt"})
    signing_input = f"{header}.{b64(claims())}"
    # The published key, as JSON and as its PEM, each tried as the HMAC secret.
    public_key = jose.load_public_jwk(signing_key.public_jwk)
    pem = public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    for secret in (json.dumps(signing_key.public_jwk).encode(), pem):
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        assert_refused(gql, f"{signing_input}.{b64(mac)}")


def test_an_unknown_key(gql, groups, signing_key):
    stranger = jose.generate_private_key("ES256")
    kid = jose.public_jwk(stranger, algorithm="ES256")["kid"]
    assert_refused(gql, jose.sign_jws(claims(), stranger, algorithm="ES256", kid=kid, typ="at+jwt"))


def test_a_withdrawn_key_ends_its_tokens_at_once(gql, groups, make_jwt, signing_key):
    value, _ = make_jwt(scopes=("groups",))
    signingkeys.retire(signing_key.kid, unpublish=True)
    assert_refused(gql, value)


# -- what revocation and account changes do, within the token's lifetime ---------------------------


ME = "{ groups { name } me { user { username } } }"


def rejected_me(description):
    return {
        "data": None,
        "errors": [
            {
                "message": description,
                "locations": [{"line": 1, "column": 19}],
                "path": ["me"],
                "extensions": {"code": "INVALID_TOKEN"},
            }
        ],
    }


def test_revoked(gql, groups, make_jwt):
    value, row = make_jwt(scopes=("groups", "read"))
    tokens.revoke_access_token(row)

    response = gql.post(ME, token=value)

    # Scope-only fields resolve until the token expires; the user is refused at once.
    assert response.status == HTTPStatus.OK
    assert response.body == rejected_me(INVALID)
    assert gql.post("{ groups { name } }", token=value).body == {
        "data": {"groups": [{"name": "ops"}]}
    }


def test_deactivated_user(gql, groups, make_user, make_jwt):
    carol = make_user()
    value, _ = make_jwt(user=carol)
    carol.is_active = False
    carol.save()

    assert gql.post(ME, token=value).body == rejected_me("The access token's user is inactive.")
    assert gql.post("{ groups { name } }", token=value).errors == []


def test_changed_password(gql, groups, make_user, make_jwt):
    carol = make_user()
    value, _ = make_jwt(user=carol)
    carol.set_password("another-password-123")
    carol.save()

    assert gql.post(ME, token=value).body == rejected_me(
        "The access token's user changed their password."
    )


def test_inactive_application(gql, groups, make_jwt):
    value, row = make_jwt()
    row.application.active = False
    row.application.save()

    assert gql.post(ME, token=value).body == rejected_me(
        "The access token's application is inactive."
    )


def test_a_rejected_user_is_looked_up_once(make_jwt, django_assert_num_queries):
    value, row = make_jwt(scopes=("read",))
    tokens.revoke_access_token(row)
    token = jwtaccess.verify_access_token(value, issuer=ISSUER)
    credentials = BearerCredentials.from_token(token)

    with django_assert_num_queries(1):
        for _ in range(2):
            with pytest.raises(TokenRejectedError, match=INVALID):
                credentials.user  # noqa: B018
    assert credentials.client_id == row.application.client_id
    assert credentials.expires_at == row.expires


def test_permission_rules_load_the_user_of_a_jwt(gql, make_user, make_jwt):
    carol = make_user(username="carol")
    make_user(username="dave")
    value, row = make_jwt(scopes=("read",), user=carol)

    # Without auth.view_user, users lists the caller alone: the rule needed carol.
    assert gql.post("{ users { username } }", token=value).body == {
        "data": {"users": [{"username": "carol"}]}
    }
    tokens.revoke_access_token(row)
    response = gql.post("{ users { username } }", token=value)
    assert [(e["path"], e["extensions"]["code"]) for e in response.errors] == [
        (["users"], "INVALID_TOKEN")
    ]
