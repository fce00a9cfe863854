"""System checks for the ``GQLAUTH_GRAPHQL`` setting (ids ``gqlauth.E1xx`` / ``gqlauth.W1xx``).

Registered by :meth:`gqlauth.apps.GqlauthConfig.ready`; imports no strawberry, so loading it keeps
the core free of the GraphQL dependency.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from gqlauth.checks import is_positive_int, unknown_keys
from gqlauth.graphql.conf import DEFAULT_LIMIT, DEFAULTS, SETTING_NAME, raw_settings

_HINT = f"See the {SETTING_NAME} section of the README."
_OPTIONAL_LIMITS = ("MAX_DEPTH", "MAX_ALIASES", "MAX_TOKENS")
_REQUIRED_LIMITS = ("MAX_LIMIT", "MAX_BODY_BYTES")
_SWITCHES = ("INTROSPECTION", "GRAPHIQL")


@register(Tags.security)
def check_graphql_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Validate GQLAUTH_GRAPHQL; one message per problem."""
    user = getattr(settings, SETTING_NAME, {})
    if not isinstance(user, dict):
        return [Error(f"{SETTING_NAME} must be a dict.", hint=_HINT, id="gqlauth.E101")]
    raw = raw_settings()
    messages: list[CheckMessage] = []

    for key in _OPTIONAL_LIMITS:
        if raw[key] is not None and not is_positive_int(raw[key]):
            messages.append(
                Error(
                    f"{SETTING_NAME}[{key!r}] must be a positive integer, or None to turn "
                    "the limit off.",
                    hint=_HINT,
                    id="gqlauth.E102",
                )
            )
    for key in _REQUIRED_LIMITS:
        if not is_positive_int(raw[key]):
            messages.append(
                Error(
                    f"{SETTING_NAME}[{key!r}] must be a positive integer.",
                    hint=_HINT,
                    id="gqlauth.E103",
                )
            )
    for key in _SWITCHES:
        if not isinstance(raw[key], bool):
            messages.append(
                Error(f"{SETTING_NAME}[{key!r}] must be True or False.", id="gqlauth.E104")
            )

    if is_positive_int(raw["MAX_LIMIT"]) and raw["MAX_LIMIT"] < DEFAULT_LIMIT:
        messages.append(
            Warning(
                f"{SETTING_NAME}['MAX_LIMIT'] ({raw['MAX_LIMIT']}) is below the default page size "
                f"of list fields ({DEFAULT_LIMIT}): a query that gives no limit will be refused.",
                hint="Clients must then always pass limit; or raise MAX_LIMIT.",
                id="gqlauth.W102",
            )
        )

    messages.extend(unknown_keys(SETTING_NAME, user, DEFAULTS, check_id="gqlauth.W101"))
    return messages
