"""schema.graphql: current, states every access rule with federation's standard directives only
(``@authenticated``, ``@requiresScopes``; ``@key`` for entities), imported by ``@link``, and
rebuilds into a valid schema."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from graphql import GraphQLObjectType, build_schema, validate_schema
from graphql.language import DirectiveNode
from graphql.utilities import value_from_ast_untyped

from gqlauth.graphql.permissions import Authenticated, PermissionRequirement, ScopeRequirement
from gqlauth.graphql.rules import type_rules
from schema.api import schema
from schema.management.commands.export_sdl import sdl

SDL_PATH = Path(settings.BASE_DIR) / "schema.graphql"

# Every guarded field and the scope sets it needs (any of them; all scopes of one).
GUARDED = {
    ("Query", "users"): [["read"]],
    ("Query", "user"): [["read"]],
    ("Query", "groups"): [["groups"]],
    ("Mutation", "createUser"): [["read", "write"]],
    ("User", "groups"): [["groups"]],
    ("Viewer", "user"): [["read"]],
}
# Type-level rules: wherever the type is returned, _entities included.
GUARDED_TYPES = {"User": [["read"]], "Group": [["groups"]]}
AUTHENTICATED = {("Query", "me")}

# Every field guarded by user permissions: the permissions, and whether its own records are
# open without them (exceptOwn). No directive states them: descriptions do.
PERMISSIONS = {
    ("Query", "users"): (["auth.view_user"], True),
    ("Query", "user"): (["auth.view_user"], True),
    ("Mutation", "createUser"): (["auth.add_user"], False),
}

# The federation directives as the spec defines them (the SDL imports them through @link, as a
# subgraph must, instead of defining them), so graphql-core can rebuild the SDL.
FEDERATION_DEFINITIONS = """
scalar link__Import
scalar federation__Scope
directive @link(url: String!, import: [link__Import]) repeatable on SCHEMA
directive @key(fields: String!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @requiresScopes(scopes: [[federation__Scope!]!]!)
  on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
"""


def rebuilt():
    return build_schema(FEDERATION_DEFINITIONS + SDL_PATH.read_text(encoding="utf-8"))


def arguments(directive: DirectiveNode) -> dict[str, object]:
    return {a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments or ()}


def field_directives(name: str) -> dict[tuple[str, str], dict[str, object]]:
    """``(type, field) -> {argument: value}`` of every use of the directive ``name`` on a field."""
    found = {}
    for type_ in rebuilt().type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.ast_node is None:
            continue
        for field_node in type_.ast_node.fields or ():
            for directive in field_node.directives or ():
                if directive.name.value == name:
                    found[(type_.name, field_node.name.value)] = arguments(directive)
    return found


def type_directives(name: str) -> dict[str, dict[str, object]]:
    """``type -> {argument: value}`` of every use of the directive ``name`` on a type."""
    return {
        type_.name: arguments(directive)
        for type_ in rebuilt().type_map.values()
        if isinstance(type_, GraphQLObjectType) and type_.ast_node is not None
        for directive in type_.ast_node.directives or ()
        if directive.name.value == name
    }


def test_schema_graphql_is_up_to_date():
    assert SDL_PATH.read_text(encoding="utf-8") == sdl(), "run `python manage.py export_sdl`"


def test_sdl_uses_only_the_standard_directives_and_imports_them_with_link():
    text = SDL_PATH.read_text(encoding="utf-8")

    assert set(re.findall(r"@(\w+)", text)) == {"link", "key", "authenticated", "requiresScopes"}
    assert "directive @" not in text  # imported, not redefined
    assert text.startswith(
        'schema @link(url: "https://specs.apollo.dev/federation/v2.6", '
        'import: ["@authenticated", "@key", "@requiresScopes"]) {\n'
    )


def test_sdl_marks_every_guarded_field_with_its_scopes():
    uses = field_directives("requiresScopes")
    assert {field: args["scopes"] for field, args in uses.items()} == GUARDED
    assert set(field_directives("authenticated")) == AUTHENTICATED


def test_sdl_marks_entities_and_guarded_types():
    assert type_directives("key") == {"User": {"fields": "id"}, "Group": {"fields": "id"}}
    uses = type_directives("requiresScopes")
    assert {name: args["scopes"] for name, args in uses.items()} == GUARDED_TYPES


def test_sdl_directives_match_the_rules_of_the_python_schema():
    """No field or type is guarded in code without showing it in the SDL, or the other way
    round (the rules the schema adds for returned types print on the type, not the field)."""
    scoped, authenticated, guarded_types = {}, set(), {}
    for type_ in schema._schema.type_map.values():
        definition = (type_.extensions or {}).get("strawberry-definition")
        if not isinstance(type_, GraphQLObjectType) or definition is None:
            continue
        for rule in type_rules(definition.origin):
            assert isinstance(rule, ScopeRequirement)
            guarded_types[type_.name] = [list(a) for a in rule.alternatives]
        for field in definition.fields:
            name = (type_.name, schema.config.name_converter.get_graphql_name(field))
            for extension in field.extensions:
                if type(extension).__name__ in {"ScopeRequirement", "ReadWriteScope"}:
                    scoped[name] = [list(a) for a in extension.alternatives]
                elif isinstance(extension, Authenticated):
                    authenticated.add(name)
    assert scoped == GUARDED
    assert authenticated == AUTHENTICATED
    assert guarded_types == GUARDED_TYPES


def test_sdl_states_permissions_in_descriptions():
    built = rebuilt()
    for (type_name, field_name), (permissions, except_own) in PERMISSIONS.items():
        description = built.get_type(type_name).fields[field_name].description
        sentence = f"The token's user must hold the Django permission {permissions[0]}"
        assert sentence + (", or gets only their own records." if except_own else ".") in (
            description
        )


def test_sdl_permissions_match_the_permission_rules_of_the_python_schema():
    in_code = {}
    for type_ in schema._schema.type_map.values():
        definition = (type_.extensions or {}).get("strawberry-definition")
        if not isinstance(type_, GraphQLObjectType) or definition is None:
            continue
        for field in definition.fields:
            for extension in field.extensions:
                if isinstance(extension, PermissionRequirement):
                    name = schema.config.name_converter.get_graphql_name(field)
                    in_code[(type_.name, name)] = (
                        list(extension.permissions),
                        extension.except_own,
                    )
    assert in_code == PERMISSIONS


def test_graphql_core_rebuilds_a_valid_schema_from_the_sdl():
    built = rebuilt()

    assert validate_schema(built) == []
    assert set(built.query_type.fields) == {
        "_entities",
        "_service",
        "users",
        "user",
        "groups",
        "me",
    }
    assert set(built.mutation_type.fields) == {"createUser"}
    assert str(built.get_type("User").fields["groups"].type) == "[Group!]"
    assert str(built.get_type("_Entity")) == "_Entity"
    assert {t.name for t in built.get_type("_Entity").types} == {"Group", "User"}


def test_export_sdl_check_fails_on_a_stale_file(tmp_path):
    stale = tmp_path / "schema.graphql"
    stale.write_text("type Query { old: Int }\n", encoding="utf-8")

    with pytest.raises(CommandError, match="out of date"):
        call_command("export_sdl", "--check", "--output", str(stale))

    call_command("export_sdl", "--output", str(stale))
    assert stale.read_text(encoding="utf-8") == sdl()
    call_command("export_sdl", "--check", "--output", str(stale))


def test_export_sdl_check_reads_schema_graphql_by_default():
    out = StringIO()
    call_command("export_sdl", "--check", stdout=out)
    assert out.getvalue() == f"{SDL_PATH} is up to date.\n"
