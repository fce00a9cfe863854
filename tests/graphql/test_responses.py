"""Media type negotiation and request errors (GraphQL over HTTP), as pure functions."""

from __future__ import annotations

import pytest
from graphql import GraphQLError

from gqlauth.graphql.responses import GRAPHQL_RESPONSE_JSON, JSON, is_request_error, negotiate

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        # No preference: the legacy type (graphql-http audits 80D8 and 47DE).
        (None, JSON),
        ("", JSON),
        ("  ", JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        (BROWSER, JSON),
        # One type named.
        (JSON, JSON),
        (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
        ("application/json, multipart/mixed", JSON),  # GraphiQL's fetcher
        (f"{GRAPHQL_RESPONSE_JSON}, */*;q=0.1", GRAPHQL_RESPONSE_JSON),
        # Both named: the higher q wins, whatever the order; equal q: the spec's own type.
        (f"{GRAPHQL_RESPONSE_JSON}, {JSON};q=0.9", GRAPHQL_RESPONSE_JSON),
        (f"{JSON};q=0.9, {GRAPHQL_RESPONSE_JSON}", GRAPHQL_RESPONSE_JSON),
        (f"{JSON}, {GRAPHQL_RESPONSE_JSON};q=0.9", JSON),
        (f"{GRAPHQL_RESPONSE_JSON};q=0.5, {JSON}", JSON),
        (f"{JSON}, {GRAPHQL_RESPONSE_JSON}", GRAPHQL_RESPONSE_JSON),
        # The spec's recommended client header, with charsets.
        (f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8, {JSON}; charset=utf-8", GRAPHQL_RESPONSE_JSON),
        # Case and spacing do not matter.
        ("Application/GraphQL-Response+JSON ;Q=1 ; Charset=UTF-8", GRAPHQL_RESPONSE_JSON),
        # A named type beats a wildcard of the same q; a wildcard's q applies to the other type.
        (f"{GRAPHQL_RESPONSE_JSON};q=0.5, */*", JSON),
        (f"*/*, {JSON};q=0", GRAPHQL_RESPONSE_JSON),
        ("application/*;q=0.2, */*;q=0.1", JSON),
        # Malformed elements are skipped, the rest still counts.
        (f", json, */json, {GRAPHQL_RESPONSE_JSON}", GRAPHQL_RESPONSE_JSON),
        (f"{JSON};q=2, {GRAPHQL_RESPONSE_JSON};q=0.001", GRAPHQL_RESPONSE_JSON),
        # Nothing we can write: q=0, another charset, other types, junk.
        ("text/html", None),
        ("application/xml, text/plain;q=0.5", None),
        (f"{JSON};q=0", None),
        (f"{GRAPHQL_RESPONSE_JSON};q=0, {JSON};q=0.000", None),
        (f"{GRAPHQL_RESPONSE_JSON}; charset=iso-8859-1", None),
        (f"{JSON};q=abc", None),
        ("*/json", None),
        ("json", None),
    ],
)
def test_negotiate(accept, expected):
    assert negotiate(accept) == expected


def test_a_request_error_has_no_path_and_no_data():
    parse_error = GraphQLError("Syntax Error: Expected Name, found <EOF>.")

    assert is_request_error(None, [parse_error])


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        # A field error that nulled the whole result: execution ran, a partial response.
        (None, [GraphQLError("denied", path=["me"])]),
        ({"me": None}, [GraphQLError("denied", path=["me"])]),
        ({"__typename": "Query"}, None),
        (None, None),
        (None, []),
    ],
)
def test_results_of_execution_are_not_request_errors(data, errors):
    assert not is_request_error(data, errors)
