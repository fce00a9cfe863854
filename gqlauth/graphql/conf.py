"""Typed access to the ``GQLAUTH_GRAPHQL`` setting: the GraphQL endpoint's hardening knobs.

Read at use time through ``graphql_settings()`` (a :class:`~gqlauth.appsettings.SettingsDict`), so
``override_settings`` just works. Validation
lives in :mod:`gqlauth.graphql.checks`. This module imports no strawberry, so the system checks can
use it from the core's ``ready()``.

Keys (all optional):

``MAX_DEPTH``        deepest field nesting of an operation (introspection excluded); None: off
``MAX_ALIASES``      most aliases one document may use; None: off
``MAX_TOKENS``       most lexical tokens the parser accepts in one document; None: off
``MAX_LIMIT``        largest ``limit`` a list field accepts; a bigger one is refused, never clamped
``MAX_BODY_BYTES``   largest request body the endpoint reads (413 above it)
``MAX_PASSWORD_HASHES`` most mutations marked ``hashes_password()`` one request may run
``INTROSPECTION``    whether ``__schema`` / ``__type`` queries are allowed
``GRAPHIQL``         whether a browser GET renders the GraphiQL IDE (404 when off)
``GRAPHIQL_DEFAULT_QUERY`` the text GraphiQL's editor opens with (a project shows its own API)
``GRAPHIQL_CLIENT_ID`` the client id of the public application GraphiQL's Sign in button uses
                     (authorization code grant with PKCE); None: no Sign in button
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gqlauth.appsettings import SettingsDict

SETTING_NAME = "GQLAUTH_GRAPHQL"

# The page size of list fields when a client gives no ``limit``; equal to the default MAX_LIMIT.
DEFAULT_LIMIT = 100

DEFAULTS: dict[str, Any] = {
    "MAX_DEPTH": 10,
    "MAX_ALIASES": 15,
    "MAX_TOKENS": 5000,
    "MAX_LIMIT": DEFAULT_LIMIT,
    "MAX_BODY_BYTES": 100_000,
    "MAX_PASSWORD_HASHES": 1,
    "INTROSPECTION": True,
    "GRAPHIQL": True,
    "GRAPHIQL_DEFAULT_QUERY": """\
# Welcome to GraphiQL.
#
# 1. Get an access token from the token endpoint and paste it into the "Bearer token" field.
# 2. Build a query with the explorer on the left, or type one here.
# 3. Run it with the play button or Ctrl+Enter.

{
  __typename
}
""",
    "GRAPHIQL_CLIENT_ID": None,
}


@dataclass(frozen=True, slots=True)
class GraphQLSettings:
    """The parsed ``GQLAUTH_GRAPHQL`` setting; see :data:`DEFAULTS` for each key's default."""

    max_depth: int | None
    max_aliases: int | None
    max_tokens: int | None
    max_limit: int
    max_body_bytes: int
    max_password_hashes: int
    introspection: bool
    graphiql: bool
    graphiql_default_query: str
    graphiql_client_id: str | None


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _parse(raw: dict[str, Any]) -> GraphQLSettings:
    return GraphQLSettings(
        max_depth=_optional_int(raw["MAX_DEPTH"]),
        max_aliases=_optional_int(raw["MAX_ALIASES"]),
        max_tokens=_optional_int(raw["MAX_TOKENS"]),
        max_limit=int(raw["MAX_LIMIT"]),
        max_body_bytes=int(raw["MAX_BODY_BYTES"]),
        max_password_hashes=int(raw["MAX_PASSWORD_HASHES"]),
        introspection=bool(raw["INTROSPECTION"]),
        graphiql=bool(raw["GRAPHIQL"]),
        graphiql_default_query=str(raw["GRAPHIQL_DEFAULT_QUERY"]),
        graphiql_client_id=str(raw["GRAPHIQL_CLIENT_ID"]) if raw["GRAPHIQL_CLIENT_ID"] else None,
    )


graphql_settings = SettingsDict(SETTING_NAME, DEFAULTS, _parse)
"""``graphql_settings()``: the current :class:`GraphQLSettings`, cached until a setting changes."""
