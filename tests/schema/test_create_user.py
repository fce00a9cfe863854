"""createUser: hashing, AUTH_PASSWORD_VALIDATORS, BAD_USER_INPUT naming the field, atomicity."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.hashers import get_hasher, identify_hasher
from django.contrib.auth.models import User
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
    return world.token("read", "write")


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
    assert User.objects.count() == 2  # alice and bob only


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
