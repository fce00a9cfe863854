"""GraphQL over HTTP: the media type of an answer, and which results are request errors.

The GraphQL-over-HTTP specification (https://graphql.github.io/graphql-over-http/draft/,
"Response") defines two JSON media types for a GraphQL response:

- ``application/graphql-response+json``: the spec's own type. A response without a ``data``
  entry (a *request error*: the document did not parse or validate, or the variables did not
  coerce) MUST have a 4xx or 5xx status, and the spec names 400.
- ``application/json``: the legacy type, for clients older than the spec. Every GraphQL response
  is a 200, request errors included, because a client cannot tell a 4xx ``application/json`` body
  of the server from one of a proxy on the way.

:func:`negotiate` picks the type from the ``Accept`` header; :func:`is_request_error` tells a
request error from a result of execution. Both are pure: the view
(:mod:`gqlauth.graphql.views`) applies them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from graphql import GraphQLError

__all__ = [
    "GRAPHQL_RESPONSE_JSON",
    "JSON",
    "SUPPORTED",
    "is_request_error",
    "negotiate",
]

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
SUPPORTED = (GRAPHQL_RESPONSE_JSON, JSON)

# RFC 9110 §12.4.2: "0" to "1" with at most three decimals.
_QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")


def _parse(accept: str) -> list[tuple[str, str, float]]:
    """The ``(type, subtype, q)`` of each usable media range of an ``Accept`` value (RFC 9110
    §12.5.1), lower-cased. A range that is malformed, has a malformed ``q``, or asks for a
    charset other than UTF-8 (the only encoding we write) is left out. Parameter values that are
    quoted strings holding a comma are not supported: no client sends them for these types.
    """
    ranges = []
    for element in accept.split(","):
        media_range, *parameters = (part.strip() for part in element.split(";"))
        type_, slash, subtype = media_range.lower().partition("/")
        if not (type_ and slash and subtype) or (type_ == "*" and subtype != "*"):
            continue  # empty list elements are allowed; "json" or "*/json" is no media range
        q: float | None = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            name, value = name.strip().lower(), value.strip().strip('"').lower()
            if name == "q":
                q = float(value) if _QVALUE.fullmatch(value) else None
            elif name == "charset" and value != "utf-8":
                q = None
        if q is not None:
            ranges.append((type_, subtype, q))
    return ranges


@lru_cache(maxsize=64)  # called several times per request; clients send few distinct values
def negotiate(accept: str | None) -> str | None:
    """The media type to answer a request whose ``Accept`` header is ``accept``, or ``None``
    when it accepts neither of :data:`SUPPORTED` (the view answers 406 Not Acceptable, the
    spec's recommended choice in "Body").

    - No header, or an empty one: ``application/json``. The spec's legacy watershed says that
      from 2025 a server SHOULD assume ``application/graphql-response+json`` instead, but the
      spec authors' own server audit (graphql-http 1.23, audit 80D8) still checks for
      ``application/json``, and it keeps clients that send no ``Accept`` (scripts, older
      libraries) on the 200-for-every-GraphQL-response behaviour they were written for.
    - Otherwise each type gets the ``q`` of the most specific range that matches it
      (``type/subtype`` over ``type/*`` over ``*/*``; RFC 9110 §12.5.1), ``q=0`` meaning "not
      acceptable", and the type with the highest ``q`` wins.
    - On a tie, a type the client named beats one it reached only by a wildcard; if it named
      both, ``application/graphql-response+json`` (the spec's preferred type) wins; if it named
      neither (``*/*``, ``application/*``), ``application/json`` wins, as the audit (47DE) and
      every client that predates the spec expect.
    """
    if accept is None or not accept.strip():
        return JSON
    ranges = _parse(accept)
    best: tuple[float, bool, bool] = (0.0, False, False)
    chosen = None
    for media_type in SUPPORTED:
        matches = [
            (specificity, q)
            for range_type, range_subtype, q in ranges
            if (specificity := _specificity(range_type, range_subtype, media_type)) >= 0
        ]
        if not matches:
            continue
        specificity, q = max(matches)
        named = specificity == 2
        preferred = media_type == (GRAPHQL_RESPONSE_JSON if named else JSON)
        rank = (q, named, preferred)
        if q > 0 and rank > best:
            best, chosen = rank, media_type
    return chosen


def _specificity(range_type: str, range_subtype: str, media_type: str) -> int:
    """2 when the range names ``media_type``, 1 for ``type/*``, 0 for ``*/*``, -1: no match."""
    type_, _, subtype = media_type.partition("/")
    if range_type == "*":
        return 0
    if range_type != type_:
        return -1
    if range_subtype == "*":
        return 1
    return 2 if range_subtype == subtype else -1


def is_request_error(data: object, errors: list[GraphQLError] | None) -> bool:
    """True when a result is a GraphQL *request error*: raised before execution began.

    The GraphQL specification ("Response", "Errors") splits errors in two. A request error
    (the document does not parse or validate, the operation cannot be chosen, the variables do
    not coerce) stops the request before execution, and the response then has no ``data``
    entry. A field error happens during execution and always carries the ``path`` of its field;
    even when it nulls the whole result (``"data": null``) execution did run, so it is a partial
    response, not a request error. graphql-core and strawberry return ``data=None`` in both
    cases, so the errors' paths tell them apart.
    """
    return data is None and bool(errors) and all(error.path is None for error in errors or ())
