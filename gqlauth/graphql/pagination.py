"""Offset/limit windows for list fields, capped by ``GQLAUTH_GRAPHQL["MAX_LIMIT"]``.

A list field that takes ``offset`` and ``limit`` calls :func:`window` and slices its queryset with
the result. A limit above the maximum is refused with ``BAD_USER_INPUT``, never silently lowered,
so a client cannot mistake a truncated page for the whole list.
"""

from __future__ import annotations

from gqlauth.graphql.conf import DEFAULT_LIMIT, graphql_settings
from gqlauth.graphql.errors import BadUserInputError

__all__ = ["DEFAULT_LIMIT", "window"]


def window(offset: int, limit: int) -> slice:
    """The slice for ``offset``/``limit``; raises :class:`BadUserInputError` naming the argument."""
    max_limit = graphql_settings().max_limit
    if offset < 0:
        raise BadUserInputError("offset", f"offset must be 0 or more; got {offset}.")
    if not 0 <= limit <= max_limit:
        raise BadUserInputError("limit", f"limit must be between 0 and {max_limit}; got {limit}.")
    return slice(offset, offset + limit)
