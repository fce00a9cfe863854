"""The endpoint's two response media types (GraphQL over HTTP): headers, statuses and bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http import HTTPStatus

import pytest
import strawberry
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from strawberry.extensions import SchemaExtension

from gqlauth.graphql.permissions import public
from gqlauth.graphql.schema import Schema
from gqlauth.graphql.views import GraphQLView
from tests.graphql.client import GRAPHQL_URL

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
# What the endpoint sends for each type.
CONTENT_TYPE = {GRAPHQL_RESPONSE_JSON: f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8", JSON: JSON}

PARSE_ERROR = {
    "message": "Syntax Error: Expected Name, found <EOF>.",
    "locations": [{"line": 1, "column": 2}],
}
VALIDATION_ERROR = {
    "message": "Cannot query field 'nope' on type 'Query'.",
    "locations": [{"line": 1, "column": 3}],
}
USER_BY_ID = "query ($id: ID!) { user(id: $id) { username } }"
USERS_PAGE = "query ($limit: Int!) { users(limit: $limit) { username } }"
NOT_ACCEPTABLE = {
    "errors": [
        {
            "message": (
                "The Accept header must allow application/graphql-response+json or "
                "application/json."
            ),
            "extensions": {"code": "NOT_ACCEPTABLE"},
        }
    ]
}


# --- request errors: 400 without data in the spec's type, 200 with "data": null in the legacy one


@pytest.mark.parametrize(
    ("query", "variables", "error"),
    [
        pytest.param("{", None, PARSE_ERROR, id="parse"),
        pytest.param("{ nope }", None, VALIDATION_ERROR, id="validation"),
        pytest.param(
            USER_BY_ID,
            {"id": None},
            {
                "message": (
                    "Variable '$id' has invalid value: "
                    "Expected value of non-null type 'ID!' not to be None."
                ),
                "locations": [{"line": 1, "column": 8}],
            },
            id="coercion-null",
        ),
        pytest.param(
            USERS_PAGE,
            {"limit": "ten"},
            {
                "message": (
                    "Variable '$limit' has invalid value: "
                    "Int cannot represent non-integer value: 'ten'"
                ),
                "locations": [{"line": 1, "column": 8}],
            },
            id="coercion-type",
        ),
    ],
)
def test_request_error_as_graphql_response_json_is_400_without_data(gql, query, variables, error):
    response = gql.post(query, variables, accept=GRAPHQL_RESPONSE_JSON)

    assert response.status == HTTPStatus.BAD_REQUEST
    assert response.http.headers["Content-Type"] == CONTENT_TYPE[GRAPHQL_RESPONSE_JSON]
    assert response.body == {"errors": [error]}


@pytest.mark.parametrize(
    ("query", "variables", "error"),
    [
        pytest.param("{", None, PARSE_ERROR, id="parse"),
        pytest.param("{ nope }", None, VALIDATION_ERROR, id="validation"),
        pytest.param(
            USER_BY_ID,
            {"id": None},
            {
                "message": (
                    "Variable '$id' has invalid value: "
                    "Expected value of non-null type 'ID!' not to be None."
                ),
                "locations": [{"line": 1, "column": 8}],
            },
            id="coercion-null",
        ),
    ],
)
@pytest.mark.parametrize("accept", [JSON, None], ids=["json", "no-accept"])
def test_request_error_as_json_stays_200_with_null_data(gql, query, variables, error, accept):
    response = gql.post(query, variables, accept=accept)

    assert response.status == HTTPStatus.OK
    assert response.http.headers["Content-Type"] == JSON
    assert response.body == {"data": None, "errors": [error]}


def test_the_limits_are_validation_rules_and_answer_400_too(gql, settings):
    settings.GQLAUTH_GRAPHQL = {"MAX_DEPTH": 1}
    too_deep = gql.post("{ me { user { username } } }", accept=GRAPHQL_RESPONSE_JSON)
    settings.GQLAUTH_GRAPHQL = {"MAX_TOKENS": 6}
    too_long = gql.post("{ me { scopes clientId } }", accept=GRAPHQL_RESPONSE_JSON)

    assert (too_deep.status, too_deep.body) == (
        HTTPStatus.BAD_REQUEST,
        {
            "errors": [
                {
                    "message": "'anonymous' exceeds maximum operation depth of 1",
                    "locations": [{"line": 1, "column": 15}],
                }
            ]
        },
    )
    assert (too_long.status, too_long.body) == (
        HTTPStatus.BAD_REQUEST,
        {
            "errors": [
                {
                    "message": (
                        "Syntax Error: Document contains more than 6 tokens. Parsing aborted."
                    ),
                    "locations": [{"line": 1, "column": 26}],
                }
            ]
        },
    )


class _FailingValidation(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        raise RuntimeError("a bug before execution")
        yield


@strawberry.type
class _Query:
    @public()
    @strawberry.field
    def hello(self) -> str:
        return "hello"


@pytest.mark.parametrize(
    ("accept", "status", "keys"),
    [
        (GRAPHQL_RESPONSE_JSON, HTTPStatus.INTERNAL_SERVER_ERROR, ["errors"]),
        (JSON, HTTPStatus.OK, ["data", "errors"]),
    ],
)
def test_an_unexpected_exception_before_execution_is_500_not_400(db, accept, status, keys):
    view = GraphQLView.as_view(schema=Schema(query=_Query, extensions=[_FailingValidation]))
    request = RequestFactory().post(
        GRAPHQL_URL, {"query": "{ hello }"}, content_type=JSON, headers={"Accept": accept}
    )

    response = view(request)

    assert response.status_code == status
    body = json.loads(response.content)
    assert sorted(body) == keys
    assert body["errors"] == [
        {"message": "Unexpected error.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
    ]
    assert "a bug before execution" not in response.content.decode()


# --- field errors are partial results: 200 with data in both types


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE_JSON, JSON])
def test_a_field_error_that_nulls_data_is_200_with_null_data(gql, accept):
    response = gql.post("{ me { scopes } }", accept=accept)

    assert response.status == HTTPStatus.OK
    assert response.http.headers["Content-Type"] == CONTENT_TYPE[accept]
    assert response.body == {
        "data": None,
        "errors": [
            {
                "message": "Authentication credentials were not provided.",
                "locations": [{"line": 1, "column": 3}],
                "path": ["me"],
                "extensions": {"code": "UNAUTHENTICATED"},
            }
        ],
    }


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE_JSON, JSON])
def test_a_scope_denial_is_a_200_partial_result(gql, make_tokens, make_user, accept):
    alice = make_user("alice")
    issued = make_tokens(scopes=("read",), user=alice)

    response = gql.post(
        "query ($id: ID!) { user(id: $id) { username groups { name } } }",
        {"id": alice.pk},
        token=issued.access_token,
        accept=accept,
    )

    assert response.status == HTTPStatus.OK
    assert response.http.headers["Content-Type"] == CONTENT_TYPE[accept]
    assert response.body == {
        "data": {"user": {"username": "alice", "groups": None}},
        "errors": [
            {
                "message": "You do not have permission to perform this action.",
                "locations": [{"line": 1, "column": 45}],
                "path": ["user", "groups"],
                "extensions": {"code": "FORBIDDEN", "requiredScopes": [["groups"]]},
            }
        ],
    }


# --- content negotiation


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", JSON),
        (JSON, JSON),
        ("application/json, multipart/mixed", JSON),
        (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
        (f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8, {JSON}; charset=utf-8", GRAPHQL_RESPONSE_JSON),
        (f"{GRAPHQL_RESPONSE_JSON}, {JSON};q=0.9", GRAPHQL_RESPONSE_JSON),
        (f"{JSON};q=0.9, {GRAPHQL_RESPONSE_JSON}", GRAPHQL_RESPONSE_JSON),
        (f"{JSON}, {GRAPHQL_RESPONSE_JSON};q=0.9", JSON),
        (f"{GRAPHQL_RESPONSE_JSON};q=0.5, */*", JSON),
    ],
)
def test_the_answer_uses_the_accepted_media_type(gql, accept, media_type):
    response = gql.post("{ __typename }", accept=accept)

    assert response.status == HTTPStatus.OK
    assert response.http.headers["Content-Type"] == CONTENT_TYPE[media_type]
    assert response.body == {"data": {"__typename": "Query"}}


def test_a_query_by_get_uses_the_accepted_media_type(gql):
    response = gql.get("{ __typename }", accept=GRAPHQL_RESPONSE_JSON)

    assert response.status == HTTPStatus.OK
    assert response.http.headers["Content-Type"] == CONTENT_TYPE[GRAPHQL_RESPONSE_JSON]
    assert response.body == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    "accept",
    [
        "text/html",
        "application/xml, text/plain;q=0.5",
        f"{JSON};q=0",
        f"{GRAPHQL_RESPONSE_JSON}; charset=iso-8859-1",
    ],
)
def test_a_request_accepting_neither_type_is_406(gql, accept):
    response = gql.post("{ __typename }", accept=accept)

    assert response.status == HTTPStatus.NOT_ACCEPTABLE
    assert response.http.headers["Content-Type"] == JSON
    assert response.body == NOT_ACCEPTABLE


def test_406_stops_the_request_before_execution(gql, make_tokens):
    issued = make_tokens(scopes=("write",))

    response = gql.post(
        'mutation { createUser(username: "eve", password: "a-long-passphrase-42") { id } }',
        token=issued.access_token,
        accept="text/plain",
    )

    assert response.status == HTTPStatus.NOT_ACCEPTABLE
    assert not User.objects.filter(username="eve").exists()


def test_a_browser_still_gets_graphiql(db):
    response = Client().get(GRAPHQL_URL, headers={"Accept": "text/html"})

    assert response.status_code == HTTPStatus.OK
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


# --- our HTTP-level statuses stay, in the accepted media type


def test_invalid_token_stays_401_with_www_authenticate(gql):
    response = gql.post(
        "{ __typename }", authorization="Bearer not-ours", accept=GRAPHQL_RESPONSE_JSON
    )

    assert response.status == HTTPStatus.UNAUTHORIZED
    assert response.http.headers["Content-Type"] == CONTENT_TYPE[GRAPHQL_RESPONSE_JSON]
    assert response.http.headers["WWW-Authenticate"] == (
        'Bearer error="invalid_token", error_description="The access token is invalid or revoked."'
    )
    assert response.body == {
        "errors": [
            {
                "message": "The access token is invalid or revoked.",
                "extensions": {"code": "INVALID_TOKEN"},
            }
        ]
    }


def test_mutation_by_get_stays_405(gql):
    response = gql.get("mutation { __typename }", accept=GRAPHQL_RESPONSE_JSON)

    assert response.status == HTTPStatus.METHOD_NOT_ALLOWED
    assert response.http.headers["Allow"] == "POST"
    assert response.http.headers["Content-Type"] == CONTENT_TYPE[GRAPHQL_RESPONSE_JSON]
    assert response.body == {
        "errors": [
            {
                "message": "mutations are not allowed when using GET",
                "extensions": {"code": "METHOD_NOT_ALLOWED"},
            }
        ]
    }


def test_oversized_body_stays_413(gql, settings):
    settings.GQLAUTH_GRAPHQL = {"MAX_BODY_BYTES": 64}

    response = gql.post("{ __typename }" + " " * 64, accept=GRAPHQL_RESPONSE_JSON)

    assert response.status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert response.http.headers["Content-Type"] == CONTENT_TYPE[GRAPHQL_RESPONSE_JSON]
    assert response.body == {
        "errors": [
            {
                "message": "The request body exceeds 64 bytes.",
                "extensions": {"code": "PAYLOAD_TOO_LARGE"},
            }
        ]
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{ "not a JSON', "Unable to parse request body as JSON"),
        # Deeper than the interpreter's recursion limit: json raises RecursionError, not a
        # JSONDecodeError; malformed (64 KB of "[") or well-formed, it is no GraphQL request.
        pytest.param("[" * 65536, "Unable to parse request body as JSON", id="64KB-of-["),
        pytest.param('{"a":' * 10000, "Unable to parse request body as JSON", id="deep-objects"),
        pytest.param(
            '{"query": "{ __typename }", "variables": {"v": ' + "[" * 40000 + "]" * 40000 + "}}",
            "Unable to parse request body as JSON",
            id="deep-well-formed-variables",
        ),
        ('{"qeury": "{ __typename }"}', "No GraphQL query found in the request"),
        (
            '{"query": "{ __typename }", "variables": [7]}',
            "The GraphQL operation's `variables` must be an object or null, if provided.",
        ),
        (
            '{"query": "query A { __typename }", "operationName": "B"}',
            'Unknown operation named "B".',
        ),
    ],
)
@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE_JSON, JSON])
def test_a_malformed_request_is_400_in_both_types(db, body, message, accept):
    response = Client().post(
        GRAPHQL_URL, body, content_type="application/json", headers={"Accept": accept}
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.headers["Content-Type"] == CONTENT_TYPE[accept]
    assert json.loads(response.content) == {
        "errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]
    }


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE_JSON, JSON])
def test_get_variables_nested_too_deeply_are_400(db, accept):
    response = Client().get(
        GRAPHQL_URL,
        {"query": "{ __typename }", "variables": "[" * 30000},
        headers={"Accept": accept},
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.headers["Content-Type"] == CONTENT_TYPE[accept]
    assert json.loads(response.content) == {
        "errors": [
            {
                "message": "Unable to parse request body as JSON",
                "extensions": {"code": "BAD_REQUEST"},
            }
        ]
    }
