"""Scope rules in the federation's terms: any-of / all-of scope sets, and type-level rules on
objects, interfaces, enums and scalars, which apply wherever the type is returned."""

from __future__ import annotations

import enum
import warnings
from typing import NewType

import pytest
import strawberry

from gqlauth.graphql.permissions import (
    ScopeConfigurationError,
    authenticated,
    public,
    requires_permission,
    requires_read_write_scope,
    requires_scope,
)
from gqlauth.graphql.schema import Schema
from tests.graphql.schemas import context, errors_of

FORBIDDEN = "You do not have permission to perform this action."
UNAUTHENTICATED = "Authentication credentials were not provided."


def forbidden(path: list[object], *alternatives: list[str]) -> tuple[str, list[object], dict]:
    return (FORBIDDEN, path, {"code": "FORBIDDEN", "requiredScopes": list(alternatives)})


# --- any of / all of ---------------------------------------------------------------------------


@strawberry.type
class ChoiceQuery:
    @requires_scope("read", "write") | requires_scope("groups")
    @strawberry.field
    def either(self) -> str:
        return "yes"

    @public()
    @strawberry.field
    def open(self) -> str:
        return "open"


CHOICE = Schema(query=ChoiceQuery)


def test_alternatives_print_as_one_requires_scopes_directive_and_a_sentence():
    sdl = CHOICE.as_str()

    assert (
        '  """Requires a bearer token with the scopes (read and write) or groups."""\n'
        '  either: String! @requiresScopes(scopes: [["read", "write"], ["groups"]])\n'
    ) in sdl


@pytest.mark.parametrize(
    ("scopes", "allowed"),
    [
        (("read", "write"), True),  # all of the first set
        (("groups",), True),  # the second set
        (("read", "write", "groups"), True),
        (("read",), False),  # half of the first set
        (("write",), False),
        ((), False),
    ],
)
def test_any_of_the_sets_all_of_one_set(scopes, allowed):
    result = CHOICE.execute_sync("{ either open }", context_value=context(*scopes))

    if allowed:
        assert result.data == {"either": "yes", "open": "open"}
        assert result.errors is None
    else:
        assert result.data is None  # either is non-null: its denial nulls the parent
        assert errors_of(result) == [forbidden(["either"], ["read", "write"], ["groups"])]


def test_alternatives_without_a_token_are_unauthenticated():
    result = CHOICE.execute_sync("{ open either }", context_value=context(token=False))

    assert errors_of(result) == [(UNAUTHENTICATED, ["either"], {"code": "UNAUTHENTICATED"})]


def test_read_write_scope_cannot_take_alternatives():
    with pytest.raises(ScopeConfigurationError, match=r"cannot be combined with \|"):
        requires_read_write_scope() | requires_scope("groups")


def test_an_empty_alternative_fails_the_build():
    @strawberry.type
    class Query:
        @requires_scope("read") | requires_scope()
        @strawberry.field
        def guarded(self) -> int:
            return 1

    with pytest.raises(ScopeConfigurationError, match="needs a scope"):
        Schema(query=Query)


# --- type-level rules --------------------------------------------------------------------------


@requires_scope("groups")
@strawberry.type
class Secret:
    value: str = "hidden"


@authenticated()
@strawberry.type
class Badge:
    label: str = "member"


@strawberry.type
class Holder:
    name: str = "holder"
    secret: Secret | None = strawberry.field(default_factory=Secret)
    secrets: list[Secret] | None = strawberry.field(default_factory=lambda: [Secret(), Secret()])
    # Its own rule and the type's: both must hold.
    guarded_secret: Secret | None = strawberry.field(
        default_factory=Secret, extensions=[requires_scope("read")]
    )


@strawberry.type
class TypeQuery:
    @public()
    @strawberry.field
    def holder(self) -> Holder:
        return Holder()

    @public()
    @strawberry.field
    def badge(self) -> Badge | None:
        return Badge()


TYPES = Schema(query=TypeQuery)


def test_type_level_rules_print_on_the_type_and_in_words():
    sdl = TYPES.as_str()

    assert (
        '"""\nEvery field returning Secret requires a bearer token with the scope groups.\n"""\n'
        'type Secret @requiresScopes(scopes: [["groups"]]) {'
    ) in sdl
    assert "type Badge @authenticated {" in sdl
    # The fields returning Secret say so in words; their own directives only state their own.
    assert (
        '  """The Secret it returns requires a bearer token with the scope groups."""\n'
        "  secret: Secret\n"
    ) in sdl
    assert (
        '  """\n  Requires a bearer token with the scope read. The Secret it returns requires '
        'a bearer token with the scope groups.\n  """\n'
        '  guardedSecret: Secret @requiresScopes(scopes: [["read"]])\n'
    ) in sdl


def test_a_type_level_rule_applies_wherever_the_type_is_returned():
    query = "{ holder { name secret { value } secrets { value } } badge { label } }"

    denied = TYPES.execute_sync(query, context_value=context("read"))
    allowed = TYPES.execute_sync(query, context_value=context("groups"))

    assert denied.data == {
        "holder": {"name": "holder", "secret": None, "secrets": None},
        "badge": {"label": "member"},
    }
    assert errors_of(denied) == [
        forbidden(["holder", "secret"], ["groups"]),
        forbidden(["holder", "secrets"], ["groups"]),
    ]
    assert allowed.data == {
        "holder": {
            "name": "holder",
            "secret": {"value": "hidden"},
            "secrets": [{"value": "hidden"}, {"value": "hidden"}],
        },
        "badge": {"label": "member"},
    }
    assert allowed.errors is None


def test_a_field_needs_its_own_rule_and_its_types_the_own_rule_checked_first():
    query = "{ holder { guardedSecret { value } } }"

    nothing = TYPES.execute_sync(query, context_value=context())
    own_only = TYPES.execute_sync(query, context_value=context("read"))
    type_only = TYPES.execute_sync(query, context_value=context("groups"))
    both = TYPES.execute_sync(query, context_value=context("read", "groups"))

    assert errors_of(nothing) == [forbidden(["holder", "guardedSecret"], ["read"])]
    assert errors_of(own_only) == [forbidden(["holder", "guardedSecret"], ["groups"])]
    assert errors_of(type_only) == [forbidden(["holder", "guardedSecret"], ["read"])]
    assert both.data == {"holder": {"guardedSecret": {"value": "hidden"}}}


def test_an_authenticated_type_needs_a_token():
    result = TYPES.execute_sync("{ badge { label } }", context_value=context(token=False))

    assert result.data == {"badge": None}
    assert errors_of(result) == [(UNAUTHENTICATED, ["badge"], {"code": "UNAUTHENTICATED"})]


def test_a_rebuilt_schema_adds_the_type_rule_once():
    Schema(query=TypeQuery)
    sdl = Schema(query=TypeQuery).as_str()

    (field,) = [f for f in Holder.__strawberry_definition__.fields if f.name == "secret"]
    assert len(field.extensions) == 1
    assert sdl.count("Every field returning Secret") == 1
    assert sdl.count('type Secret @requiresScopes(scopes: [["groups"]]) {') == 1


def test_a_permission_rule_cannot_decorate_a_type():
    with pytest.raises(TypeError, match="applies to fields only"):

        @requires_permission("auth.view_user")
        @strawberry.type
        class Record:
            name: str


@requires_scope("nope")
@strawberry.type
class Odd:
    name: str = "odd"


def test_a_type_with_an_unknown_scope_fails_the_build():
    @strawberry.type
    class Query:
        @public()
        @strawberry.field
        def odd(self) -> Odd:
            return Odd()

    with pytest.raises(ScopeConfigurationError, match=r"Type 'Odd'.*'nope'"):
        Schema(query=Query)


# --- interfaces --------------------------------------------------------------------------------


@requires_scope("groups")
@strawberry.interface
class Member:
    name: str


@strawberry.type
class Person(Member):
    age: int = 30


@strawberry.type
class InterfaceQuery:
    @public()
    @strawberry.field
    def member(self) -> Member | None:
        return Person(name="ann")


def test_a_rule_on_an_interface_applies_wherever_the_interface_is_returned():
    schema = Schema(query=InterfaceQuery, types=[Person])
    query = "{ member { name ... on Person { age } } }"

    denied = schema.execute_sync(query, context_value=context("read"))
    allowed = schema.execute_sync(query, context_value=context("groups"))

    assert 'interface Member @requiresScopes(scopes: [["groups"]]) {' in schema.as_str()
    assert denied.data == {"member": None}
    assert errors_of(denied) == [forbidden(["member"], ["groups"])]
    assert allowed.data == {"member": {"name": "ann", "age": 30}}


# --- enums and scalars -------------------------------------------------------------------------


@authenticated()
@strawberry.enum
class Level(enum.Enum):
    LOW = "low"
    HIGH = "high"


@strawberry.type
class Leaves:
    name: str = "leaves"
    level: Level | None = Level.HIGH
    levels: list[Level] | None = strawberry.field(default_factory=lambda: [Level.LOW])


@strawberry.type
class EnumQuery:
    @public()
    @strawberry.field
    def leaves(self) -> Leaves:
        return Leaves()


def test_a_rule_on_an_enum_applies_wherever_the_enum_is_returned():
    schema = Schema(query=EnumQuery)
    query = "{ leaves { name level levels } }"

    anonymous = schema.execute_sync(query, context_value=context(token=False))
    with_token = schema.execute_sync(query, context_value=context())

    assert "enum Level @authenticated {" in schema.as_str()
    assert anonymous.data == {"leaves": {"name": "leaves", "level": None, "levels": None}}
    assert errors_of(anonymous) == [
        (UNAUTHENTICATED, ["leaves", "level"], {"code": "UNAUTHENTICATED"}),
        (UNAUTHENTICATED, ["leaves", "levels"], {"code": "UNAUTHENTICATED"}),
    ]
    assert with_token.data == {"leaves": {"name": "leaves", "level": "HIGH", "levels": ["LOW"]}}


# strawberry 0.341 deprecates scalars made this way (in favour of scalar_map), which is also the
# only way a scalar can carry a directive of its own.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Passing a class to strawberry.scalar", DeprecationWarning)
    Code = requires_scope("groups")(
        strawberry.scalar(NewType("Code", str), serialize=str, parse_value=str)
    )


@strawberry.type
class ScalarQuery:
    @public()
    @strawberry.field
    def code(self) -> Code | None:  # type: ignore[valid-type]
        return "X-1"


def test_a_rule_on_a_scalar_applies_wherever_the_scalar_is_returned():
    schema = Schema(query=ScalarQuery)
    denied = schema.execute_sync("{ code }", context_value=context("read"))
    allowed = schema.execute_sync("{ code }", context_value=context("groups"))

    assert 'scalar Code @requiresScopes(scopes: [["groups"]])' in schema.as_str()
    assert errors_of(denied) == [forbidden(["code"], ["groups"])]
    assert allowed.data == {"code": "X-1"}


def test_a_type_rule_the_fields_own_rule_implies_is_not_checked_twice():
    from schema.api import schema  # noqa: F401  (built: its fields carry their final rules)
    from schema.types import UserType

    (groups,) = [f for f in UserType.__strawberry_definition__.fields if f.name == "groups"]
    (guarded,) = [f for f in Holder.__strawberry_definition__.fields if f.name == "guarded_secret"]

    # User.groups needs "groups", which is all Group needs: one rule, one sentence.
    assert [type(e).__name__ for e in groups.extensions] == ["ScopeRequirement"]
    assert groups.description == "Requires a bearer token with the scope groups."
    # guardedSecret needs "read", which does not imply Secret's "groups": both are checked.
    assert [type(e).__name__ for e in guarded.extensions] == [
        "ReturnedTypeRule",
        "ScopeRequirement",
    ]
