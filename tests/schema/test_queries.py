"""Queries of the tutorial API: paging, lookups, the viewer, and their query counts."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

USERS_WITH_GROUPS = "{ users(limit: 100) { username groups { name } } }"


def add_users(world, count: int) -> None:
    for i in range(count):
        world.make_user(groups=("staff", f"team{i % 3}"))


def test_users_with_groups_cost_the_same_queries_for_5_and_50_users(gql, world):
    token = world.token("read", "groups")
    add_users(world, 3)  # + alice and bob = 5

    with CaptureQueriesContext(connection) as five:
        small = gql.post(USERS_WITH_GROUPS, token=token)
    add_users(world, 45)
    with CaptureQueriesContext(connection) as fifty:
        large = gql.post(USERS_WITH_GROUPS, token=token)

    assert len(small.data["users"]) == 5
    assert len(large.data["users"]) == 50
    assert all(user["groups"] for user in large.data["users"])
    assert len(five) == len(fifty) == 3  # token lookup, users, their groups (one prefetch)


@pytest.mark.parametrize("count", [5, 50])
def test_users_with_groups_is_three_queries(gql, world, count, django_assert_num_queries):
    add_users(world, count - 2)
    token = world.token("read", "groups")

    with django_assert_num_queries(3):
        response = gql.post(USERS_WITH_GROUPS, token=token)

    assert len(response.data["users"]) == count


def test_users_pages_by_offset_and_limit_in_id_order(gql, world):
    add_users(world, 3)
    token = world.token("read")
    everyone = gql.post("{ users { id username } }", token=token).data["users"]

    page = gql.post("{ users(offset: 1, limit: 2) { id username } }", token=token)

    assert [int(u["id"]) for u in everyone] == sorted(int(u["id"]) for u in everyone)
    assert page.data["users"] == everyone[1:3]
    assert gql.post("{ users(limit: 0) { id } }", token=token).data == {"users": []}
    assert gql.post("{ users(offset: 99) { id } }", token=token).data == {"users": []}


@pytest.mark.parametrize(
    ("arguments", "field", "message"),
    [
        ("limit: 101", "limit", "limit must be between 0 and 100; got 101."),
        ("limit: -1", "limit", "limit must be between 0 and 100; got -1."),
        ("offset: -1", "offset", "offset must be 0 or more; got -1."),
    ],
)
@pytest.mark.parametrize("root", ["users", "groups"])
def test_out_of_range_paging_is_bad_user_input(gql, world, root, arguments, field, message):
    token = world.token("read", "groups")

    response = gql.post(f"{{ {root}({arguments}) {{ id }} }}", token=token)

    assert response.data is None
    (error,) = response.errors
    assert error["message"] == message
    assert error["path"] == [root]
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": field,
        "fieldErrors": {field: [message]},
    }


def test_user_by_id(gql, world):
    token = world.token("read")
    query = "query One($id: ID!) { user(id: $id) { id username email firstName lastName } }"

    response = gql.post(query, {"id": str(world.bob.pk)}, token=token)

    assert response.body == {
        "data": {
            "user": {
                "id": str(world.bob.pk),
                "username": "bob",
                "email": "bob@example.com",
                "firstName": "",
                "lastName": "",
            }
        }
    }


@pytest.mark.parametrize(
    "missing",
    [
        "999999",
        "abc",
        "-1",
        "",
        "²",  # a digit to str.isdigit(), not to int(): once an internal error
        "١٢",  # Arabic-Indic digits, which int() would read as 12
        "+1",
        " 1",
        "1\n",
        "1e3",
        "0x1",
        "9" * 19,  # beyond a 64-bit primary key
        "9" * 20,
        "9" * 5000,  # more digits than int() converts
    ],
)
def test_user_that_does_not_exist_is_null(gql, world, missing, caplog):
    response = gql.post(
        "query One($id: ID!) { user(id: $id) { id } }", {"id": missing}, token=world.token("read")
    )

    assert response.body == {"data": {"user": None}}
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.parametrize("literal", ['"²"', "12345678901234567890"])
def test_user_id_literals_that_name_nobody_are_null(gql, world, literal):
    response = gql.post(f"{{ user(id: {literal}) {{ id }} }}", token=world.token("read"))

    assert response.body == {"data": {"user": None}}


def test_groups_in_name_order_with_paging(gql, world):
    world.make_user(groups=("zeta", "beta"))
    token = world.token("groups")

    everyone = gql.post("{ groups { name } }", token=token).data["groups"]
    page = gql.post("{ groups(offset: 1, limit: 2) { name } }", token=token).data["groups"]

    assert [g["name"] for g in everyone] == ["admins", "beta", "staff", "zeta"]
    assert page == everyone[1:3]


def test_me_describes_the_token(gql, world):
    before = timezone.now()
    token = world.token("groups", "read")

    response = gql.post(
        "{ me { clientId scopes expiresAt user { username groups { name } } } }", token=token
    )

    me = response.data["me"]
    assert response.errors == []
    assert me["clientId"] == world.application.client_id
    assert me["scopes"] == ["groups", "read"]
    assert me["user"] == {"username": "alice", "groups": [{"name": "staff"}]}
    expires_at = parse_datetime(me["expiresAt"])
    assert (
        before + timedelta(seconds=36000 - 5)
        < expires_at
        <= timezone.now() + timedelta(seconds=36000)
    )


def test_scope_follows_operation_type_not_http_verb(gql, world):
    """A read token reads by POST or GET alike; a POSTed mutation still needs write."""
    token = world.token("read")

    by_post = gql.post("{ users { username } }", token=token)
    by_get = gql.get("{ users { username } }", token=token)
    mutation = gql.post(
        'mutation { createUser(username: "eve", password: "a-long-secret-phrase") { id } }',
        token=token,
    )

    assert (
        by_post.body
        == by_get.body
        == {"data": {"users": [{"username": "alice"}, {"username": "bob"}]}}
    )
    assert [(e["path"], e["extensions"]["code"]) for e in mutation.errors] == [
        (["createUser"], "FORBIDDEN")
    ]


@pytest.mark.parametrize("scopes", [("groups",), ("write",), ()])
def test_me_shows_the_callers_profile_only_with_read(gql, world, scopes):
    response = gql.post("{ me { scopes user { email } } }", token=world.token(*scopes))

    assert response.data == {"me": {"scopes": list(scopes), "user": None}}
    assert [(e["path"], e["extensions"]) for e in response.errors] == [
        (["me", "user"], {"code": "FORBIDDEN", "requiredScopes": ["read"]})
    ]
    with_read = gql.post("{ me { user { email } } }", token=world.token("read", *scopes))
    assert with_read.body == {"data": {"me": {"user": {"email": "alice@example.com"}}}}
