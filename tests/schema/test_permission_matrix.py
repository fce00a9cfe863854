"""Every operation of the API x every kind of caller: HTTP status, data and each error.

A request may do what both its token's scopes and its user's Django permissions allow. Rows are
callers: no Authorization header; tokens of alice, who holds no permission, with the scope sets
below (``none`` is a token granted no scope at all); tokens of clerk, who holds
``auth.view_user`` and ``auth.add_user``; of root, a superuser; of the application itself
(``client_credentials``: no user, so no permission). Then tokens the view must refuse.
Columns are operations, federation's ``_entities`` and ``_service`` included: an entity read by
key needs what reading it through a root field needs (``User``: the read scope, and
``auth.view_user`` for anyone but the caller; ``Group``: the groups scope).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import pytest
from django.contrib.auth.models import Group, User

from gqlauth import tokens
from gqlauth.models import AccessToken

# Outcomes of one operation for one caller.
OK = "ok"  # everything asked for; a list of users holds every user
OWN = "own"  # users lists the caller alone (no auth.view_user)
PART = "partial"  # users, with groups null and one FORBIDDEN (scope) per user
OWNPART = "own, partial"
NOPROF = "no profile"  # me answers, but its user needs the read scope
SCOPE = "scope"  # the root field is FORBIDDEN: a scope is missing
PERM = "permission"  # the root field is FORBIDDEN: the user lacks a permission
ANON = "anonymous"

OPERATIONS = (
    "users", "usersGroups", "user", "otherUser", "groups", "me", "createUser",
    "entityUser", "entityOtherUser", "entityGroup", "service",
)  # fmt: skip
MATRIX = {
    # caller                     users  usersGroups user   otherUser groups me      createUser
    #                            entityUser entityOtherUser entityGroup service
    "no token":                  (ANON,  ANON,      ANON,  ANON,     ANON,  ANON,   ANON,
                                  ANON,  ANON,      ANON,  OK),
    "none":                      (SCOPE, SCOPE,     SCOPE, SCOPE,    SCOPE, NOPROF, SCOPE,
                                  SCOPE, SCOPE,     SCOPE, OK),
    "read":                      (OWN,   OWNPART,   OK,    PERM,     SCOPE, OK,     SCOPE,
                                  OK,    PERM,      SCOPE, OK),
    "write":                     (SCOPE, SCOPE,     SCOPE, SCOPE,    SCOPE, NOPROF, SCOPE,
                                  SCOPE, SCOPE,     SCOPE, OK),
    "groups":                    (SCOPE, SCOPE,     SCOPE, SCOPE,    OK,    NOPROF, SCOPE,
                                  SCOPE, SCOPE,     OK,    OK),
    "read groups":               (OWN,   OWN,       OK,    PERM,     OK,    OK,     SCOPE,
                                  OK,    PERM,      OK,    OK),
    "read write groups":         (OWN,   OWN,       OK,    PERM,     OK,    OK,     PERM,
                                  OK,    PERM,      OK,    OK),
    "clerk: read":               (OK,    PART,      OK,    OK,       SCOPE, OK,     SCOPE,
                                  OK,    OK,        SCOPE, OK),
    "clerk: read write groups":  (OK,    OK,        OK,    OK,       OK,    OK,     OK,
                                  OK,    OK,        OK,    OK),
    "root: read write groups":   (OK,    OK,        OK,    OK,       OK,    OK,     OK,
                                  OK,    OK,        OK,    OK),
    "client: read write groups": (PERM,  PERM,      PERM,  PERM,     OK,    OK,     PERM,
                                  PERM,  PERM,      OK,    OK),
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
# Every user, in id order: the world's alice and bob, then clerk and root (see `callers`).
EVERYONE = [
    {"username": "alice", "groups": [{"name": "staff"}]},
    {"username": "bob", "groups": [{"name": "admins"}]},
    {"username": "clerk", "groups": []},
    {"username": "root", "groups": []},
]


@dataclass(frozen=True)
class Operation:
    query: str
    root: str
    scopes: list[str]  # the root field's scope rule
    permissions: list[str]  # its permission rule
    ok: Callable[[Caller], Any]  # expected data when allowed
    denied_data: Any = None  # data when the root field is refused
    variables: Callable[[Any], dict[str, Any]] = field(default=lambda world: {})
    path: tuple[Any, ...] = ()  # where a refusal is reported, when not at the root field


@dataclass(frozen=True)
class Caller:
    name: str
    username: str | None  # None: a client token
    scopes: list[str]


ENTITIES = """query Entities($r: [_Any!]!) {
  _entities(representations: $r) { ... on User { username email } ... on Group { name } }
}"""


def users(with_groups: bool, own: str | None = None) -> list[dict[str, Any]]:
    listed = [user for user in EVERYONE if own is None or user["username"] == own]
    return listed if with_groups else [{"username": user["username"]} for user in listed]


OPS = {
    "users": Operation(
        "{ users { username } }",
        "users",
        ["read"],
        ["auth.view_user"],
        lambda caller: {"users": users(with_groups=False)},
    ),
    "usersGroups": Operation(
        "{ users { username groups { name } } }",
        "users",
        ["read"],
        ["auth.view_user"],
        lambda caller: {"users": users(with_groups=True)},
    ),
    "user": Operation(
        "query One($id: ID!) { user(id: $id) { username email } }",
        "user",
        ["read"],
        ["auth.view_user"],
        lambda caller: {"user": {"username": "alice", "email": "alice@example.com"}},
        denied_data={"user": None},
        variables=lambda world: {"id": str(world.alice.pk)},
    ),
    "otherUser": Operation(
        "query One($id: ID!) { user(id: $id) { username email } }",
        "user",
        ["read"],
        ["auth.view_user"],
        lambda caller: {"user": {"username": "bob", "email": "bob@example.com"}},
        denied_data={"user": None},
        variables=lambda world: {"id": str(world.bob.pk)},
    ),
    "groups": Operation(
        "{ groups { name } }",
        "groups",
        ["groups"],
        [],
        lambda caller: {"groups": [{"name": "admins"}, {"name": "staff"}]},
    ),
    "me": Operation(
        "{ me { scopes user { username } } }",
        "me",
        [],
        [],
        lambda caller: {
            "me": {
                "scopes": caller.scopes,
                "user": caller.username and {"username": caller.username},
            }
        },
    ),
    "createUser": Operation(
        'mutation { createUser(username: "carol", password: "a-long-secret-phrase") { username } }',
        "createUser",
        ["read", "write"],
        ["auth.add_user"],
        lambda caller: {"createUser": {"username": "carol"}},
    ),
    "entityUser": Operation(
        ENTITIES,
        "_entities",
        ["read"],
        ["auth.view_user"],
        lambda caller: {"_entities": [{"username": "alice", "email": "alice@example.com"}]},
        denied_data={"_entities": [None]},
        variables=lambda world: {"r": [{"__typename": "User", "id": str(world.alice.pk)}]},
        path=("_entities", 0),
    ),
    "entityOtherUser": Operation(
        ENTITIES,
        "_entities",
        ["read"],
        ["auth.view_user"],
        lambda caller: {"_entities": [{"username": "bob", "email": "bob@example.com"}]},
        denied_data={"_entities": [None]},
        variables=lambda world: {"r": [{"__typename": "User", "id": str(world.bob.pk)}]},
        path=("_entities", 0),
    ),
    "entityGroup": Operation(
        ENTITIES,
        "_entities",
        ["groups"],
        [],
        lambda caller: {"_entities": [{"name": "staff"}]},
        denied_data={"_entities": [None]},
        variables=lambda world: {
            "r": [{"__typename": "Group", "id": str(Group.objects.get(name="staff").pk)}]
        },
        path=("_entities", 0),
    ),
    "service": Operation(
        "{ _service { __typename } }",
        "_service",
        [],
        [],
        lambda caller: {"_service": {"__typename": "_Service"}},
    ),
}

CASES = [
    pytest.param(operation, caller, outcome, id=f"{operation}-{caller}")
    for caller, row in MATRIX.items()
    for operation, outcome in zip(OPERATIONS, row, strict=True)
] + [
    pytest.param(operation, caller, "invalid", id=f"{operation}-{caller}")
    for operation in OPERATIONS
    for caller in INVALID_TOKENS
]


@pytest.fixture
def callers(world) -> dict[str, User]:
    """The users behind the callers besides alice; made for every case, so lists are stable."""
    return {
        "clerk": world.make_user("clerk", permissions=("auth.view_user", "auth.add_user")),
        "root": world.make_user("root", is_superuser=True),
    }


def caller_of(name: str) -> Caller:
    owner, _, scopes = name.rpartition(": ")
    if owner == "client":
        return Caller(name, None, scopes.split())
    return Caller(name, owner or "alice", [] if scopes == "none" else scopes.split())


def authorization(world, callers, name: str) -> str | None:
    """The Authorization header for the caller ``name``; None sends no header."""
    if name == "no token":
        return None
    if name == "garbage":
        return "Bearer garbage-0123456789abcdefghijklmnopqrstuvwxyz"
    if name == "malformed":
        return "Token " + world.token("read")
    if name == "expired":
        return "Bearer " + world.token("read", "write", "groups", expires_in=-10)
    if name == "revoked":
        value = world.token("read", "write", "groups")
        tokens.revoke_access_token(AccessToken.objects.lookup(value).get())
        return "Bearer " + value
    if name == "inactive user":
        inactive = world.make_user("dan", is_active=False)
        return "Bearer " + world.token("read", "write", "groups", user=inactive)
    caller = caller_of(name)
    if caller.username is None:
        return "Bearer " + world.token(*caller.scopes, user=False)
    user = world.alice if caller.username == "alice" else callers[caller.username]
    return "Bearer " + world.token(*caller.scopes, user=user)


def error(message: str, path: list[Any], **extensions: Any) -> dict[str, Any]:
    return {"message": message, "path": path, "extensions": extensions}


def groups_denied(listed: list[dict[str, Any]]) -> dict[str, Any]:
    """users with their groups refused for want of the groups scope."""
    return {
        "data": {"users": [{**user, "groups": None} for user in listed]},
        "errors": [
            error(FORBIDDEN, ["users", i, "groups"], code="FORBIDDEN", requiredScopes=[["groups"]])
            for i in range(len(listed))
        ],
    }


def expected(operation: Operation, name: str, outcome: str) -> tuple[int, dict[str, Any]]:
    if outcome == "invalid":
        description = INVALID_TOKENS[name]
        return HTTPStatus.UNAUTHORIZED, {
            "errors": [{"message": description, "extensions": {"code": "INVALID_TOKEN"}}]
        }
    caller = caller_of(name)
    if outcome == OK:
        return HTTPStatus.OK, {"data": operation.ok(caller)}
    with_groups = "groups" in operation.query
    if outcome == OWN:
        return HTTPStatus.OK, {"data": {"users": users(with_groups, own=caller.username)}}
    if outcome == PART:
        return HTTPStatus.OK, groups_denied(users(with_groups=False))
    if outcome == OWNPART:
        return HTTPStatus.OK, groups_denied(users(with_groups=False, own=caller.username))
    if outcome == NOPROF:
        return HTTPStatus.OK, {
            "data": {"me": {"scopes": caller.scopes, "user": None}},
            "errors": [
                error(FORBIDDEN, ["me", "user"], code="FORBIDDEN", requiredScopes=[["read"]])
            ],
        }
    path = list(operation.path or [operation.root])
    if outcome == SCOPE:
        denial = error(FORBIDDEN, path, code="FORBIDDEN", requiredScopes=[operation.scopes])
    elif outcome == PERM:
        denial = error(FORBIDDEN, path, code="FORBIDDEN", requiredPermissions=operation.permissions)
    else:
        denial = error(UNAUTHENTICATED, path, code="UNAUTHENTICATED")
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
def test_permission_matrix(gql, world, callers, operation_name, caller, outcome):
    operation = OPS[operation_name]
    header = authorization(world, callers, caller)
    users_before = User.objects.count()

    response = gql.post(operation.query, operation.variables(world), authorization=header)

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
    """A new root field must get a column here (and so a decision for every caller)."""
    from schema.api import schema

    query, mutation = schema._schema.query_type, schema._schema.mutation_type
    assert mutation is not None
    assert set(query.fields) | set(mutation.fields) == {op.root for op in OPS.values()}


def test_matrix_declares_what_the_schema_declares():
    """The scopes and permissions each column expects are the ones the schema checks."""
    from gqlauth.graphql.permissions import PermissionRequirement, ScopeRequirement
    from schema.api import schema

    for operation in OPS.values():
        if operation.root.startswith("_"):
            continue  # federation's fields: test_entities.py checks what guards them
        graphql_root = "Mutation" if operation.query.startswith("mutation") else "Query"
        root = schema.get_type_by_name(graphql_root)
        name = schema.config.name_converter.get_graphql_name
        (definition,) = [f for f in root.fields if name(f) == operation.root]
        rules = definition.extensions
        scopes = [list(a) for r in rules if isinstance(r, ScopeRequirement) for a in r.alternatives]
        permissions = [list(r.permissions) for r in rules if isinstance(r, PermissionRequirement)]
        assert scopes == ([operation.scopes] if operation.scopes else [])
        assert permissions == ([operation.permissions] if operation.permissions else [])
