"""schema.graphql: current, carries @requiresScope on every guarded field, and rebuilds."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from graphql import (
    DirectiveLocation,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    build_schema,
    validate_schema,
)
from graphql.utilities import value_from_ast_untyped

from gqlauth.graphql.permissions import PermissionRequirement, ScopeRequirement
from schema.api import schema
from schema.management.commands.export_sdl import sdl

SDL_PATH = Path(settings.BASE_DIR) / "schema.graphql"

# Every guarded field and the scopes it needs: the tutorial's permission rules.
GUARDED = {
    ("Query", "users"): ["read"],
    ("Query", "user"): ["read"],
    ("Query", "groups"): ["groups"],
    ("Mutation", "createUser"): ["write"],
    ("User", "groups"): ["groups"],
    ("Viewer", "user"): ["read"],
}


# Every field guarded by user permissions: the permissions, and whether its own records are
# open without them (exceptOwn).
PERMISSIONS = {
    ("Query", "users"): (["auth.view_user"], True),
    ("Query", "user"): (["auth.view_user"], True),
    ("Mutation", "createUser"): (["auth.add_user"], False),
}


def directive_uses(sdl_text: str, name: str) -> dict[tuple[str, str], dict[str, object]]:
    """``(type, field) -> {argument: value}`` of every use of the directive ``name``."""
    found = {}
    for type_ in build_schema(sdl_text).type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.ast_node is None:
            continue
        for field_node in type_.ast_node.fields or ():
            for directive in field_node.directives or ():
                if directive.name.value == name:
                    found[(type_.name, field_node.name.value)] = {
                        argument.name.value: value_from_ast_untyped(argument.value)
                        for argument in directive.arguments
                    }
    return found


def directive_scopes(sdl_text: str) -> dict[tuple[str, str], list[str]]:
    """``(type, field) -> scopes`` of every ``@requiresScope`` use in the SDL."""
    uses = directive_uses(sdl_text, "requiresScope")
    assert all(list(arguments) == ["scopes"] for arguments in uses.values())
    return {field: arguments["scopes"] for field, arguments in uses.items()}


def test_schema_graphql_is_up_to_date():
    assert SDL_PATH.read_text(encoding="utf-8") == sdl(), "run `python manage.py export_sdl`"


def test_sdl_defines_the_requires_scope_directive():
    rebuilt = build_schema(SDL_PATH.read_text(encoding="utf-8"))
    directive = rebuilt.get_directive("requiresScope")

    assert directive is not None
    assert directive.locations == (DirectiveLocation.FIELD_DEFINITION,)
    assert not directive.is_repeatable
    scopes_type = directive.args["scopes"].type
    assert isinstance(scopes_type, GraphQLNonNull)
    assert isinstance(scopes_type.of_type, GraphQLList)
    assert str(scopes_type) == "[String!]!"


def test_sdl_marks_every_guarded_field_with_its_scopes():
    assert directive_scopes(SDL_PATH.read_text(encoding="utf-8")) == GUARDED


def test_sdl_directives_match_the_scope_extensions_of_the_python_schema():
    """No field is guarded in code without showing it in the SDL, or the other way round."""
    in_code = {}
    for type_ in schema._schema.type_map.values():
        definition = (type_.extensions or {}).get("strawberry-definition")
        if not isinstance(type_, GraphQLObjectType) or definition is None:
            continue
        for field in definition.fields:
            for extension in field.extensions:
                if isinstance(extension, ScopeRequirement):
                    name = schema.config.name_converter.get_graphql_name(field)
                    in_code[(type_.name, name)] = list(extension.scopes)
    assert in_code == GUARDED


def test_sdl_marks_every_permission_guarded_field():
    uses = directive_uses(SDL_PATH.read_text(encoding="utf-8"), "requiresPermission")

    assert {
        field: (arguments["permissions"], arguments.get("exceptOwn", False))
        for field, arguments in uses.items()
    } == PERMISSIONS


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
    rebuilt = build_schema(SDL_PATH.read_text(encoding="utf-8"))

    assert validate_schema(rebuilt) == []
    assert set(rebuilt.query_type.fields) == {"users", "user", "groups", "me"}
    assert set(rebuilt.mutation_type.fields) == {"createUser"}
    assert str(rebuilt.get_type("User").fields["groups"].type) == "[Group!]"


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
