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
LIST_FIELDS = "{ users(limit: 100) { id username email firstName lastName } }"


def add_users(world, count: int) -> None:
    for i in range(count):
        world.make_user(groups=("staff", f"team{i % 3}"))


@pytest.fixture
def viewer(world):
    """A user who may read every user (auth.view_user), in a group like the others."""
    return world.make_user("viewer", groups=("staff",), permissions=("auth.view_user",))


def test_users_with_groups_cost_the_same_queries_for_5_and_50_users(gql, world, viewer):
    token = world.token("read", "groups", user=viewer)
    add_users(world, 2)  # + alice, bob and viewer = 5

    with CaptureQueriesContext(connection) as five:
        small = gql.post(USERS_WITH_GROUPS, token=token)
    add_users(world, 45)
    with CaptureQueriesContext(connection) as fifty:
        large = gql.post(USERS_WITH_GROUPS, token=token)

    assert len(small.data["users"]) == 5
    assert len(large.data["users"]) == 50
    assert all(user["groups"] for user in large.data["users"])
    # Token lookup, the user's permissions and those of their groups (Django's ModelBackend,
    # once per request), users, their groups (one prefetch).
    assert len(five) == len(fifty) == 5


@pytest.mark.parametrize("count", [5, 50])
@pytest.mark.parametrize(
    ("caller", "queries", "sees"),
    [
        # The token lookup, the caller's permissions (user's and groups'), users, their groups.
        pytest.param("permission", 5, "everyone", id="with-auth.view_user"),
        # A superuser holds every permission: Django asks the database nothing.
        pytest.param("superuser", 3, "everyone", id="superuser"),
        # Without the permission the caller sees their own user only, at the same cost.
        pytest.param("none", 5, "self", id="without-auth.view_user"),
    ],
)
def test_users_with_groups_cost_constant_queries(
    gql, world, count, caller, queries, sees, django_assert_num_queries
):
    fields = {
        "permission": {"permissions": ("auth.view_user",)},
        "superuser": {"is_superuser": True},
        "none": {},
    }[caller]
    me = world.make_user("me", groups=("staff",), **fields)
    add_users(world, count - 3)
    token = world.token("read", "groups", user=me)

    with django_assert_num_queries(queries):
        response = gql.post(USERS_WITH_GROUPS, token=token)

    users = response.data["users"]
    assert len(users) == (count if sees == "everyone" else 1)
    assert {"username": "me", "groups": [{"name": "staff"}]} in users


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(
            "{ users(limit: 100) { username ...G } } fragment G on User { groups { name } }",
            id="named-fragment",
        ),
        pytest.param(
            "{ users(limit: 100) { username ... on User { groups { name } } } }",
            id="inline-fragment",
        ),
        pytest.param(
            "{ users(limit: 100) { ... { username mine: groups { name } } } }",
            id="aliased-in-fragment",
        ),
        pytest.param(
            "query ($no: Boolean!) { users(limit: 100) { username groups @skip(if: $no) "
            "{ name } } }",
            id="under-skip",
        ),
    ],
)
def test_users_groups_through_fragments_and_aliases_cost_one_prefetch(gql, world, viewer, query):
    token = world.token("read", "groups", user=viewer)
    add_users(world, 20)

    with CaptureQueriesContext(connection) as queries:
        response = gql.post(query, {"no": False} if "$no" in query else None, token=token)

    users = response.data["users"]
    assert len(users) == 23
    assert all(len(user.get("groups", user.get("mine"))) >= 1 for user in users)
    # Token, the caller's permissions and their groups' (ModelBackend), users, their groups.
    assert len(queries) == 5


def test_users_without_groups_cost_no_prefetch(gql, world, viewer, django_assert_num_queries):
    token = world.token("read", "groups", user=viewer)
    add_users(world, 20)

    # Token, the caller's permissions and their groups' (ModelBackend), users.
    with django_assert_num_queries(4):
        response = gql.post(LIST_FIELDS, token=token)

    assert len(response.data["users"]) == 23


def test_one_user_with_groups_costs_one_prefetch(gql, world, viewer, django_assert_num_queries):
    token = world.token("read", "groups", user=viewer)
    query = "query ($id: ID!) { user(id: $id) { username groups { name } } }"

    with django_assert_num_queries(5):
        response = gql.post(query, {"id": str(world.alice.pk)}, token=token)

    assert response.data == {"user": {"username": "alice", "groups": [{"name": "staff"}]}}


def test_users_pages_by_offset_and_limit_in_id_order(gql, world, viewer):
    add_users(world, 3)
    token = world.token("read", user=viewer)
    everyone = gql.post("{ users { id username } }", token=token).data["users"]

    page = gql.post("{ users(offset: 1, limit: 2) { id username } }", token=token)

    assert len(everyone) == 6
    assert [int(u["id"]) for u in everyone] == sorted(int(u["id"]) for u in everyone)
    assert page.data["users"] == everyone[1:3]
    assert gql.post("{ users(limit: 0) { id } }", token=token).data == {"users": []}
    assert gql.post("{ users(offset: 99) { id } }", token=token).data == {"users": []}


def test_without_auth_view_user_users_lists_the_caller_alone(gql, world):
    add_users(world, 3)
    token = world.token("read")  # alice holds no permission

    everyone = gql.post("{ users { username } }", token=token)
    paged = gql.post("{ users(offset: 1) { username } }", token=token)

    assert everyone.body == {"data": {"users": [{"username": "alice"}]}}
    assert paged.body == {"data": {"users": []}}


def test_a_client_token_lists_no_users_it_has_no_user(gql, world, make_tokens):
    token = make_tokens(scopes=("read", "groups"), user=False).access_token

    response = gql.post("{ users { username } }", token=token)

    assert response.body == {
        "data": None,
        "errors": [
            {
                "message": "You do not have permission to perform this action.",
                "locations": [{"line": 1, "column": 3}],
                "path": ["users"],
                "extensions": {"code": "FORBIDDEN", "requiredPermissions": ["auth.view_user"]},
            }
        ],
    }


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


def test_user_by_id(gql, world, viewer):
    token = world.token("read", user=viewer)
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
def test_user_that_does_not_exist_is_null(gql, world, viewer, missing, caplog):
    token = world.token("read", user=viewer)

    response = gql.post(
        "query One($id: ID!) { user(id: $id) { id } }", {"id": missing}, token=token
    )

    assert response.body == {"data": {"user": None}}
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.parametrize("literal", ['"²"', "12345678901234567890"])
def test_user_id_literals_that_name_nobody_are_null(gql, world, viewer, literal):
    token = world.token("read", user=viewer)

    response = gql.post(f"{{ user(id: {literal}) {{ id }} }}", token=token)

    assert response.body == {"data": {"user": None}}


def test_without_auth_view_user_a_user_reads_their_own_record_only(gql, world, caplog):
    token = world.token("read")  # alice holds no permission
    query = "query One($id: ID!) { user(id: $id) { username } }"

    own = gql.post(query, {"id": str(world.alice.pk)}, token=token)
    others = [
        gql.post(query, {"id": other}, token=token)
        for other in (str(world.bob.pk), "999999", "²", "abc")  # existing or not: no oracle
    ]

    assert own.body == {"data": {"user": {"username": "alice"}}}
    for response in others:
        assert response.body == {
            "data": {"user": None},
            "errors": [
                {
                    "message": "You do not have permission to perform this action.",
                    "locations": [{"line": 1, "column": 23}],
                    "path": ["user"],
                    "extensions": {"code": "FORBIDDEN", "requiredPermissions": ["auth.view_user"]},
                }
            ],
        }
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_client_token_reads_no_user_by_id(gql, world, make_tokens):
    token = make_tokens(scopes=("read",), user=False).access_token

    response = gql.post(f'{{ user(id: "{world.alice.pk}") {{ username }} }}', token=token)

    assert response.data == {"user": None}
    assert [(e["path"], e["extensions"]) for e in response.errors] == [
        (["user"], {"code": "FORBIDDEN", "requiredPermissions": ["auth.view_user"]})
    ]


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
    token = world.token("read", user=world.make_user("root", is_superuser=True))

    by_post = gql.post("{ users { username } }", token=token)
    by_get = gql.get("{ users { username } }", token=token)
    mutation = gql.post(
        'mutation { createUser(username: "eve", password: "a-long-secret-phrase") { id } }',
        token=token,
    )

    assert (
        by_post.body
        == by_get.body
        == {"data": {"users": [{"username": "alice"}, {"username": "bob"}, {"username": "root"}]}}
    )
    assert [(e["path"], e["extensions"]["code"]) for e in mutation.errors] == [
        (["createUser"], "FORBIDDEN")
    ]


@pytest.mark.parametrize("scopes", [("groups",), ("write",), ()])
def test_me_shows_the_callers_profile_only_with_read(gql, world, scopes):
    response = gql.post("{ me { scopes user { email } } }", token=world.token(*scopes))

    assert response.data == {"me": {"scopes": list(scopes), "user": None}}
    assert [(e["path"], e["extensions"]) for e in response.errors] == [
        (["me", "user"], {"code": "FORBIDDEN", "requiredScopes": [["read"]]})
    ]
    with_read = gql.post("{ me { user { email } } }", token=world.token("read", *scopes))
    assert with_read.body == {"data": {"me": {"user": {"email": "alice@example.com"}}}}


def test_a_users_groups_are_listed_by_name_however_the_user_is_reached(gql, world, viewer):
    """users, user(id) and me { user } give the same groups in the same order (by name)."""
    member = world.make_user("member", groups=("zeta", "alpha", "mid"))
    loner = world.make_user("loner")
    token = world.token("read", "groups", user=viewer)
    own_token = world.token("read", "groups", user=member)
    expected = [{"name": "alpha"}, {"name": "mid"}, {"name": "zeta"}]

    listed = gql.post("{ users(limit: 100) { username groups { name } } }", token=token)
    one = gql.post(
        "query ($id: ID!) { user(id: $id) { groups { name } } }",
        {"id": str(member.pk)},
        token=token,
    )
    me = gql.post("{ me { user { groups { name } } } }", token=own_token)

    by_name = {user["username"]: user["groups"] for user in listed.data["users"]}
    assert by_name["member"] == expected
    assert by_name["loner"] == []
    assert one.data == {"user": {"groups": expected}}
    assert me.data == {"me": {"user": {"groups": expected}}}
    assert loner.groups.count() == 0
