"""Aligning the gateway's answers with ours (tests/gateway/answers.py), without a gateway."""

from __future__ import annotations

from graphql import GraphQLObjectType, build_schema

from tests.gateway.answers import (
    Outcome,
    anchored,
    folded,
    gateway_outcome,
    our_outcome,
    outermost,
    propagated,
    without_positions,
)

SCHEMA = build_schema(
    """
    type Query { users: [User!]! user(id: ID!): User userRef(id: ID!): User }
    type User { id: ID! username: String! groups: [Group!] }
    type Group { name: String! }
    """
)


def query_type() -> GraphQLObjectType:
    assert SCHEMA.query_type is not None
    return SCHEMA.query_type


def test_paths_lose_list_positions_in_either_form() -> None:
    assert without_positions(["users", 3, "groups"]) == ("users", "groups")
    assert without_positions(["users", "@", "groups"]) == ("users", "groups")


def test_only_the_outermost_denied_paths_are_kept() -> None:
    assert outermost([("user",), ("user", "groups"), ("me", "user"), ("me", "user")]) == {
        ("user",),
        ("me", "user"),
    }


def test_the_gateways_at_objects_are_folded_into_their_parent_or_back_into_null() -> None:
    assert folded({"user": {"id": "1", "@": {"groups": None}}}) == {
        "user": {"id": "1", "groups": None}
    }
    assert folded({"user": {"@": {"groups": None}}}) == {"user": None}
    assert folded({"users": [{"id": "1", "groups": None}]}) == {
        "users": [{"id": "1", "groups": None}]
    }


def test_a_null_in_a_non_null_position_nulls_its_parent() -> None:
    assert propagated({"users": None}, query_type()) is None
    assert propagated({"userRef": {"id": None, "username": None}}, query_type()) == {
        "userRef": None
    }
    assert propagated({"user": {"id": "1", "groups": None}}, query_type()) == {
        "user": {"id": "1", "groups": None}
    }


def test_a_denied_path_is_anchored_at_the_outermost_null_on_it() -> None:
    assert anchored(("ref", "username"), {"ref": None}) == ("ref",)
    assert anchored(("users", "groups"), {"users": [{"groups": None}]}) == ("users", "groups")
    assert anchored(("users",), None) == ("users",)


def test_an_entity_refused_by_type_gives_the_same_outcome_on_both_sides() -> None:
    ours = {
        "data": {"_entities": [None]},
        "errors": [{"path": ["_entities", 0], "extensions": {"code": "FORBIDDEN"}}],
    }
    theirs = {
        "data": {"userRef": {"id": None, "username": None}},
        "errors": [
            {"path": ["userRef", "id"], "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"}},
            {"path": ["userRef", "username"], "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"}},
        ],
    }

    expected = Outcome({"ref": None}, frozenset({("ref",)}))
    assert our_outcome(ours, "userRef") == expected
    assert gateway_outcome(theirs, "userRef", query_type()) == expected
