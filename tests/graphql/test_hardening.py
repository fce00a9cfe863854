"""GQLAUTH_GRAPHQL limits, read at request time through the endpoint."""

from __future__ import annotations

from http import HTTPStatus

import pytest

INTROSPECTION = "{ __schema { queryType { name } } }"


@pytest.fixture
def token(make_tokens):
    return make_tokens(scopes=("read", "groups")).access_token


def test_depth_limit(gql, token, settings):
    query = "{ me { user { groups { name } } } }"  # depth 3: the root selection is depth 0
    assert gql.post(query, token=token).errors == []

    settings.GQLAUTH_GRAPHQL = {"MAX_DEPTH": 2}
    response = gql.post(query, token=token)

    assert response.status == HTTPStatus.OK
    assert response.body["data"] is None
    assert [e["message"] for e in response.errors] == [
        "'anonymous' exceeds maximum operation depth of 2"
    ]

    settings.GQLAUTH_GRAPHQL = {"MAX_DEPTH": None}
    assert gql.post(query, token=token).errors == []


def test_alias_limit(gql, token, settings):
    settings.GQLAUTH_GRAPHQL = {"MAX_ALIASES": 2}
    query = "{ a: me { scopes } b: me { scopes } c: me { scopes } }"

    response = gql.post(query, token=token)

    assert [e["message"] for e in response.errors] == ["3 aliases found. Allowed: 2"]
    assert gql.post("{ a: me { scopes } b: me { scopes } }", token=token).errors == []


def test_token_limit(gql, token, settings):
    settings.GQLAUTH_GRAPHQL = {"MAX_TOKENS": 6}

    response = gql.post("{ me { scopes clientId } }", token=token)  # 7 tokens

    assert [e["message"] for e in response.errors] == [
        "Syntax Error: Document contains more than 6 tokens. Parsing aborted."
    ]
    assert gql.post("{ me { scopes } }", token=token).errors == []


def test_introspection_is_on_by_default_and_needs_no_token(gql):
    response = gql.post(INTROSPECTION)

    assert response.status == HTTPStatus.OK
    assert response.body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


def test_introspection_can_be_turned_off(gql, token, settings):
    settings.GQLAUTH_GRAPHQL = {"INTROSPECTION": False}

    response = gql.post(INTROSPECTION, token=token)

    disabled = (
        "GraphQL introspection has been disabled, but the requested query contained the field"
    )
    assert [e["message"] for e in response.errors] == [
        f"{disabled} '__schema'.",
        f"{disabled} 'queryType'.",
    ]
    assert gql.post("{ me { scopes } }", token=token).errors == []


def test_default_limits_accept_a_full_introspection_query(gql):
    from graphql import get_introspection_query

    response = gql.post(get_introspection_query(descriptions=True))

    assert response.errors == []
    assert response.data["__schema"]["directives"]


def test_list_limit_above_max_limit_is_refused_not_clamped(gql, token, settings):
    settings.GQLAUTH_GRAPHQL = {"MAX_LIMIT": 5}

    response = gql.post("{ users(limit: 6) { id } }", token=token)

    assert response.body == {
        "data": None,
        "errors": [
            {
                "message": "limit must be between 0 and 5; got 6.",
                "locations": [{"line": 1, "column": 3}],
                "path": ["users"],
                "extensions": {
                    "code": "BAD_USER_INPUT",
                    "field": "limit",
                    "fieldErrors": {"limit": ["limit must be between 0 and 5; got 6."]},
                },
            }
        ],
    }


def test_alias_limit_can_be_turned_off(gql, token, settings):
    settings.GQLAUTH_GRAPHQL = {"MAX_ALIASES": None}
    query = "{ " + " ".join(f"a{i}: me {{ scopes }}" for i in range(20)) + " }"  # default: 15

    response = gql.post(query, token=token)

    assert response.errors == []
    assert len(response.body["data"]) == 20


def test_token_limit_can_be_turned_off(gql, token, settings):
    settings.GQLAUTH_GRAPHQL = {"MAX_TOKENS": None, "MAX_ALIASES": None}
    # 3 tokens per alias: 5,102 in all, over the default of 5,000.
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(1700)) + " }"

    response = gql.post(query, token=token)

    assert response.errors == []
    assert response.body["data"] == {f"a{i}": "Query" for i in range(1700)}
