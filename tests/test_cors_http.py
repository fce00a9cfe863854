"""CORS on every endpoint, over plain HTTP on loopback (pytest-django's live server).

Three origins: ``A`` is listed by application A, ``B`` by application B, ``UNKNOWN`` by none
(and ``SUSPENDED`` only by an inactive application). Preflights are answered for A and B alike;
an actual answer only for the origins of the client behind it, and an answer without a client
(a refused token, a failed client authentication) for any listed origin.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import pytest
import requests

from gqlauth.models import ClientType, GrantType
from tests.conftest import PASSWORD

A = "http://127.0.0.1:3001"
B = "http://localhost:3002"
UNKNOWN = "http://127.0.0.1:3003"
SUSPENDED = "http://[::1]:3004"
TIMEOUT = 10

PROTOCOL = {
    "access-control-allow-methods": "POST",
    "access-control-allow-headers": "Authorization, Content-Type",
    "access-control-max-age": "600",
}
GRAPHQL = {
    "access-control-allow-methods": "GET, POST",
    "access-control-allow-headers": "Authorization, Content-Type, Accept",
    "access-control-max-age": "600",
}
PREFLIGHTS = {"/o/token/": PROTOCOL, "/o/revoke_token/": PROTOCOL, "/graphql/": GRAPHQL}


def cors_headers(response: requests.Response) -> dict[str, str]:
    """The response's Access-Control-* headers, lowercased names."""
    return {
        name.lower(): value
        for name, value in response.headers.items()
        if name.lower().startswith("access-control-")
    }


def varies_by_origin(response: requests.Response) -> bool:
    return "origin" in [v.strip().lower() for v in response.headers.get("Vary", "").split(",")]


@dataclass
class Site:
    url: str
    user: Any
    a: Any
    b: Any

    def token_of(self, client: Any) -> str:
        """A fresh access token of ``client`` for the user, by the password grant."""
        response = self.post("/o/token/", self.password_grant(client))
        assert response.status_code == HTTPStatus.OK, response.text
        return str(response.json()["access_token"])

    def password_grant(self, client: Any) -> dict[str, str]:
        return {
            "grant_type": "password",
            "username": self.user.username,
            "password": PASSWORD,
            "client_id": client.client_id,
        }

    def post(self, path: str, data: Any, origin: str | None = None, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        if origin is not None:
            headers["Origin"] = origin
        return requests.post(self.url + path, data=data, headers=headers, timeout=TIMEOUT, **kwargs)

    def graphql(self, query: str, token: str | None, origin: str | None) -> Any:
        headers = {"Accept": "application/graphql-response+json, application/json;q=0.9"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if origin is not None:
            headers["Origin"] = origin
        return requests.post(
            self.url + "/graphql/", json={"query": query}, headers=headers, timeout=TIMEOUT
        )

    def preflight(self, path: str, origin: str, method: str = "POST") -> Any:
        return requests.options(
            self.url + path,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "authorization,content-type",
            },
            timeout=TIMEOUT,
        )


@pytest.fixture
def site(live_server, transactional_db, make_application, make_user) -> Site:
    """Public clients A and B, each with its own origin, and an inactive one listing SUSPENDED."""
    grants = (GrantType.PASSWORD,)
    a = make_application(ClientType.PUBLIC, grants, allowed_origins=A)
    b = make_application(ClientType.PUBLIC, grants, allowed_origins=f"https://b.example {B}")
    make_application(ClientType.PUBLIC, grants, allowed_origins=SUSPENDED, active=False)
    return Site(live_server.url, make_user(), a, b)


# --- Preflights: the union of the usable applications' origins ---------------------------------


@pytest.mark.parametrize("path", list(PREFLIGHTS))
@pytest.mark.parametrize("origin", [A, B])
def test_a_preflight_from_any_listed_origin_is_allowed(site, path, origin):
    response = site.preflight(path, origin)

    assert response.status_code == HTTPStatus.NO_CONTENT
    assert cors_headers(response) == {"access-control-allow-origin": origin, **PREFLIGHTS[path]}
    assert varies_by_origin(response)
    assert response.content == b""


@pytest.mark.parametrize("path", list(PREFLIGHTS))
@pytest.mark.parametrize("origin", [UNKNOWN, SUSPENDED])
def test_a_preflight_from_an_unlisted_or_suspended_origin_gets_no_cors_headers(site, path, origin):
    response = site.preflight(path, origin)

    assert response.status_code == HTTPStatus.NO_CONTENT
    assert cors_headers(response) == {}
    assert varies_by_origin(response)


def test_introspection_is_for_servers_and_answers_no_preflight(site):
    response = site.preflight("/o/introspect/", A)

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert cors_headers(response) == {}


# --- The token endpoint: the client that authenticated decides ---------------------------------


def test_the_token_answer_is_readable_from_the_clients_own_origin(site):
    response = site.post("/o/token/", site.password_grant(site.a), origin=A)

    assert response.status_code == HTTPStatus.OK
    assert "access_token" in response.json()
    assert cors_headers(response) == {"access-control-allow-origin": A}
    assert varies_by_origin(response)


@pytest.mark.parametrize("origin", [B, UNKNOWN])
def test_a_page_elsewhere_cannot_read_tokens_issued_to_a_client(site, origin):
    # The page on B's origin uses A's public client_id: A authenticates, so only A's origins
    # may read the answer; the browser hides it from B's page.
    response = site.post("/o/token/", site.password_grant(site.a), origin=origin)

    assert response.status_code == HTTPStatus.OK
    assert cors_headers(response) == {}
    assert varies_by_origin(response)


def test_an_error_after_the_client_authenticated_is_the_clients_too(site):
    data = {**site.password_grant(site.a), "password": "wrong"}

    own = site.post("/o/token/", data, origin=A)
    other = site.post("/o/token/", data, origin=B)

    assert own.json()["error"] == other.json()["error"] == "invalid_grant"
    assert cors_headers(own) == {"access-control-allow-origin": A}
    assert cors_headers(other) == {}


@pytest.mark.parametrize("origin", [A, B])
def test_a_failed_client_authentication_is_readable_from_any_listed_origin(site, origin):
    data = {**site.password_grant(site.a), "client_id": "no-such-client"}

    response = site.post("/o/token/", data, origin=origin)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["error"] == "invalid_client"
    assert cors_headers(response) == {
        "access-control-allow-origin": origin,
        "access-control-expose-headers": "WWW-Authenticate",
    }


def test_a_malformed_token_request_is_readable_from_any_listed_origin(site):
    response = site.post("/o/token/", {"client_id": site.a.client_id}, origin=B)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "invalid_request"
    assert cors_headers(response) == {"access-control-allow-origin": B}


@pytest.mark.parametrize("origin", [UNKNOWN, SUSPENDED])
def test_errors_without_a_client_are_not_readable_from_unlisted_origins(site, origin):
    data = {**site.password_grant(site.a), "client_id": "no-such-client"}

    response = site.post("/o/token/", data, origin=origin)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert cors_headers(response) == {}


def test_requests_without_origin_get_no_cors_headers(site):
    token = site.post("/o/token/", site.password_grant(site.a))
    failed = site.post("/o/token/", {**site.password_grant(site.a), "client_id": "nobody"})

    assert (token.status_code, failed.status_code) == (HTTPStatus.OK, HTTPStatus.UNAUTHORIZED)
    assert cors_headers(token) == cors_headers(failed) == {}
    # The answer depends on Origin, so caches must key on it (Fetch standard, "CORS protocol").
    assert varies_by_origin(token)


# --- Revocation: the presenting client decides -------------------------------------------------


@pytest.mark.parametrize(("origin", "readable"), [(A, True), (B, False), (UNKNOWN, False)])
def test_revocation_answers_only_the_presenting_clients_origins(site, origin, readable):
    token = site.token_of(site.a)

    response = site.post(
        "/o/revoke_token/", {"token": token, "client_id": site.a.client_id}, origin=origin
    )

    assert response.status_code == HTTPStatus.OK
    assert cors_headers(response) == ({"access-control-allow-origin": A} if readable else {})
    # Revoked whatever the origin: CORS only decides what the page may read.
    assert site.graphql("{ me { scopes } }", token, None).status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize(("origin", "readable"), [(A, True), (B, True), (UNKNOWN, False)])
def test_a_revocation_by_an_unknown_client_is_readable_from_listed_origins(site, origin, readable):
    response = site.post("/o/revoke_token/", {"token": "x", "client_id": "nobody"}, origin=origin)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    expected = {"access-control-allow-origin": origin} if readable else {}
    if readable:
        expected["access-control-expose-headers"] = "WWW-Authenticate"
    assert cors_headers(response) == expected


# --- GraphQL: the token's application decides --------------------------------------------------

ME = "{ me { clientId scopes } }"


@pytest.mark.parametrize(("origin", "readable"), [(A, True), (B, False), (UNKNOWN, False)])
def test_a_graphql_answer_is_readable_only_from_the_tokens_application(site, origin, readable):
    token = site.token_of(site.a)

    response = site.graphql(ME, token, origin)

    assert response.status_code == HTTPStatus.OK
    assert response.json()["data"]["me"]["clientId"] == site.a.client_id
    assert cors_headers(response) == ({"access-control-allow-origin": A} if readable else {})
    assert varies_by_origin(response)


def test_application_b_reads_its_own_answers_on_its_origin(site):
    token = site.token_of(site.b)

    assert cors_headers(site.graphql(ME, token, B)) == {"access-control-allow-origin": B}
    assert cors_headers(site.graphql(ME, token, A)) == {}


@pytest.mark.parametrize(("origin", "readable"), [(A, True), (B, True), (UNKNOWN, False)])
def test_a_refused_token_is_readable_from_any_listed_origin_with_its_challenge(
    site, origin, readable
):
    response = site.graphql(ME, "not-a-token", origin)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    expected = {
        "access-control-allow-origin": origin,
        "access-control-expose-headers": "WWW-Authenticate",
    }
    assert cors_headers(response) == (expected if readable else {})


def test_an_anonymous_graphql_answer_is_readable_from_any_listed_origin(site):
    response = site.graphql("{ __typename }", None, B)

    assert response.json() == {"data": {"__typename": "Query"}}
    assert cors_headers(response) == {"access-control-allow-origin": B}
    assert cors_headers(site.graphql("{ __typename }", None, UNKNOWN)) == {}


def test_the_servers_own_origin_needs_no_entry(site):
    # GraphiQL's requests: same origin, any token; the browser needs no CORS headers for them.
    token = site.token_of(site.a)

    response = site.graphql(ME, token, site.url)

    assert response.status_code == HTTPStatus.OK
    assert cors_headers(response) == {}


def test_graphql_without_origin_gets_no_cors_headers(site):
    response = site.graphql(ME, site.token_of(site.a), None)

    assert response.status_code == HTTPStatus.OK
    assert cors_headers(response) == {}


# --- Introspection: for servers, never CORS ----------------------------------------------------


@pytest.mark.parametrize("origin", [A, B])
def test_introspection_answers_carry_no_cors_headers(site, origin):
    token = site.token_of(site.a)

    response = site.post(
        "/o/introspect/", {"token": token, "client_id": site.a.client_id}, origin=origin
    )

    assert response.status_code == HTTPStatus.OK
    assert response.json()["active"] is True
    assert cors_headers(response) == {}


def test_no_answer_allows_credentials_or_every_origin(site):
    token = site.token_of(site.a)
    responses = [
        site.preflight("/o/token/", A),
        site.preflight("/graphql/", B, method="GET"),
        site.post("/o/token/", site.password_grant(site.a), origin=A),
        site.graphql(ME, token, A),
        site.graphql(ME, "bad", B),
    ]

    for response in responses:
        headers = cors_headers(response)
        assert headers["access-control-allow-origin"] not in ("*", "null")
        assert "access-control-allow-credentials" not in headers
