"""The permission matrix, directly and through a real federation gateway (Hive Gateway).

Every root field and every guarded nested field (CASES) is asked for with no token and with JWT
access tokens from our token endpoint: each scope set for a user without ``auth.view_user`` /
``auth.add_user`` and for a superuser, and one ``client_credentials`` token. Each request goes
to our server directly and through the gateway, which verifies the same JWT against our
published JWK Set and enforces ``@authenticated`` / ``@requiresScopes`` itself before it asks
our server (which enforces them again, with the user's Django permissions). Both answers must
hold the same ``data`` and the same denied field paths once their forms are aligned
(tests/gateway/answers.py says how and why: list positions, nulls the gateway writes, where a
refusal is reported); status codes, messages and error codes may differ (design.md,
"Federation gateway facts"). Any error other than a refusal fails the test.

``_entities`` is not part of any gateway's API, so the gateway is made to call it: the
references subgraph hands out ``userRef(id)`` / ``groupRef(id)``, whose other fields only our
subgraph has, and the gateway fetches them with our ``_entities``, forwarding the token. That
answer is compared with our own ``_entities`` answer for the same representation.

A token neither side may accept (expired; signed by a key we never published, under our kid or
an unknown one; no JWT at all) is refused by both for every request, without data: 401
``invalid_token`` from us, and from the gateway the answers in GATEWAY_REFUSALS.

One module, a little over the size guideline, because the matrix's cases, the expected forms of
the gateway's refusals and the checks that read them belong together: split, each would need
the others' tables to make sense.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from graphql import build_schema

from gqlauth import jose, jwtaccess
from gqlauth.models import Application, GrantType, SigningKey
from tests.conftest import PASSWORD, Client
from tests.gateway.answers import Outcome, gateway_outcome, our_outcome
from tests.gateway.conftest import Federation
from tests.load.client import Answer, Connection

pytestmark = [pytest.mark.gateway, pytest.mark.django_db(transaction=True)]

SCOPE_SETS = ("read", "read write", "groups", "read groups", "read write groups")
# Every error either side may give for a field it refuses; any other error fails the test.
DENIAL_CODES = {"UNAUTHORIZED_FIELD_OR_TYPE", "UNAUTHENTICATED", "FORBIDDEN"}


# How each side refuses a token it cannot accept, for every request: we answer 401
# invalid_token (RFC 6750 §3.1); Hive Gateway 2.15.1 answers 401 when the signature or a claim
# fails, 400 when the token is no JWT at all, and 500 when no published key has its kid (its
# JWKS lookup throws, and it masks that as an unexpected error). Never any data.
def _ours(description: str) -> tuple[int, dict[str, Any]]:
    return HTTPStatus.UNAUTHORIZED, {
        "errors": [{"message": description, "extensions": {"code": "INVALID_TOKEN"}}]
    }


def _gateway(status: int, message: str, **extensions: str) -> tuple[int, dict[str, Any]]:
    error: dict[str, Any] = {"message": message}
    if extensions:
        error["extensions"] = extensions
    return status, {"errors": [error]}


INVALID = "The access token is invalid or revoked."
OUR_REFUSALS = {
    "expired": _ours("The access token expired."),
    "forged": _ours(INVALID),
    "unknown kid": _ours(INVALID),
    "not a JWT": _ours(INVALID),
}
GATEWAY_REFUSALS = {
    "expired": _gateway(HTTPStatus.UNAUTHORIZED, "Unauthenticated"),
    "forged": _gateway(HTTPStatus.UNAUTHORIZED, "Unauthenticated"),
    "unknown kid": _gateway(
        HTTPStatus.INTERNAL_SERVER_ERROR, "Unexpected error.", code="INTERNAL_SERVER_ERROR"
    ),
    "not a JWT": _gateway(HTTPStatus.BAD_REQUEST, "Invalid authentication token provided"),
}


@dataclass(frozen=True)
class Case:
    """One request of the matrix.

    ``gateway_query`` is ``query`` unless the gateway cannot serve that: for ``_entities``, it
    asks the references subgraph's ``ref_field`` for the same entity, and the answers are
    compared as ``{"ref": ...}`` (our ``_entities[0]``, the gateway's ``ref_field``).
    """

    name: str
    query: str
    variables: Callable[[Matrix], dict[str, Any]]
    gateway_query: str | None = None
    ref_field: str | None = None

    @property
    def is_mutation(self) -> bool:
        return self.query.startswith("mutation")


@dataclass
class Matrix:
    """The rows every case reads: a user in a group, another user, and a fresh-name counter."""

    member: User
    other: User
    group: Group
    names: itertools.count[int]

    def new_username(self) -> str:
        return f"created{next(self.names)}"


USER_FIELDS = "id username email groups { name }"
# An _entities case's variables serve both sides: "r" our _entities, "id" the gateway's ref
# field (a variable the operation does not declare is ignored).
CASES = (
    Case("users", "{ users { id username email } }", lambda m: {}),
    Case("users.groups", "{ users { id groups { name } } }", lambda m: {}),
    Case(
        "user(id)",
        "query ($id: ID!) { user(id: $id) { id username } }",
        lambda m: {"id": str(m.other.pk)},
    ),
    Case(
        "user.groups",
        "query ($id: ID!) { user(id: $id) { id groups { id name } } }",
        lambda m: {"id": str(m.member.pk)},
    ),
    Case("groups", "{ groups { id name } }", lambda m: {}),
    Case("me", "{ me { clientId scopes expiresAt } }", lambda m: {}),
    Case("me.user", "{ me { user { id username groups { name } } } }", lambda m: {}),
    Case(
        "createUser",
        "mutation ($username: String!) { createUser(username: $username, "
        f'password: "{PASSWORD}", email: "new@example.com") {{ email }} }}',
        lambda m: {"username": m.new_username()},
    ),
    Case(
        "_entities(User)",
        "query ($r: [_Any!]!) { _entities(representations: $r) "
        f"{{ ... on User {{ {USER_FIELDS} }} }} }}",
        lambda m: {"r": [{"__typename": "User", "id": str(m.member.pk)}], "id": str(m.member.pk)},
        gateway_query=f"query ($id: ID!) {{ userRef(id: $id) {{ {USER_FIELDS} }} }}",
        ref_field="userRef",
    ),
    Case(
        "_entities(Group)",
        "query ($r: [_Any!]!) { _entities(representations: $r) { ... on Group { id name } } }",
        lambda m: {"r": [{"__typename": "Group", "id": str(m.group.pk)}], "id": str(m.group.pk)},
        gateway_query="query ($id: ID!) { groupRef(id: $id) { id name } }",
        ref_field="groupRef",
    ),
)


def checked(answer: Answer) -> dict[str, Any]:
    """The body of an answer that has ``data`` and no error but field refusals."""
    body = answer.body
    assert isinstance(body, dict), (answer.status, body)
    assert "data" in body, (answer.status, body)
    unexpected = [
        error
        for error in body.get("errors", [])
        if error.get("extensions", {}).get("code") not in DENIAL_CODES
    ]
    assert unexpected == [], (answer.status, body)
    return body


def graphql(
    connection: Connection, path: str, query: str, token: str | None, variables: Any
) -> Answer:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"query": query, "variables": variables}).encode()
    return connection.request("POST", path, body, headers)


def issued(server_port: int, client: Client, **params: str) -> str:
    """A JWT access token from our token endpoint (the grant and scope in ``params``)."""
    with closing(Connection(server_port)) as connection:
        answer = connection.token(client.basic, **params)
    assert answer.status == HTTPStatus.OK, answer.body
    token: str = answer.body["access_token"]
    assert jwtaccess.looks_like_jwt(token)
    return token


@pytest.fixture
def matrix(make_user: Callable[..., User]) -> Matrix:
    member = make_user(groups=("ops",), email="member@example.com")
    other = make_user(email="other@example.com")
    return Matrix(member, other, Group.objects.get(name="ops"), itertools.count(1))


@pytest.fixture
def jwt_clients(make_application: Callable[..., Client]) -> tuple[Client, Client]:
    """A password-grant and a client-credentials application, both given JWT access tokens."""
    users_app = make_application(access_token_format="jwt")
    service = make_application(
        grant_types=(GrantType.CLIENT_CREDENTIALS,), access_token_format="jwt"
    )
    return users_app, service


def test_the_gateway_gives_every_token_the_same_data_and_denials_as_the_subgraph(
    federation: Callable[[], Federation],
    matrix: Matrix,
    jwt_clients: tuple[Client, Client],
    make_user: Callable[..., User],
) -> None:
    users_app, service = jwt_clients
    # Neither auth.view_user nor auth.add_user: only its own record, and no createUser.
    plain = make_user(groups=("ops",))
    admin = make_user(is_superuser=True)
    stack = federation()
    port = stack.server.port
    tokens: dict[str, str | None] = {"no token": None}
    for scope in SCOPE_SETS:
        for name, user in (("user without permissions", plain), ("superuser", admin)):
            tokens[f"{name}, {scope}"] = issued(
                port,
                users_app,
                grant_type="password",
                username=user.username,
                password=PASSWORD,
                scope=scope,
            )
    tokens["client_credentials, read write groups"] = issued(
        port, service, grant_type="client_credentials", scope="read write groups"
    )
    supergraph = build_schema(stack.supergraph.read_text())

    outcomes, statuses, bodies = {}, {}, {}
    with (
        closing(Connection(port)) as direct,
        closing(Connection(stack.gateway.port)) as through,
    ):
        for token_name, token in tokens.items():
            for case in CASES:
                variables = case.variables(matrix)
                ours = graphql(direct, "/graphql/", case.query, token, variables)
                if "username" in variables:
                    # createUser through the gateway creates a user of its own.
                    variables = {**variables, "username": matrix.new_username()}
                query = case.gateway_query or case.query
                theirs = graphql(through, "/graphql", query, token, variables)
                root = supergraph.mutation_type if case.is_mutation else supergraph.query_type
                assert root is not None
                # The gateway answers 401 exactly when it refused a field itself.
                refused_by_gateway = any(
                    error.get("extensions", {}).get("code") == "UNAUTHORIZED_FIELD_OR_TYPE"
                    for error in theirs.body.get("errors", [])
                )
                statuses[token_name, case.name] = (
                    (ours.status, theirs.status),
                    (
                        HTTPStatus.OK,
                        HTTPStatus.UNAUTHORIZED if refused_by_gateway else HTTPStatus.OK,
                    ),
                )
                bodies[token_name, case.name] = (ours.body, theirs.body)
                outcomes[token_name, case.name] = (
                    our_outcome(checked(ours), case.ref_field),
                    gateway_outcome(checked(theirs), case.ref_field, root),
                )

    assert len(outcomes) == 12 * 10
    assert [key for key, (ours, theirs) in outcomes.items() if ours != theirs] == []
    assert [key for key, (seen, expected) in statuses.items() if seen != expected] == []
    # A few rows in full, so the matrix is known to hold grants and each kind of refusal.
    member = {"id": str(matrix.member.pk), "username": matrix.member.username}
    assert outcomes["no token", "me"][0] == Outcome(None, frozenset({("me",)}))
    assert outcomes["user without permissions, read", "users.groups"][0] == Outcome(
        {"users": [{"id": str(plain.pk), "groups": None}]}, frozenset({("users", "groups")})
    )
    assert outcomes["user without permissions, read groups", "user(id)"][0] == Outcome(
        {"user": None}, frozenset({("user",)})
    )
    assert outcomes["superuser, read write groups", "_entities(User)"][0] == Outcome(
        {"ref": {**member, "email": "member@example.com", "groups": [{"name": "ops"}]}},
        frozenset(),
    )
    assert outcomes["superuser, groups", "_entities(User)"][0] == Outcome(
        {"ref": None}, frozenset({("ref",)})
    )
    assert outcomes["superuser, read write", "createUser"][0] == Outcome(
        {"createUser": {"email": "new@example.com"}}, frozenset()
    )
    # The two forms, as README.md's "Behind a federation gateway" shows them (answers.py
    # aligns them): errors per list element or per list field; null propagation or not; a type
    # rule refusing the entity or each of its fields; a list field's null under a key "@".
    assert forms(bodies["user without permissions, read", "users.groups"]) == (
        {"users": [{"id": str(plain.pk), "groups": None}]},
        [(["users", 0, "groups"], "FORBIDDEN")],
        {"users": [{"id": str(plain.pk), "groups": None}]},
        [(["users", "@", "groups"], "UNAUTHORIZED_FIELD_OR_TYPE")],
    )
    assert forms(bodies["no token", "users"]) == (
        None,
        [(["users"], "UNAUTHENTICATED")],
        {"users": None},
        [(["users"], "UNAUTHORIZED_FIELD_OR_TYPE")],
    )
    refused = "UNAUTHORIZED_FIELD_OR_TYPE"
    assert forms(bodies["superuser, groups", "_entities(User)"]) == (
        {"_entities": [None]},
        [(["_entities", 0], "FORBIDDEN")],
        {"userRef": {"id": None, "username": None, "email": None, "@": {"groups": None}}},
        [
            (["userRef", "id"], refused),
            (["userRef", "username"], refused),
            (["userRef", "email"], refused),
            (["userRef", "@", "groups"], refused),
        ],
    )
    assert bodies["user without permissions, read", "me.user"][1]["data"] == {
        "me": {"user": {"id": str(plain.pk), "username": plain.username, "@": {"groups": None}}}
    }


def forms(bodies: tuple[dict[str, Any], dict[str, Any]]) -> tuple[Any, ...]:
    """Each body's data and its errors' (path, code), ours first."""
    return tuple(
        part
        for body in bodies
        for part in (
            body["data"],
            [(error["path"], error["extensions"]["code"]) for error in body.get("errors", [])],
        )
    )


def test_a_token_neither_side_accepts_is_refused_by_both_without_data(
    federation: Callable[[], Federation],
    matrix: Matrix,
    make_user: Callable[..., User],
    make_application: Callable[..., Client],
    active_signing_key: SigningKey,
) -> None:
    stack = federation()
    app = make_application(access_token_format="jwt").app
    tokens = bad_tokens(stack, app, make_user(is_superuser=True), active_signing_key)

    refusals = {}
    with (
        closing(Connection(stack.server.port)) as direct,
        closing(Connection(stack.gateway.port)) as through,
    ):
        for kind, token in tokens.items():
            for case in CASES:
                variables = case.variables(matrix)
                ours = graphql(direct, "/graphql/", case.query, token, variables)
                query = case.gateway_query or case.query
                theirs = graphql(through, "/graphql", query, token, variables)
                refusals[kind, case.name] = (ours.status, ours.body), (theirs.status, theirs.body)

    expected = {
        (kind, case.name): (OUR_REFUSALS[kind], GATEWAY_REFUSALS[kind])
        for kind in tokens
        for case in CASES
    }
    assert refusals == expected
    assert not User.objects.filter(username__startswith="created").exists()


def bad_tokens(stack: Federation, app: Application, user: User, ours: SigningKey) -> dict[str, str]:
    """Tokens whose claims are right for this server but which nobody may accept."""
    expired = jwtaccess.sign_access_token(
        application=app,
        user=user,
        scopes=["read", "write", "groups"],
        issuer=stack.issuer,
        expires_in=60,
        now=timezone.now() - timedelta(hours=1),
    ).value
    now = int(timezone.now().timestamp())
    claims = {
        "iss": stack.issuer,
        "sub": str(user.pk),
        "aud": stack.audience,
        "client_id": app.client_id,
        "scope": "read write groups",
        "jti": "never-issued",
        "iat": now,
        "exp": now + 300,
    }
    foreign = jose.generate_private_key(ours.algorithm)
    return {
        "expired": expired,
        # Signed by a key we never published, naming our published key's kid.
        "forged": jose.sign_jws(
            claims, foreign, algorithm=ours.algorithm, kid=ours.kid, typ="at+jwt"
        ),
        "unknown kid": jose.sign_jws(
            claims, foreign, algorithm=ours.algorithm, kid="never-published", typ="at+jwt"
        ),
        "not a JWT": "not-a-jwt",
    }
