"""The gateway's composer accepts our subgraph, with every access rule kept in the supergraph.

``gateway/compose.mjs`` runs ``@theguild/federation-composition`` (what Hive Gateway composes
with) on the SDL our endpoint publishes as ``_service { sdl }``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema, print_ast

from tests.gateway import stack
from tests.graphql.client import GraphQLClient

pytestmark = pytest.mark.gateway

SUBGRAPH_URL = "http://testserver/graphql/"


def published_sdl() -> str:
    response = GraphQLClient().post("{ _service { sdl } }")
    assert response.errors == []
    sdl: str = response.data["_service"]["sdl"]
    return sdl


def directives(schema_sdl: str, type_name: str, field: str | None = None) -> list[str]:
    """The directives on a type, or on one of its fields, as printed in SDL."""
    type_ = build_schema(schema_sdl).get_type(type_name)
    assert type_ is not None
    node = type_.ast_node if field is None else type_.fields[field].ast_node  # type: ignore[attr-defined]
    assert node is not None
    return sorted(print_ast(directive) for directive in node.directives or ())


@pytest.mark.django_db
def test_our_published_sdl_composes_into_a_supergraph_with_its_access_rules(
    gateway_installed: None, tmp_path: Path
) -> None:
    sdl_file = tmp_path / "gqlauth.graphql"
    sdl_file.write_text(published_sdl())
    supergraph = tmp_path / "supergraph.graphql"

    result = stack.compose({"gqlauth": f"{SUBGRAPH_URL}@{sdl_file}"}, supergraph)

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    composed = supergraph.read_text()
    assert f'GQLAUTH @join__graph(name: "gqlauth", url: "{SUBGRAPH_URL}")' in composed
    # The composer keeps @authenticated / @requiresScopes for the gateway to enforce.
    rules = {
        (type_name, field): [
            d for d in directives(composed, type_name, field) if not d.startswith("@join__")
        ]
        for type_name, field in [
            ("Query", "users"),
            ("Query", "user"),
            ("Query", "groups"),
            ("Query", "me"),
            ("Mutation", "createUser"),
            ("User", "groups"),
            ("Viewer", "user"),
            ("User", None),
            ("Group", None),
        ]
    }
    read, groups = '@requiresScopes(scopes: [["read"]])', '@requiresScopes(scopes: [["groups"]])'
    assert rules == {
        ("Query", "users"): [read],
        ("Query", "user"): [read],
        ("Query", "groups"): [groups],
        ("Query", "me"): ["@authenticated"],
        ("Mutation", "createUser"): ['@requiresScopes(scopes: [["read", "write"]])'],
        ("User", "groups"): [groups],
        ("Viewer", "user"): [read],
        ("User", None): [read],
        ("Group", None): [groups],
    }


def test_a_subgraph_the_composer_refuses_fails_with_its_errors(
    gateway_installed: None, tmp_path: Path
) -> None:
    """Federation v2.11 (strawberry's default link) is beyond this composer (design.md)."""
    sdl_file = tmp_path / "newer.graphql"
    sdl_file.write_text(
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.11", import: ["@key"])\n'
        "type Query { hello: String }\n"
    )
    supergraph = tmp_path / "supergraph.graphql"

    result = stack.compose({"newer": f"{SUBGRAPH_URL}@{sdl_file}"}, supergraph)

    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        "[UNKNOWN_FEDERATION_LINK_VERSION] [newer] Invalid version v2.11 for the federation "
        "feature in @link directive on schema\ncomposition failed: 1 error(s)\n",
    )
    assert not supergraph.exists()
