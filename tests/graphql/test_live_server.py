"""The sync view under a real WSGI server (pytest-django's live_server), over plain HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from http import HTTPStatus

import pytest


def post(url: str, query: str, token: str | None = None) -> tuple[int, dict[str, str], dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        url, data=json.dumps({"query": query}).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


@pytest.fixture
def graphql_url(live_server, transactional_db):
    return f"{live_server.url}/graphql/"


def test_users_with_groups_over_wsgi(graphql_url, make_tokens, make_user):
    alice = make_user("alice", groups=("staff",))
    issued = make_tokens(scopes=("read", "groups"), user=alice)

    status, headers, body = post(
        graphql_url, "{ users { username groups { name } } me { scopes } }", issued.access_token
    )

    assert status == HTTPStatus.OK
    assert headers["Content-Type"] == "application/json"
    usernames = [u["username"] for u in body["data"]["users"]]
    assert "alice" in usernames
    assert {"username": "alice", "groups": [{"name": "staff"}]} in body["data"]["users"]
    assert body["data"]["me"] == {"scopes": ["read", "groups"]}
    assert "errors" not in body


def test_scope_denial_over_wsgi(graphql_url, make_tokens):
    issued = make_tokens(scopes=("read",))

    status, _, body = post(graphql_url, "{ groups { name } }", issued.access_token)

    assert status == HTTPStatus.OK
    assert body == {
        "data": None,
        "errors": [
            {
                "message": "You do not have permission to perform this action.",
                "locations": [{"line": 1, "column": 3}],
                "path": ["groups"],
                "extensions": {"code": "FORBIDDEN", "requiredScopes": [["groups"]]},
            }
        ],
    }


def test_invalid_token_over_wsgi(graphql_url):
    status, headers, body = post(graphql_url, "{ __typename }", "garbage")

    assert status == HTTPStatus.UNAUTHORIZED
    assert headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    assert body["errors"][0]["extensions"] == {"code": "INVALID_TOKEN"}
