"""Federation's directives and entities: any-of / all-of scope sets, type-level rules, and
``_entities`` / ``_service``, which never bypass a rule."""

from __future__ import annotations

import enum
import warnings
from typing import NewType

import pytest
import strawberry
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

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


# --- _entities and _service --------------------------------------------------------------------


@requires_scope("groups")
@strawberry.federation.type(keys=["id"])
class Team:
    id: strawberry.ID
    name: str

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Team | None:
        return Team(id=id, name=f"team {id}") if id != "0" else None


@public()
@strawberry.type(directives=[Key(fields=FieldSet("code"))])
class Country:
    code: str

    @classmethod
    def resolve_reference(cls, code: str) -> Country:
        return Country(code=code)


@strawberry.type
class EntityQuery:
    @requires_scope("groups")
    @strawberry.field
    def teams(self) -> list[Team]:
        return [Team(id=strawberry.ID("1"), name="team 1")]

    @public()
    @strawberry.field
    def countries(self) -> list[Country]:
        return [Country(code="fr")]


ENTITIES = Schema(query=EntityQuery)
ENTITY_QUERY = """query ($r: [_Any!]!) {
  _entities(representations: $r) { ... on Team { name } ... on Country { code } }
}"""


def entities(representations: list[object], *scopes: str, token: bool = True):
    return ENTITIES.execute_sync(
        ENTITY_QUERY,
        variable_values={"r": representations},
        context_value=context(*scopes, token=token),
    )


def test_entities_resolve_when_the_types_rules_hold():
    result = entities(
        [{"__typename": "Team", "id": "7"}, {"__typename": "Country", "code": "fr"}], "groups"
    )

    assert result.errors is None
    assert result.data == {"_entities": [{"name": "team 7"}, {"code": "fr"}]}


def test_entities_cannot_bypass_the_types_scope():
    result = entities(
        [{"__typename": "Team", "id": "7"}, {"__typename": "Country", "code": "fr"}], "read"
    )

    assert result.data == {"_entities": [None, {"code": "fr"}]}
    assert errors_of(result) == [forbidden(["_entities", 0], ["groups"])]


def test_entities_without_a_token_are_unauthenticated():
    result = entities([{"__typename": "Team", "id": "7"}], token=False)

    assert result.data == {"_entities": [None]}
    assert errors_of(result) == [(UNAUTHENTICATED, ["_entities", 0], {"code": "UNAUTHENTICATED"})]


@pytest.mark.parametrize(
    ("representation", "message"),
    [
        ("Team", "A representation names no entity type of this schema."),
        ({"id": "7"}, "A representation names no entity type of this schema."),
        ({"__typename": "Query"}, "A representation names no entity type of this schema."),
        (
            {"__typename": "Nope", "id": "7"},
            "A representation names no entity type of this schema.",
        ),
        ({"__typename": "Team"}, "A Team representation lacks its key fields."),
        ({"__typename": "Country", "id": "7"}, "A Country representation lacks its key fields."),
    ],
)
def test_malformed_representations_are_bad_user_input_at_their_index(representation, message):
    result = entities([representation, {"__typename": "Team", "id": "1"}], "groups")

    assert result.data == {"_entities": [None, {"name": "team 1"}]}
    assert errors_of(result) == [
        (
            message,
            ["_entities", 0],
            {
                "code": "BAD_USER_INPUT",
                "field": "representations",
                "fieldErrors": {"representations": [message]},
            },
        )
    ]


@strawberry.federation.type(keys=["id"])
class Loose:
    id: strawberry.ID


def test_an_entity_without_type_level_access_fails_the_build():
    @strawberry.type
    class Query:
        @public()
        @strawberry.field
        def loose(self) -> Loose:
            return Loose(id=strawberry.ID("1"))

    with pytest.raises(ScopeConfigurationError, match=r"Entity type 'Loose'.*declares no access"):
        Schema(query=Query)


def test_service_prints_the_subgraph_sdl_with_its_link(settings):
    result = ENTITIES.execute_sync("{ _service { sdl } }", context_value=context(token=False))

    assert result.errors is None
    assert result.data["_service"]["sdl"] == ENTITIES.as_str()
    assert result.data["_service"]["sdl"].startswith(
        'schema @link(url: "https://specs.apollo.dev/federation/v2.6", '
        'import: ["@key", "@requiresScopes"]) {'
    )


def test_service_is_refused_with_introspection(settings):
    settings.GQLAUTH_GRAPHQL = {"INTROSPECTION": False}

    result = ENTITIES.execute_sync("{ _service { sdl } }", context_value=context("groups"))

    assert result.data is None
    assert [e.message for e in result.errors] == [
        "GraphQL introspection has been disabled, but the requested query contained the "
        "field '_service'."
    ]


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


def test_a_public_entity_is_described_and_checked_as_nothing():
    sdl = ENTITIES.as_str()

    (field,) = [f for f in EntityQuery.__strawberry_definition__.fields if f.name == "countries"]
    assert 'type Country @key(fields: "code", resolvable: true) {' in sdl
    assert '  """Open to anonymous callers."""\n  countries: [Country!]!\n' in sdl
    assert len(field.extensions) == 1  # its own public(): no rule added for the type


def test_more_representations_than_a_page_are_refused_as_a_whole(settings):
    settings.GQLAUTH_GRAPHQL = {"MAX_LIMIT": 2}
    team = {"__typename": "Team", "id": "1"}

    two = entities([team, team], "groups")
    three = entities([team, team, team], "groups")

    assert two.data == {"_entities": [{"name": "team 1"}, {"name": "team 1"}]}
    assert three.data is None
    assert errors_of(three) == [
        (
            "at most 2 representations; got 3.",
            ["_entities"],
            {
                "code": "BAD_USER_INPUT",
                "field": "representations",
                "fieldErrors": {"representations": ["at most 2 representations; got 3."]},
            },
        )
    ]


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
