"""The rules of :mod:`gqlauth.cors`: what an allowed origin is, and which applications count."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gqlauth import cors
from gqlauth.models import ClientType
from tests.graphql.client import GraphQLClient
from tests.oauth.conftest import FORM


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("https://app.example.com", "https://app.example.com"),
        ("https://app.example.com:8443", "https://app.example.com:8443"),
        # Browsers lowercase scheme and host and leave out a default port in Origin.
        ("HTTPS://App.Example.COM", "https://app.example.com"),
        ("https://app.example.com:443", "https://app.example.com"),
        ("http://localhost:80", "http://localhost"),
        ("https://xn--bcher-kva.example", "https://xn--bcher-kva.example"),
        ("https://203.0.113.7", "https://203.0.113.7"),
        ("https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443"),
        # http only for loopback hosts, where a developer's app runs.
        ("http://localhost:3000", "http://localhost:3000"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.1.2.3:8080", "http://127.1.2.3:8080"),
        ("http://[::1]:5173", "http://[::1]:5173"),
        ("http://[::1]", "http://[::1]"),
    ],
)
def test_valid_origins_are_stored_as_browsers_send_them(value, stored):
    assert cors.normalise_origin(value) == stored


@pytest.mark.parametrize(
    "value",
    [
        "https://app.example.com/",
        "https://app.example.com/app",
        "https://app.example.com?x=1",
        "https://app.example.com?",
        "https://app.example.com#top",
        "https://user@app.example.com",
        "https://user:pw@app.example.com",
        "app.example.com",
        "//app.example.com",
        "https://",
        "https:app.example.com",
        "ftp://app.example.com",
        "file:///etc/passwd",
        "null",
        "*",
        "https://*.example.com",
        "https://app.example.com:0",
        "https://app.example.com:99999",
        "https://app.example.com:port",
        "https://bücher.example",
        "https://-app.example.com",
        "https://app..example.com",
        "https://[::1",
    ],
)
def test_anything_but_scheme_host_and_port_is_refused(value):
    with pytest.raises(ValidationError) as raised:
        cors.normalise_origin(value)
    assert raised.value.code == "invalid_origin"
    assert raised.value.messages == [
        f"Not a valid origin: {value}. Use scheme://host[:port] with nothing after it, "
        "e.g. https://app.example.com or http://localhost:3000."
    ]


@pytest.mark.parametrize(
    "value", ["http://app.example.com", "http://192.168.1.10:3000", "http://localhost.example"]
)
def test_http_is_refused_except_on_loopback_hosts(value):
    with pytest.raises(ValidationError) as raised:
        cors.normalise_origin(value)
    assert raised.value.code == "insecure_origin"
    assert raised.value.messages == [
        f"Not a valid origin: {value}. Use https; http is allowed only for loopback hosts "
        "(localhost, 127.0.0.1, [::1])."
    ]


def test_parse_origins_normalises_and_drops_duplicates_in_order():
    text = "https://b.example\n  HTTPS://A.example https://b.example:443\thttp://localhost:3000"
    assert cors.parse_origins(text) == [
        "https://b.example",
        "https://a.example",
        "http://localhost:3000",
    ]
    assert cors.parse_origins("  ") == []


def test_parse_origins_reports_every_invalid_origin():
    with pytest.raises(ValidationError) as raised:
        cors.parse_origins("https://ok.example http://bad.example https://also.bad/")
    assert [error.code for error in raised.value.error_list] == [
        "insecure_origin",
        "invalid_origin",
    ]


# --- Which applications count: the rule for preflights and answers without a client ------------


A = "http://localhost:3000"
B = "http://localhost:4000"


def allowed(origin: str) -> tuple[bool, int]:
    """The decision and the number of queries it cost."""
    with CaptureQueriesContext(connection) as queries:
        decision = cors.allowed_by_any_application(origin)
    return decision, len(queries)


def test_an_origin_of_a_usable_application_is_allowed_with_one_query(make_application):
    make_application(allowed_origins=f"https://other.example {A}")

    assert allowed(A) == (True, 1)


def test_origins_of_applications_that_are_not_usable_do_not_count(make_application, make_user):
    make_application(allowed_origins=A, active=False)
    make_application(allowed_origins=A, user=make_user(is_active=False))

    assert allowed(A) == (False, 1)


def test_an_application_without_an_owner_counts(make_application):
    client = make_application(allowed_origins=A)
    client.app.user = None
    client.app.save()

    assert allowed(A) == (True, 1)


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost:30",  # a prefix of a listed origin
        "http://localhost:30001",  # a listed origin is a prefix of it
        "http://LOCALHOST:3000",  # browsers never send that; stored origins are lowercase
        "https://localhost:3000",
    ],
)
def test_only_the_exact_origin_matches(make_application, origin):
    make_application(allowed_origins=f"{A} http://localhost:3000/x")

    assert allowed(origin)[0] is False


@pytest.mark.parametrize("origin", ["null", "", "http://localhost:3000/", "x" * 300])
def test_a_malformed_origin_header_costs_no_query(make_application, origin):
    make_application(allowed_origins=A)

    assert allowed(origin) == (False, 0)


# --- The view layer through Django's test client: costs and edge cases ------------------------

PREFLIGHT = {"Origin": A, "Access-Control-Request-Method": "POST"}


def allow_origin(response) -> str | None:
    return response.headers.get("Access-Control-Allow-Origin")


@pytest.mark.parametrize("path", ["/o/token/", "/o/revoke_token/", "/graphql/"])
def test_a_preflight_costs_one_query_and_reaches_no_view(client, make_application, path):
    make_application(allowed_origins=A)

    with CaptureQueriesContext(connection) as queries:
        response = client.options(path, headers=PREFLIGHT)

    assert response.status_code == 204
    assert allow_origin(response) == A
    assert "Content-Type" not in response.headers
    assert len(queries) == 1


@pytest.mark.parametrize("path", ["/o/token/", "/graphql/"])
def test_options_that_is_no_preflight_goes_to_the_view_as_before(client, make_application, path):
    make_application(allowed_origins=A)

    without_origin = client.options(path, headers={"Access-Control-Request-Method": "POST"})
    without_method = client.options(path, headers={"Origin": A})

    assert without_origin.status_code == without_method.status_code == 405
    assert allow_origin(without_origin) is None
    # An answer without a client: readable from any listed origin, like a refused token.
    assert allow_origin(without_method) == A


def test_graphql_with_a_token_decides_from_the_loaded_token_without_a_query(
    make_application, make_tokens
):
    app = make_application(allowed_origins=A).app
    token = make_tokens(application=app).access_token
    counts = {}
    for origin in (None, A, "http://testserver", "http://localhost:9"):
        headers = {"Origin": origin} if origin else {}
        http = GraphQLClient(Client(headers=headers))
        with CaptureQueriesContext(connection) as queries:
            response = http.post("{ me { scopes } }", token=token)
        assert response.status == 200
        counts[origin] = (len(queries), allow_origin(response.http))

    bare = counts[None][0]
    assert counts == {
        None: (bare, None),
        A: (bare, A),
        "http://testserver": (bare, None),  # the server's own origin: nothing to decide
        "http://localhost:9": (bare, None),
    }


def test_a_replayed_refresh_token_is_answered_to_the_clients_origins_only(
    make_application, make_tokens
):
    client = make_application(ClientType.PUBLIC, allowed_origins=A)
    make_application(allowed_origins=B)
    issued = make_tokens(application=client.app)
    body = f"grant_type=refresh_token&refresh_token={issued.refresh_token}"
    body += f"&client_id={client.client_id}"

    first = Client(headers={"Origin": A}).post("/o/token/", body, content_type=FORM)
    replay_here = Client(headers={"Origin": A}).post("/o/token/", body, content_type=FORM)
    replay_elsewhere = Client(headers={"Origin": B}).post("/o/token/", body, content_type=FORM)

    assert first.status_code == 200
    assert replay_here.json()["error"] == replay_elsewhere.json()["error"] == "invalid_grant"
    # The replay is raised out of oauthlib; the client it authenticated is still the one behind
    # the answer, so another listed origin does not get to read it.
    assert allow_origin(first) == allow_origin(replay_here) == A
    assert allow_origin(replay_elsewhere) is None
