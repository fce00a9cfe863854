"""System checks for the ``GQLAUTH_GRAPHQL`` setting (ids ``gqlauth.E1xx`` / ``gqlauth.W1xx``).

Registered by :meth:`gqlauth.apps.GqlauthConfig.ready`; imports no strawberry, so loading it keeps
the core free of the GraphQL dependency.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Tags, Warning, register

from gqlauth.graphql.conf import DEFAULT_LIMIT, graphql_settings
from gqlauth.settingchecks import each_key, is_bool, is_positive_int, not_a_dict, unknown_keys

_NAME = graphql_settings.name
_HINT = f"See the {_NAME} section of the README."


@register(Tags.security)
def check_graphql_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Validate GQLAUTH_GRAPHQL; one message per problem."""
    wrong_type = not_a_dict(graphql_settings, check_id="gqlauth.E101")
    if wrong_type:
        return wrong_type
    raw = graphql_settings.raw()
    messages = [
        *each_key(
            raw,
            ("MAX_DEPTH", "MAX_ALIASES", "MAX_TOKENS"),
            lambda value: value is None or is_positive_int(value),
            _NAME + "[{key!r}] must be a positive integer, or None to turn the limit off.",
            hint=_HINT,
            check_id="gqlauth.E102",
        ),
        *each_key(
            raw,
            ("MAX_LIMIT", "MAX_BODY_BYTES"),
            is_positive_int,
            _NAME + "[{key!r}] must be a positive integer.",
            hint=_HINT,
            check_id="gqlauth.E103",
        ),
        *each_key(
            raw,
            ("INTROSPECTION", "GRAPHIQL"),
            is_bool,
            _NAME + "[{key!r}] must be True or False.",
            check_id="gqlauth.E104",
        ),
        *each_key(
            raw,
            ("GRAPHIQL_DEFAULT_QUERY",),
            lambda value: isinstance(value, str),
            _NAME + "[{key!r}] must be a string.",
            check_id="gqlauth.E105",
        ),
        *each_key(
            raw,
            ("GRAPHIQL_CLIENT_ID",),
            lambda value: value is None or (isinstance(value, str) and value.strip() != ""),
            _NAME + "[{key!r}] must be a client id (a non-empty string), or None for no "
            "Sign in button.",
            hint="The client id of a public application with the authorization-code grant "
            "whose redirect URIs are the GraphiQL page's URLs; see the README's GraphiQL section.",
            check_id="gqlauth.E106",
        ),
        *each_key(
            raw,
            ("MAX_PASSWORD_HASHES",),
            is_positive_int,
            _NAME + "[{key!r}] must be a positive integer: the most password-hashing "
            "mutations one request may run.",
            # No None to turn it off, unlike the limits above: each hash is slow by design.
            hint="Each one costs a password hash, deliberately slow; " + _HINT,
            check_id="gqlauth.E107",
        ),
    ]

    if is_positive_int(raw["MAX_LIMIT"]) and raw["MAX_LIMIT"] < DEFAULT_LIMIT:
        messages.append(
            Warning(
                f"{_NAME}['MAX_LIMIT'] ({raw['MAX_LIMIT']}) is below the default page size "
                f"of list fields ({DEFAULT_LIMIT}): a query that gives no limit will be refused.",
                hint="Clients must then always pass limit; or raise MAX_LIMIT.",
                id="gqlauth.W102",
            )
        )

    messages += unknown_keys(graphql_settings, check_id="gqlauth.W101")
    return messages
