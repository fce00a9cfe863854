"""The HTTP endpoint: bearer-only authentication, HTTP errors, CSRF exemption, limits."""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from gqlauth import tokens
from gqlauth.graphql.views import GraphQLView
from schema.api import schema
from tests.graphql.client import GRAPHQL_URL

UNAUTHENTICATED = {
    "message": "Authentication credentials were not provided.",
    "locations": [{"line": 1, "column": 3}],
    "path": ["me"],
    "extensions": {"code": "UNAUTHENTICATED"},
}


def invalid_token(description: str) -> dict[str, object]:
    return {"errors": [{"message": description, "extensions": {"code": "INVALID_TOKEN"}}]}


def test_post_with_a_session_but_no_csrf_token_is_served_and_the_session_grants_nothing(
    make_user,
):
    """CSRF-exempt because cookies authenticate nothing here: only the bearer header does."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_user(is_staff=True, is_superuser=True))

    response = browser.post(
        GRAPHQL_URL, {"query": "{ me { scopes } }"}, content_type="application/json"
    )

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"data": None, "errors": [UNAUTHENTICATED]}


@pytest.mark.parametrize(
    ("authorization", "description"),
    [
        ("Bearer not-a-token-we-issued", "The access token is invalid or revoked."),
        ("Bearer", "The Authorization header must be 'Bearer <token>'."),
        ("Bearer two words", "The Authorization header must be 'Bearer <token>'."),
        ("Basic dXNlcjpwYXNz", "The Authorization header must be 'Bearer <token>'."),
    ],
)
def test_bad_authorization_header_is_401_invalid_token(gql, authorization, description):
    response = gql.post("{ __typename }", authorization=authorization)

    assert response.status == HTTPStatus.UNAUTHORIZED
    assert response.http.headers["WWW-Authenticate"] == (
        f'Bearer error="invalid_token", error_description="{description}"'
    )
    assert response.body == invalid_token(description)


def test_token_is_checked_even_for_public_fields(gql, make_tokens):
    issued = make_tokens(expires_in=-10)

    response = gql.post("{ __typename }", token=issued.access_token)

    assert response.status == HTTPStatus.UNAUTHORIZED
    assert response.body == invalid_token("The access token expired.")


def test_query_by_get_is_served(gql, make_tokens):
    issued = make_tokens(scopes=("read",))

    response = gql.get("{ me { scopes } }", token=issued.access_token)

    assert response.status == HTTPStatus.OK
    assert response.body == {"data": {"me": {"scopes": ["read"]}}}


def test_mutation_by_get_is_405_allow_post(gql, make_tokens):
    issued = make_tokens(scopes=("read", "write", "groups"))

    response = gql.get(
        'mutation { createUser(username: "x", password: "y") { id } }', token=issued.access_token
    )

    assert response.status == HTTPStatus.METHOD_NOT_ALLOWED
    assert response.http.headers["Allow"] == "POST"
    assert response.body == {
        "errors": [
            {
                "message": "mutations are not allowed when using GET",
                "extensions": {"code": "METHOD_NOT_ALLOWED"},
            }
        ]
    }


@pytest.mark.parametrize("method", ["put", "patch", "delete", "options"])
def test_other_methods_are_405_allow_get_post(db, method):
    response = getattr(Client(), method)(GRAPHQL_URL)

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response.headers["Allow"] == "GET, POST"
    assert response.json()["errors"][0]["extensions"] == {"code": "METHOD_NOT_ALLOWED"}


def test_body_over_max_body_bytes_is_413(gql, settings):
    settings.GQLAUTH_GRAPHQL = {"MAX_BODY_BYTES": 64}
    assert gql.post("{ __typename }").status == HTTPStatus.OK

    response = gql.post("{ __typename }" + " " * 64)

    assert response.status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert response.body == {
        "errors": [
            {
                "message": "The request body exceeds 64 bytes.",
                "extensions": {"code": "PAYLOAD_TOO_LARGE"},
            }
        ]
    }


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        ("{not json", "application/json", "Unable to parse request body as JSON"),
        (
            '{"query": 1}',
            "application/json",
            "The GraphQL operation's `query` must be a string or null, if provided.",
        ),
        ("query=%7B__typename%7D", "application/x-www-form-urlencoded", "Unsupported content type"),
        ('[{"query": "{ __typename }"}]', "application/json", "Batching is not enabled"),
        (b'{"query": "\xff"}', "application/json", "The request body must be UTF-8."),
    ],
)
def test_malformed_requests_are_400_with_a_graphql_shaped_body(db, body, content_type, message):
    response = Client().post(GRAPHQL_URL, body, content_type=content_type)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]
    }


def test_browser_get_is_404_when_graphiql_is_off(db, settings):
    settings.GQLAUTH_GRAPHQL = {"GRAPHIQL": False}

    response = Client().get(GRAPHQL_URL, headers={"Accept": "text/html"})

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {
        "errors": [{"message": "Not Found", "extensions": {"code": "NOT_FOUND"}}]
    }


def test_one_token_lookup_per_request(gql, make_tokens, make_user):
    issued = make_tokens(scopes=("read", "groups"))
    for _ in range(3):
        make_user(groups=("g1",))
    query = "{ a: me { scopes } b: me { scopes } users { groups { name } } groups { name } }"

    with CaptureQueriesContext(connection) as queries:
        response = gql.post(query, token=issued.access_token)

    assert response.errors == []
    lookups = [q["sql"] for q in queries.captured_queries if "gqlauth_accesstoken" in q["sql"]]
    assert len(lookups) == 1


def test_me_costs_only_the_token_lookup(gql, make_tokens, django_assert_num_queries):
    issued = make_tokens(scopes=("read",))

    with django_assert_num_queries(1):
        response = gql.post(
            "{ me { scopes clientId user { username } } }", token=issued.access_token
        )

    assert response.errors == []


def test_context_and_request_carry_the_token_and_never_the_session_user(make_tokens, make_user):
    view = GraphQLView(schema=schema)
    issued = make_tokens(scopes=("read",))

    request = RequestFactory().post(
        GRAPHQL_URL, headers={"Authorization": f"Bearer {issued.access_token}"}
    )
    context = view.get_context(request, HttpResponse())
    assert context.credentials is not None
    assert context.credentials.token == issued.access
    assert context.credentials.scopes == {"read"}
    assert request.user == issued.access.user
    assert request.auth == issued.access

    anonymous = RequestFactory().post(GRAPHQL_URL)
    anonymous.user = make_user()  # as if a session had logged someone in
    context = view.get_context(anonymous, HttpResponse())
    assert context.credentials is None
    assert isinstance(anonymous.user, AnonymousUser)
    assert anonymous.auth is None


def test_client_credentials_token_has_no_user(gql, make_tokens):
    issued = make_tokens(scopes=("read",), user=False)

    response = gql.post("{ me { user { username } clientId } }", token=issued.access_token)

    assert response.body == {
        "data": {"me": {"user": None, "clientId": issued.access.application.client_id}}
    }


def test_revoked_token_is_refused(gql, make_tokens):
    issued = make_tokens()
    tokens.revoke_access_token(issued.access)

    response = gql.post("{ __typename }", token=issued.access_token)

    assert response.status == HTTPStatus.UNAUTHORIZED
    assert json.loads(response.http.content) == invalid_token(
        "The access token is invalid or revoked."
    )
