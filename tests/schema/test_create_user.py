"""createUser: who may call it, hashing, AUTH_PASSWORD_VALIDATORS, BAD_USER_INPUT naming the
field, atomicity, and MAX_PASSWORD_HASHES."""

from __future__ import annotations

import logging
from http import HTTPStatus

import pytest
from django.contrib.auth.hashers import get_hasher, identify_hasher
from django.contrib.auth.models import Group, Permission, User
from django.db import IntegrityError

from schema import accounts

CREATE = """
mutation Create($username: String!, $password: String!, $email: String,
                $firstName: String, $lastName: String) {
  createUser(username: $username, password: $password, email: $email,
             firstName: $firstName, lastName: $lastName) {
    id username email firstName lastName
  }
}
"""
PASSWORD = "a-long-secret-phrase"


@pytest.fixture
def token(world):
    """A token of a user who may add users (auth.add_user), with the write scope."""
    creator = world.make_user("creator", permissions=("auth.add_user",))
    return world.token("read", "write", user=creator)


NO_PERMISSION = {
    "message": "You do not have permission to perform this action.",
    "locations": [{"line": 4, "column": 3}],
    "path": ["createUser"],
    "extensions": {"code": "FORBIDDEN", "requiredPermissions": ["auth.add_user"]},
}


def create(gql, token, **variables):
    return gql.post(CREATE, {"username": "carol", "password": PASSWORD, **variables}, token=token)


def test_creates_the_user_with_a_hashed_password(gql, token):
    response = create(gql, token, email="carol@example.com", firstName="Carol", lastName="Danvers")

    carol = User.objects.get(username="carol")
    assert response.body == {
        "data": {
            "createUser": {
                "id": str(carol.pk),
                "username": "carol",
                "email": "carol@example.com",
                "firstName": "Carol",
                "lastName": "Danvers",
            }
        }
    }
    assert carol.password != PASSWORD
    assert identify_hasher(carol.password).algorithm == get_hasher().algorithm
    assert carol.check_password(PASSWORD)
    assert carol.is_active
    assert not carol.is_staff
    assert not carol.is_superuser


def test_a_user_without_auth_add_user_creates_nobody_whatever_the_scopes(gql, world, hashes):
    response = create(gql, world.token("read", "write", "groups"))  # alice: no permission

    assert response.body == {"data": None, "errors": [NO_PERMISSION]}
    assert not User.objects.filter(username="carol").exists()
    assert hashes == []


def test_a_client_token_creates_nobody_it_has_no_user(gql, world, make_tokens):
    client_token = make_tokens(scopes=("read", "write"), user=False).access_token

    response = create(gql, client_token)

    assert response.body == {"data": None, "errors": [NO_PERMISSION]}
    assert not User.objects.filter(username="carol").exists()


def test_the_permission_may_come_from_a_group_or_being_superuser(gql, world):
    adders = Group.objects.create(name="adders")
    adders.permissions.add(Permission.objects.get(codename="add_user"))
    member = world.make_user("member", groups=("adders",))
    root = world.make_user("root", is_superuser=True)

    by_group = create(gql, world.token("read", "write", user=member), username="carol")
    by_superuser = create(gql, world.token("read", "write", user=root), username="dave")

    assert by_group.data["createUser"]["username"] == "carol"
    assert by_superuser.data["createUser"]["username"] == "dave"


def test_a_user_with_the_permission_still_needs_the_write_scope(gql, world):
    creator = world.make_user("creator", permissions=("auth.add_user",))

    response = create(gql, world.token("read", user=creator))

    assert [(e["path"], e["extensions"]) for e in response.errors] == [
        (["createUser"], {"code": "FORBIDDEN", "requiredScopes": [["read", "write"]]})
    ]
    assert not User.objects.filter(username="carol").exists()


def test_creating_needs_read_too_and_a_write_only_token_creates_nothing(gql, world):
    """User requires read wherever it is returned; createUser says so itself."""
    creator = world.make_user("creator", permissions=("auth.add_user",))

    response = create(gql, world.token("write", user=creator))

    assert response.data is None
    assert [(e["path"], e["extensions"]) for e in response.errors] == [
        (["createUser"], {"code": "FORBIDDEN", "requiredScopes": [["read", "write"]]})
    ]
    assert not User.objects.filter(username="carol").exists()


def test_optional_fields_default_to_empty(gql, token):
    response = create(gql, token)

    assert response.data["createUser"]["email"] == ""
    assert response.data["createUser"]["firstName"] == ""


def bad_input(response) -> tuple[str, str, dict]:
    assert response.data is None
    (error,) = response.errors
    assert error["path"] == ["createUser"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    return error["message"], error["extensions"]["field"], error["extensions"]["fieldErrors"]


def test_duplicate_username_names_the_field(gql, token, world):
    users = User.objects.count()

    response = create(gql, token, username="alice")

    message = "A user with that username already exists."
    assert bad_input(response) == (message, "username", {"username": [message]})
    assert User.objects.count() == users


@pytest.mark.parametrize(
    ("password", "messages"),
    [
        ("short", ["This password is too short. It must contain at least 8 characters."]),
        ("password", ["This password is too common."]),
        ("84736251947", ["This password is entirely numeric."]),
        ("carol1234", ["The password is too similar to the username."]),
    ],
)
def test_password_validators_run_and_name_the_field(gql, token, password, messages):
    response = create(gql, token, password=password)

    assert bad_input(response) == (" ".join(messages), "password", {"password": messages})
    assert not User.objects.filter(username="carol").exists()


def test_every_invalid_argument_is_reported_under_the_first(gql, token, world):
    response = create(gql, token, username="alice", password="short", email="not-an-email")

    message, field, errors = bad_input(response)
    assert field == "username"
    assert message == "A user with that username already exists."
    assert errors == {
        "username": ["A user with that username already exists."],
        "password": ["This password is too short. It must contain at least 8 characters."],
        "email": ["Enter a valid email address."],
    }


@pytest.mark.parametrize(
    ("variables", "field", "message"),
    [
        (
            {"username": "carol smith"},
            "username",
            "Enter a valid username. This value may contain only letters, numbers, and "
            "@/./+/-/_ characters.",
        ),
        ({"username": ""}, "username", "This field cannot be blank."),
        ({"email": "nope"}, "email", "Enter a valid email address."),
        ({"firstName": "Ca\x00rol"}, "firstName", "Null characters are not allowed."),
        ({"lastName": "\x00"}, "lastName", "Null characters are not allowed."),
        (
            {"firstName": "x" * 151},
            "firstName",
            "Ensure this value has at most 150 characters (it has 151).",
        ),
    ],
)
def test_model_validation_names_the_graphql_argument(gql, token, variables, field, message):
    response = create(gql, token, **variables)

    assert bad_input(response) == (message, field, {field: [message]})
    assert not User.objects.exclude(username__in=["alice", "bob", "creator"]).exists()


def test_a_lost_race_on_the_username_is_bad_user_input_and_writes_nothing(gql, token, monkeypatch):
    """full_clean() passed but another request inserted the name first: the unique index wins."""

    def insert_then_fail(self, *args, **kwargs):
        raise IntegrityError("UNIQUE constraint failed: auth_user.username")

    monkeypatch.setattr(User, "save", insert_then_fail)

    response = create(gql, token)

    message = "A user with that username already exists."
    assert bad_input(response) == (message, "username", {"username": [message]})
    assert not User.objects.filter(username="carol").exists()


def test_an_unexpected_failure_is_masked_and_logged(gql, token, monkeypatch, caplog):
    def explode(**kwargs):
        raise RuntimeError("disk full at /var/lib/postgresql")

    monkeypatch.setattr(accounts, "create_user", explode)

    response = create(gql, token)

    assert response.body["data"] is None
    assert [(e["message"], e["path"], e["extensions"]) for e in response.errors] == [
        ("Unexpected error.", ["createUser"], {"code": "INTERNAL_SERVER_ERROR"})
    ]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [(r.name, r.getMessage()) for r in errors] == [
        ("gqlauth.graphql", "Unexpected error while resolving createUser")
    ]
    assert "disk full" not in response.http.content.decode()


# --- MAX_PASSWORD_HASHES: password-hashing mutations per request --------------------------------


def create_many(count: int) -> str:
    """One mutation with ``count`` aliased createUser calls."""
    calls = " ".join(
        f'u{i}: createUser(username: "new{i}", password: "{PASSWORD}") {{ username }}'
        for i in range(count)
    )
    return f"mutation {{ {calls} }}"


def refused(count: int, limit: int = 1) -> dict:
    return {
        "message": (
            f"This operation runs {count} mutations that hash a password; one request may run "
            f"at most {limit}."
        ),
        "locations": [{"line": 1, "column": 1}],
        "extensions": {"code": "TOO_MANY_PASSWORD_HASHES"},
    }


@pytest.fixture
def hashes(monkeypatch):
    """The passwords hashed during the test, in order."""
    hashed: list[str] = []
    real = User.set_password

    def counting(self, raw_password):
        hashed.append(raw_password)
        real(self, raw_password)

    monkeypatch.setattr(User, "set_password", counting)
    return hashed


@pytest.mark.parametrize(
    ("accept", "status", "body"),
    [
        ("application/json", HTTPStatus.OK, lambda error: {"data": None, "errors": [error]}),
        ("application/graphql-response+json", HTTPStatus.BAD_REQUEST, lambda e: {"errors": [e]}),
    ],
)
def test_fifteen_aliased_creates_are_refused_before_any_runs(
    gql, token, hashes, accept, status, body
):
    users = User.objects.count()

    response = gql.post(create_many(15), token=token, accept=accept)

    assert response.status == status
    assert response.body == body(refused(15))
    assert hashes == []
    assert User.objects.count() == users


def test_one_create_per_request_is_the_default(gql, token, hashes):
    assert gql.post(create_many(1), token=token).body == {"data": {"u0": {"username": "new0"}}}
    assert gql.post(create_many(2), token=token).body == {"data": None, "errors": [refused(2)]}
    assert hashes == [PASSWORD]


def test_the_limit_follows_max_password_hashes(gql, token, hashes, settings):
    settings.GQLAUTH_GRAPHQL = {"MAX_PASSWORD_HASHES": 3}

    assert gql.post(create_many(4), token=token).body == {
        "data": None,
        "errors": [refused(4, limit=3)],
    }
    assert gql.post(create_many(3), token=token).errors == []
    assert len(hashes) == 3


def call(alias: str, directive: str = "") -> str:
    return f'{alias}: createUser(username: "{alias}1", password: "{PASSWORD}") {directive} {{ id }}'


@pytest.mark.parametrize(
    ("document", "runs"),
    [
        # Fragments on Mutation count where they are spread, each once however often spread.
        (
            "mutation { ...A ...B ...A } "
            f"fragment A on Mutation {{ {call('a')} }} fragment B on Mutation {{ {call('b')} }}",
            2,
        ),
        (f"mutation {{ {call('a')} ... on Mutation {{ {call('b')} }} }}", 2),
        # @skip does not lower the count: the document is judged as written.
        (f"mutation {{ {call('a')} {call('b', '@skip(if: true)')} }}", 2),
    ],
)
def test_fragments_and_directives_do_not_hide_a_hash(gql, token, hashes, document, runs):
    response = gql.post(document, token=token)

    assert response.data is None
    assert [(e["message"], e["extensions"]) for e in response.errors] == [
        (refused(runs)["message"], {"code": "TOO_MANY_PASSWORD_HASHES"})
    ]
    assert hashes == []


def test_one_response_key_written_twice_runs_once(gql, token, hashes):
    field = f'createUser(username: "carol", password: "{PASSWORD}")'
    response = gql.post(f"mutation {{ {field} {{ id }} {field} {{ username }} }}", token=token)

    carol = User.objects.get(username="carol")
    assert response.body == {"data": {"createUser": {"id": str(carol.pk), "username": "carol"}}}
    assert hashes == [PASSWORD]


def test_only_the_chosen_operation_counts(gql, token, hashes):
    document = " ".join(
        f'mutation M{i} {{ createUser(username: "new{i}", password: "{PASSWORD}") {{ username }} }}'
        for i in range(3)
    )

    response = gql.client.post(
        "/graphql/",
        {"query": document, "operationName": "M1"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.json() == {"data": {"createUser": {"username": "new1"}}}
    assert hashes == [PASSWORD]
