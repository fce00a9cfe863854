"""Strawberry integration: the only package that imports strawberry.

Public modules (import from them directly; this package imports nothing, so the core's system
checks can load :mod:`~gqlauth.graphql.checks` without pulling in strawberry):

- :mod:`~gqlauth.graphql.permissions`: ``requires_scope`` (alternatives with ``|``),
  ``requires_read_write_scope``, ``requires_permission`` (the user's Django permissions;
  ``own_records_only`` for fields open to a user's own records), ``authenticated``, ``public``;
  on fields, and the scope rules on types too.
- :mod:`~gqlauth.graphql.rules`: ``AccessRule``, the base every rule extends, and how type-level
  rules are kept on their types.
- :mod:`~gqlauth.graphql.declarations`: how the rules reach the SDL (federation's
  ``@authenticated`` / ``@requiresScopes``), descriptions, and the returned types' fields.
- :mod:`~gqlauth.graphql.schema`: ``Schema``, a fail-closed federation subgraph with guarded
  ``_entities``, caching, limits and error masking.
- :mod:`~gqlauth.graphql.views`: ``GraphQLView``, the bearer-only sync endpoint.
- :mod:`~gqlauth.graphql.responses`: GraphQL over HTTP's response media types and request errors.
- :mod:`~gqlauth.graphql.context`: ``credentials_of(info)``, the caller's token, user and scopes.
- :mod:`~gqlauth.graphql.errors`: client errors by ``extensions.code``.
- :mod:`~gqlauth.graphql.pagination`: ``window(offset, limit)`` capped by ``MAX_LIMIT``.
- :mod:`~gqlauth.graphql.hardening`: the ``GQLAUTH_GRAPHQL`` limits, and ``hashes_password``
  for mutations that ``MAX_PASSWORD_HASHES`` counts.
- :mod:`~gqlauth.graphql.conf` / :mod:`~gqlauth.graphql.checks`: the ``GQLAUTH_GRAPHQL`` setting.
"""
