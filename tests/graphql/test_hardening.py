"""GQLAUTH_GRAPHQL limits, read at request time through the endpoint."""

from __future__ import annotations

from http import HTTPStatus

import pytest
import strawberry

from gqlauth.graphql.hardening import hashes_password
from gqlauth.graphql.permissions import ScopeConfigurationError, public
from gqlauth.graphql.schema import Schema

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


MISSPELT = {
    "{ usr { id } }": "Cannot query field 'usr' on type 'Query'.",
    "{ users(limt: 1) { id } }": "Unknown argument 'limt' on field 'Query.users'.",
    "query ($i: IDD!) { user(id: $i) { id } }": "Unknown type 'IDD'.",
    "{ me { user { usernme } } }": "Cannot query field 'usernme' on type 'User'.",
    "{ me { user { ... on Usr { id } } } }": "Unknown type 'Usr'.",
}
SUGGESTIONS = [
    " Did you mean 'user' or 'users'?",
    " Did you mean 'limit'?",
    " Did you mean 'ID' or 'Int'?",
    " Did you mean 'username'?",
    " Did you mean 'User'?",
]


def test_errors_suggest_names_only_while_introspection_is_on(gql, token, settings):
    with_suggestions = [gql.post(query, token=token).errors for query in MISSPELT]

    settings.GQLAUTH_GRAPHQL = {"INTROSPECTION": False}
    without = [gql.post(query, token=token).errors for query in MISSPELT]

    assert [[e["message"] for e in errors] for errors in with_suggestions] == [
        [message + suggestion]
        for message, suggestion in zip(MISSPELT.values(), SUGGESTIONS, strict=True)
    ]
    assert [[e["message"] for e in errors] for errors in without] == [
        [message] for message in MISSPELT.values()
    ]
    # The validation cache keys on the setting: turning introspection on again suggests again.
    settings.GQLAUTH_GRAPHQL = {"INTROSPECTION": True}
    assert gql.post("{ usr { id } }", token=token).errors[0]["message"].endswith(SUGGESTIONS[0])


# --- hashes_password(): declared on root mutations, counted by MAX_PASSWORD_HASHES --------------


@strawberry.type
class _Query:
    @public()
    @strawberry.field
    def ok(self) -> bool:
        return True


@strawberry.type
class _Mutation:
    @public()
    @hashes_password()
    @strawberry.mutation
    def set_password(self) -> bool:
        return True

    @public()
    @strawberry.mutation
    def touch(self) -> bool:
        return True


def test_only_fields_declared_hashing_are_counted():
    schema = Schema(query=_Query, mutation=_Mutation)

    many = schema.execute_sync("mutation { a: touch b: touch c: touch setPassword }")
    two = schema.execute_sync("mutation { a: setPassword b: setPassword }")

    assert many.data == {"a": True, "b": True, "c": True, "setPassword": True}
    assert two.data is None
    assert [(e.message, e.extensions) for e in two.errors or ()] == [
        (
            "This operation runs 2 mutations that hash a password; one request may run at most 1.",
            {"code": "TOO_MANY_PASSWORD_HASHES"},
        )
    ]


def test_hashes_password_outside_a_root_mutation_fails_the_build():
    @strawberry.type
    class Query:
        @public()
        @hashes_password()
        @strawberry.field
        def hashing_query(self) -> bool:
            return True

    with pytest.raises(ScopeConfigurationError, match=r"'hashing_query'.*root Mutation fields"):
        Schema(query=Query)


def test_hashes_password_below_the_mutation_decorator_is_refused():
    with pytest.raises(TypeError, match=r"above @strawberry\.mutation"):

        @strawberry.type
        class Mutation:
            @strawberry.mutation
            @hashes_password()
            def wrong_order(self) -> bool:
                return True
