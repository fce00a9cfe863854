"""Every operation of the API x every kind of caller: HTTP status, data and each error.

Rows are operations, columns the caller: no Authorization header, then tokens with the scope
sets below (``none`` is a token granted no scope at all), then tokens the view must refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import pytest
from django.contrib.auth.models import User

from gqlauth import tokens
from gqlauth.models import AccessToken

OK, PARTIAL, DENIED, ANONYMOUS = "ok", "partial", "denied", "anonymous"
NO_PROFILE = "no profile"  # me answers, but its user (a user's record) needs "read"

CALLERS = ("no token", "none", "read", "write", "groups", "read groups", "read write groups")
MATRIX = {
    # operation      no token   none    read     write   groups  read+groups rw+groups
    "users":        (ANONYMOUS, DENIED, OK,      DENIED, DENIED, OK,         OK),
    "usersGroups":  (ANONYMOUS, DENIED, PARTIAL, DENIED, DENIED, OK,         OK),
    "user":         (ANONYMOUS, DENIED, OK,      DENIED, DENIED, OK,         OK),
    "groups":       (ANONYMOUS, DENIED, DENIED,  DENIED, OK,     OK,         OK),
    "me":           (ANONYMOUS, NO_PROFILE, OK,  NO_PROFILE, NO_PROFILE, OK, OK),
    "createUser":   (ANONYMOUS, DENIED, DENIED,  OK,     DENIED, DENIED,     OK),
}  # fmt: skip
INVALID_TOKENS = {
    "expired": "The access token expired.",
    "revoked": "The access token is invalid or revoked.",
    "garbage": "The access token is invalid or revoked.",
    "malformed": "The Authorization header must be 'Bearer <token>'.",
    "inactive user": "The access token's user is inactive.",
}

FORBIDDEN = "You do not have permission to perform this action."
UNAUTHENTICATED = "Authentication credentials were not provided."


@dataclass(frozen=True)
class Operation:
    query: str
    root: str
    required: list[str]
    ok: Callable[[list[str]], Any]  # token scopes -> expected data
    denied_data: Any = None  # data when the root field is refused
    variables: Callable[[User], dict[str, Any]] = field(default=lambda alice: {})


OPERATIONS = {
    "users": Operation(
        "{ users { username } }",
        "users",
        ["read"],
        lambda scopes: {"users": [{"username": "alice"}, {"username": "bob"}]},
    ),
    "usersGroups": Operation(
        "{ users { username groups { name } } }",
        "users",
        ["read"],
        lambda scopes: {
            "users": [
                {"username": "alice", "groups": [{"name": "staff"}]},
                {"username": "bob", "groups": [{"name": "admins"}]},
            ]
        },
    ),
    "user": Operation(
        "query One($id: ID!) { user(id: $id) { username email } }",
        "user",
        ["read"],
        lambda scopes: {"user": {"username": "alice", "email": "alice@example.com"}},
        denied_data={"user": None},
        variables=lambda alice: {"id": str(alice.pk)},
    ),
    "groups": Operation(
        "{ groups { name } }",
        "groups",
        ["groups"],
        lambda scopes: {"groups": [{"name": "admins"}, {"name": "staff"}]},
    ),
    "me": Operation(
        "{ me { scopes user { username } } }",
        "me",
        [],
        lambda scopes: {"me": {"scopes": scopes, "user": {"username": "alice"}}},
    ),
    "createUser": Operation(
        'mutation { createUser(username: "carol", password: "a-long-secret-phrase") { username } }',
        "createUser",
        ["write"],
        lambda scopes: {"createUser": {"username": "carol"}},
    ),
}

CASES = [
    pytest.param(operation, caller, outcome, id=f"{operation}-{caller}")
    for operation, row in MATRIX.items()
    for caller, outcome in zip(CALLERS, row, strict=True)
] + [
    pytest.param(operation, caller, "invalid", id=f"{operation}-{caller}")
    for operation in MATRIX
    for caller in INVALID_TOKENS
]


def authorization(world, caller: str) -> str | None:
    """The Authorization header for ``caller``; None sends no header."""
    if caller == "no token":
        return None
    if caller == "garbage":
        return "Bearer garbage-0123456789abcdefghijklmnopqrstuvwxyz"
    if caller == "malformed":
        return "Token " + world.token("read")
    if caller == "expired":
        return "Bearer " + world.token("read", "write", "groups", expires_in=-10)
    if caller == "revoked":
        value = world.token("read", "write", "groups")
        tokens.revoke_access_token(AccessToken.objects.lookup(value).get())
        return "Bearer " + value
    if caller == "inactive user":
        inactive = world.make_user("dan", is_active=False)
        return "Bearer " + world.token("read", "write", "groups", user=inactive)
    scopes = () if caller == "none" else tuple(caller.split())
    return "Bearer " + world.token(*scopes)


def error(message: str, path: list[Any], **extensions: Any) -> dict[str, Any]:
    return {"message": message, "path": path, "extensions": extensions}


def expected(operation: Operation, caller: str, outcome: str) -> tuple[int, dict[str, Any]]:
    if outcome == "invalid":
        description = INVALID_TOKENS[caller]
        return HTTPStatus.UNAUTHORIZED, {
            "errors": [{"message": description, "extensions": {"code": "INVALID_TOKEN"}}]
        }
    if outcome == OK:
        scopes = [] if caller == "none" else caller.split()
        return HTTPStatus.OK, {"data": operation.ok(scopes)}
    if outcome == PARTIAL:
        users = operation.ok([])["users"]
        return HTTPStatus.OK, {
            "data": {"users": [{**user, "groups": None} for user in users]},
            "errors": [
                error(
                    FORBIDDEN, ["users", i, "groups"], code="FORBIDDEN", requiredScopes=["groups"]
                )
                for i in range(len(users))
            ],
        }
    if outcome == NO_PROFILE:
        scopes = [] if caller == "none" else caller.split()
        return HTTPStatus.OK, {
            "data": {"me": {"scopes": scopes, "user": None}},
            "errors": [error(FORBIDDEN, ["me", "user"], code="FORBIDDEN", requiredScopes=["read"])],
        }
    if outcome == DENIED:
        denial = error(
            FORBIDDEN, [operation.root], code="FORBIDDEN", requiredScopes=operation.required
        )
    else:
        denial = error(UNAUTHENTICATED, [operation.root], code="UNAUTHENTICATED")
    return HTTPStatus.OK, {"data": operation.denied_data, "errors": [denial]}


def without_locations(body: dict[str, Any]) -> dict[str, Any]:
    """The body with each error's ``locations`` dropped (positions in the query text)."""
    if "errors" not in body:
        return body
    return {
        **body,
        "errors": [{k: v for k, v in e.items() if k != "locations"} for e in body["errors"]],
    }


@pytest.mark.parametrize(("operation_name", "caller", "outcome"), CASES)
def test_permission_matrix(gql, world, operation_name, caller, outcome):
    operation = OPERATIONS[operation_name]
    header = authorization(world, caller)
    users_before = User.objects.count()

    response = gql.post(operation.query, operation.variables(world.alice), authorization=header)

    status, body = expected(operation, caller, outcome)
    assert response.status == status
    assert without_locations(response.body) == body
    if status == HTTPStatus.UNAUTHORIZED:
        assert response.http.headers["WWW-Authenticate"] == (
            f'Bearer error="invalid_token", error_description="{INVALID_TOKENS[caller]}"'
        )
    else:
        assert "WWW-Authenticate" not in response.http.headers
    created = operation_name == "createUser" and outcome == OK
    assert User.objects.count() == users_before + created
    assert User.objects.filter(username="carol").exists() is created


def test_matrix_covers_every_root_field():
    """A new root field must get a row here (and so a decision for every caller)."""
    from schema.api import schema

    query, mutation = schema._schema.query_type, schema._schema.mutation_type
    assert mutation is not None
    assert set(query.fields) | set(mutation.fields) == {op.root for op in OPERATIONS.values()}
