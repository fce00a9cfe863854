"""A browser app on another origin: the code flow with PKCE, the token exchange and the API by
``fetch``, in Chromium, over plain HTTP on loopback.

The live server is ``http://localhost:<port>``; the app's page (``spa/index.html``) is served by
small HTTP servers of this module on ``http://127.0.0.1:<other ports>``, so every call the page
makes is cross-origin and the browser enforces CORS on it. The application lists the first of
those origins; the same page on the second origin, which the application does not list, cannot
read the answers.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:
    if os.environ.get("CI") == "true":
        raise
    NO_PLAYWRIGHT = "browser tests need the playwright package (pip install -e '.[test]')"
    pytest.skip(reason=NO_PLAYWRIGHT, allow_module_level=True)

from gqlauth.models import AccessToken, Application, ClientType, GrantType
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

PAGE = (Path(__file__).parent / "spa" / "index.html").read_bytes()
HIDDEN = "TypeError: Failed to fetch"  # what fetch raises when CORS hides an answer
ME = "{ me { user { username } clientId scopes } }"


class _AppPage(BaseHTTPRequestHandler):
    """The app's one page, for every path (``/`` and the ``/callback`` redirect URI)."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # no request lines in the test output


@pytest.fixture(scope="module")
def app_origins() -> Iterator[tuple[str, str]]:
    """Two origins serving the app's page: the one it registers, and another."""
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), _AppPage) for _ in range(2)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    allowed, other = (f"http://127.0.0.1:{server.server_address[1]}" for server in servers)
    yield allowed, other
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def issuer(live_server: Any, settings: Any) -> str:
    """The live server is the issuer: the app checks ``iss`` in the redirect against it."""
    url: str = live_server.url
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ISSUER": url}
    return url


@pytest.fixture
def browser_app(app_origins, make_application, make_user) -> Application:
    """A public client with the code grant, redirect URIs on both origins, the first allowed."""
    allowed, other = app_origins
    return make_application(
        ClientType.PUBLIC,
        (GrantType.AUTHORIZATION_CODE,),
        user=make_user(username="developer"),
        name="Browser app",
        redirect_uris=f"{allowed}/callback {other}/callback",
        allowed_origins=allowed,
    ).app


def run_code_flow(page: Page, origin: str, server: str, app: Application) -> dict[str, Any]:
    """Open the app on ``origin``, sign in and approve on the server; the app's callback result."""
    query = urlencode({"server": server, "client_id": app.client_id, "scope": "read groups"})
    page.goto(f"{origin}/?{query}")
    page.get_by_role("button", name="Sign in with gqlauth").click()

    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.url.startswith(f"{server}/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Authorize Browser app?")).to_be_visible()
    page.get_by_role("button", name="Approve").click()

    expect(page.locator("body[data-done=true]")).to_be_attached()
    assert page.url.startswith(f"{origin}/callback?code=")
    result: dict[str, Any] = json.loads(page.locator("#result").inner_text())
    return result


def test_an_app_on_its_allowed_origin_exchanges_the_code_and_calls_the_api(
    page: Page, issuer, app_origins, browser_app, make_user
):
    make_user(username="alice")
    allowed, _ = app_origins

    result = run_code_flow(page, allowed, issuer, browser_app)

    token = result["token"]
    assert token["status"] == 200, result
    assert set(token["body"]) == {
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "scope",
    }
    assert token["body"]["scope"] == "read groups"
    assert result["graphql"] == {
        "status": 200,
        "body": {
            "data": {
                "me": {
                    "user": {"username": "alice"},
                    "clientId": browser_app.client_id,
                    "scopes": ["read", "groups"],
                }
            }
        },
        "wwwAuthenticate": None,
    }

    # Refresh and revoke from the page too; a revoked token's 401 and its challenge are readable.
    refreshed = page.evaluate("t => spa.refresh(t)", token["body"]["refresh_token"])
    assert refreshed["status"] == 200, refreshed
    access = refreshed["body"]["access_token"]
    assert page.evaluate("t => spa.revoke(t)", access) == {
        "status": 200,
        "body": None,
        "wwwAuthenticate": None,
    }
    refused = page.evaluate("t => spa.graphql(t, '{ me { scopes } }')", access)
    assert refused["status"] == 401
    assert refused["body"]["errors"][0]["extensions"]["code"] == "INVALID_TOKEN"
    assert refused["wwwAuthenticate"].startswith('Bearer error="invalid_token"')


def test_the_same_app_on_an_origin_it_does_not_allow_cannot_read_the_answers(
    page: Page, issuer, app_origins, browser_app, make_application, make_user, make_tokens
):
    alice = make_user(username="alice")
    _, other = app_origins
    # Another application lists this origin, so preflights from it succeed: only the rule
    # "the client behind the answer decides" keeps the answers from this page.
    neighbour = make_application(ClientType.PUBLIC, allowed_origins=other).app

    result = run_code_flow(page, other, issuer, browser_app)

    # The exchange reached the server (CORS hides answers, it does not stop simple requests),
    # but the page cannot read the tokens.
    assert result == {"token": {"error": HIDDEN}}
    assert AccessToken.objects.filter(application=browser_app).count() == 1

    # Nor what the API answers to the app's token...
    app_token = make_tokens(application=browser_app, user=alice).access_token
    assert page.evaluate("t => spa.graphql(t, '{ me { scopes } }')", app_token) == {"error": HIDDEN}
    # ...while the neighbour's own token is readable here.
    own_token = make_tokens(scopes=("read",), application=neighbour, user=alice).access_token
    mine = page.evaluate("t => spa.graphql(t, '{ me { scopes } }')", own_token)
    assert mine["body"] == {"data": {"me": {"scopes": ["read"]}}}

    # Once no application lists the origin, nothing from it is readable (the browser may still
    # hold the earlier preflight's answer; the actual answer is decided again).
    Application.objects.filter(pk=neighbour.pk).update(allowed_origins="")
    assert page.evaluate("t => spa.graphql(t, '{ me { scopes } }')", own_token) == {"error": HIDDEN}
