"""Federation's entities: ``_entities`` checks each type's rules and never bypasses one;
``_service`` prints the subgraph's SDL."""

from __future__ import annotations

import pytest
import strawberry
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from gqlauth.graphql.permissions import (
    ScopeConfigurationError,
    public,
    requires_scope,
)
from gqlauth.graphql.schema import Schema
from tests.graphql.schemas import context, errors_of

FORBIDDEN = "You do not have permission to perform this action."
UNAUTHENTICATED = "Authentication credentials were not provided."


def forbidden(path: list[object], *alternatives: list[str]) -> tuple[str, list[object], dict]:
    return (FORBIDDEN, path, {"code": "FORBIDDEN", "requiredScopes": list(alternatives)})


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
