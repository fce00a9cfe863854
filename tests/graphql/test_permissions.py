"""Access rules: build-time validation, fail-closed roots, and per-field checks."""

from __future__ import annotations

import asyncio

import pytest
import strawberry

from gqlauth.graphql.errors import ForbiddenError, UnauthenticatedError
from gqlauth.graphql.permissions import (
    RequiresScope,
    ScopeConfigurationError,
    authenticated,
    public,
    requires_read_write_scope,
    requires_scope,
)
from gqlauth.graphql.schema import Schema
from tests.graphql.schemas import context, errors_of


def anonymous(path: list[object]) -> tuple[str, list[object], dict[str, object]]:
    """The error of a guarded field resolved without a token."""
    return ("Authentication credentials were not provided.", path, {"code": "UNAUTHENTICATED"})


def denied(path: list[object], *scopes: str) -> tuple[str, list[object], dict[str, object]]:
    """The error of a field whose token lacks some of ``scopes``."""
    return (
        "You do not have permission to perform this action.",
        path,
        {"code": "FORBIDDEN", "requiredScopes": list(scopes)},
    )


# --- build time -------------------------------------------------------------------------------


def test_root_field_without_access_declaration_fails_the_build():
    @strawberry.type
    class Query:
        @requires_scope("read")
        @strawberry.field
        def guarded(self) -> int:
            return 1

        @strawberry.field
        def forgotten(self) -> int:
            return 2

    @strawberry.type
    class Mutation:
        @strawberry.mutation
        def also_forgotten(self) -> int:
            return 3

    with pytest.raises(
        ScopeConfigurationError, match=r"Query\.forgotten, Mutation\.also_forgotten"
    ):
        Schema(query=Query, mutation=Mutation)


def test_plain_strawberry_field_assignment_without_declaration_fails_the_build():
    @strawberry.type
    class Query:
        name: str = "x"

    with pytest.raises(ScopeConfigurationError, match=r"Query\.name"):
        Schema(query=Query)


def test_unknown_scope_fails_the_build():
    @strawberry.type
    class Query:
        @requires_scope("read", "admin")
        @strawberry.field
        def guarded(self) -> int:
            return 1

    with pytest.raises(ScopeConfigurationError, match=r"'guarded'.*'admin'"):
        Schema(query=Query)


@strawberry.type
class BadScopeItem:
    secret: int = strawberry.field(default=1, extensions=[requires_scope("nope")])


@strawberry.type
class ReadWriteItem:
    value: int = strawberry.field(default=1, extensions=[requires_read_write_scope()])


def test_unknown_scope_on_a_nested_field_fails_the_build():
    @strawberry.type
    class Query:
        @public()
        @strawberry.field
        def item(self) -> BadScopeItem:
            return BadScopeItem()

    with pytest.raises(ScopeConfigurationError, match=r"'secret'.*'nope'"):
        Schema(query=Query)


def test_no_scopes_fails_the_build():
    @strawberry.type
    class Query:
        @requires_scope()
        @strawberry.field
        def guarded(self) -> int:
            return 1

    with pytest.raises(ScopeConfigurationError, match="needs a scope"):
        Schema(query=Query)


def test_scopes_are_validated_against_the_current_settings(settings):
    settings.OAUTH2_PROVIDER = {"SCOPES": {"read": "Read", "admin": "Admin"}}

    @strawberry.type
    class Query:
        @requires_scope("admin")
        @strawberry.field
        def guarded(self) -> int:
            return 1

    assert '@requiresScope(scopes: ["admin"])' in Schema(query=Query).as_str()


def test_two_scope_requirements_on_one_field_fail_the_build():
    @strawberry.type
    class Query:
        @requires_scope("read")
        @requires_scope("write")
        @strawberry.field
        def guarded(self) -> int:
            return 1

    with pytest.raises(ScopeConfigurationError, match="one requires_scope"):
        Schema(query=Query)


def test_public_combined_with_a_guard_fails_the_build():
    @strawberry.type
    class Query:
        @public()
        @requires_scope("read")
        @strawberry.field
        def confused(self) -> int:
            return 1

    with pytest.raises(ScopeConfigurationError, match=r"both public and guarded: Query\.confused"):
        Schema(query=Query)


def test_read_write_scope_outside_a_root_field_fails_the_build():
    @strawberry.type
    class Query:
        @public()
        @strawberry.field
        def item(self) -> ReadWriteItem:
            return ReadWriteItem()

    with pytest.raises(ScopeConfigurationError, match="only applies to root"):
        Schema(query=Query)


def test_decorator_below_strawberry_field_is_refused():
    with pytest.raises(TypeError, match=r"above @strawberry\.field"):

        @strawberry.type
        class Query:
            @strawberry.field
            @requires_scope("read")
            def wrong_order(self) -> int:
                return 1


def test_rebuilding_a_schema_keeps_one_directive_per_field():
    @strawberry.type
    class Query:
        @requires_scope("read")
        @strawberry.field
        def guarded(self) -> int:
            return 1

    Schema(query=Query)
    sdl = Schema(query=Query).as_str()
    assert sdl.count('@requiresScope(scopes: ["read"])') == 1
    (field,) = Query.__strawberry_definition__.fields
    assert [type(d) for d in field.directives] == [RequiresScope]


# --- read / write by operation type ------------------------------------------------------------


def _read_write_schema() -> Schema:
    @strawberry.type
    class Query:
        @requires_read_write_scope()
        @strawberry.field
        def items(self) -> list[int]:
            return [1, 2]

    @strawberry.type
    class Mutation:
        @requires_read_write_scope()
        @strawberry.mutation
        def add_item(self) -> int:
            return 3

    return Schema(query=Query, mutation=Mutation)


def test_read_write_scope_is_read_on_queries_and_write_on_mutations():
    schema = _read_write_schema()
    sdl = schema.as_str()
    assert 'items: [Int!]! @requiresScope(scopes: ["read"])' in sdl
    assert 'addItem: Int! @requiresScope(scopes: ["write"])' in sdl

    read = schema.execute_sync("{ items }", context_value=context("read"))
    assert read.data == {"items": [1, 2]}
    assert read.errors is None
    refused = schema.execute_sync("mutation { addItem }", context_value=context("read"))
    assert refused.data is None
    assert errors_of(refused) == [denied(["addItem"], "write")]
    write = schema.execute_sync("mutation { addItem }", context_value=context("write"))
    assert write.data == {"addItem": 3}


def test_read_write_scope_follows_read_scope_and_write_scope_settings(settings):
    settings.OAUTH2_PROVIDER = {
        "SCOPES": {"view": "View", "edit": "Edit"},
        "READ_SCOPE": "view",
        "WRITE_SCOPE": "edit",
    }
    sdl = _read_write_schema().as_str()
    assert 'items: [Int!]! @requiresScope(scopes: ["view"])' in sdl
    assert 'addItem: Int! @requiresScope(scopes: ["edit"])' in sdl


# --- request time ------------------------------------------------------------------------------


@strawberry.type
class Box:
    label: str = "box"
    secret: str | None = strawberry.field(
        default="s3cret", extensions=[requires_scope("read", "groups")]
    )


@strawberry.type
class CheckQuery:
    @requires_scope("read")
    @strawberry.field
    def box(self) -> Box:
        return Box()

    @authenticated()
    @strawberry.field
    def whoami(self) -> str:
        return "someone"

    @public()
    @strawberry.field
    def hello(self) -> str:
        return "hello"

    @requires_scope("read")
    @strawberry.field
    async def later(self) -> str:
        return "later"


CHECK_SCHEMA = Schema(query=CheckQuery)


def test_public_field_needs_no_token():
    result = CHECK_SCHEMA.execute_sync("{ hello }", context_value=context(token=False))
    assert result.data == {"hello": "hello"}
    assert result.errors is None


def test_guarded_fields_without_token_fail_one_by_one():
    result = CHECK_SCHEMA.execute_sync("{ hello whoami }", context_value=context(token=False))
    assert result.data is None  # whoami is non-null
    assert errors_of(result) == [anonymous(["whoami"])]


def test_authenticated_accepts_a_token_without_scopes():
    result = CHECK_SCHEMA.execute_sync("{ whoami }", context_value=context())
    assert result.data == {"whoami": "someone"}


def test_all_listed_scopes_are_required_and_siblings_survive():
    result = CHECK_SCHEMA.execute_sync(
        "{ box { label secret } hello }", context_value=context("read")
    )
    assert result.data == {"box": {"label": "box", "secret": None}, "hello": "hello"}
    assert errors_of(result) == [denied(["box", "secret"], "read", "groups")]

    full = CHECK_SCHEMA.execute_sync("{ box { secret } }", context_value=context("read", "groups"))
    assert full.data == {"box": {"secret": "s3cret"}}
    assert full.errors is None


def test_a_foreign_context_counts_as_no_token():
    result = CHECK_SCHEMA.execute_sync("{ box { label } }", context_value={"user": "admin"})
    assert errors_of(result) == [anonymous(["box"])]


def test_async_fields_are_checked_too():
    refused = asyncio.run(CHECK_SCHEMA.execute("{ later }", context_value=context("write")))
    assert errors_of(refused) == [denied(["later"], "read")]
    allowed = asyncio.run(CHECK_SCHEMA.execute("{ later }", context_value=context("read")))
    assert allowed.data == {"later": "later"}


def test_error_classes_carry_the_documented_messages_and_codes():
    assert UnauthenticatedError().extensions == {"code": "UNAUTHENTICATED"}
    assert UnauthenticatedError().message == "Authentication credentials were not provided."
    assert ForbiddenError(["groups"]).extensions == {
        "code": "FORBIDDEN",
        "requiredScopes": ["groups"],
    }
    assert (
        ForbiddenError(["groups"]).message == "You do not have permission to perform this action."
    )
