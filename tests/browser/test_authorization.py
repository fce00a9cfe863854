"""The consent page in a real browser: its answers reach the client's redirect URI.

1. Approving lands on the redirect URI with ``code``, ``state`` and ``iss`` (RFC 9207), and the
   code gets a token with its PKCE verifier.
2. Denying lands there with ``error=access_denied``.

The redirect URI is ``/callback`` on the live server (``tests/browser/urls.py``), so nothing
leaves the test server.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:
    if os.environ.get("CI") == "true":
        raise
    NO_PLAYWRIGHT = "browser tests need the playwright package (pip install -e '.[test]')"
    pytest.skip(reason=NO_PLAYWRIGHT, allow_module_level=True)

from gqlauth.models import AccessToken, GrantType
from tests.browser.pages import http_post, submit_sign_in

pytestmark = pytest.mark.browser


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# --- 1 and 2: the consent page's answers, at a redirect URI on the live server ------------------


@pytest.fixture
def callback(settings, live_server) -> str:
    """A redirect URI on the live server (tests/browser/urls.py answers it)."""
    settings.ROOT_URLCONF = "tests.browser.urls"
    return f"{live_server.url}/callback"


@pytest.fixture
def web_client(make_user, make_application, callback):
    make_user(username="alice")
    return make_application(
        client_type="public",
        grant_types=(GrantType.AUTHORIZATION_CODE,),
        redirect_uris=callback,
        name="Browser client",
    )


def to_consent_page(page: Page, web_client, redirect_uri: str, challenge: str) -> None:
    """Send the browser to /o/authorize/, sign in as alice there, and arrive at the consent page."""
    params = {
        "response_type": "code",
        "client_id": web_client.client_id,
        "redirect_uri": redirect_uri,
        "scope": "read groups",
        "state": "state-from-the-client",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page.goto("/o/authorize/?" + urlencode(params))
    submit_sign_in(page, "alice")
    expect(page.get_by_role("heading", name="Authorize Browser client?")).to_be_visible()
    expect(page.locator("ul.scopes")).to_contain_text("Read scope")
    expect(page.locator("ul.scopes")).to_contain_text("Access to your groups")


def test_approving_lands_on_the_redirect_uri_with_code_state_and_iss(
    page: Page, live_server, web_client, callback, issuer, request_log
):
    redirect_uri = callback
    verifier, challenge = pkce_pair()
    to_consent_page(page, web_client, redirect_uri, challenge)

    page.get_by_role("button", name="Approve").click()

    expect(page.get_by_role("heading", name="Callback")).to_be_visible()
    assert page.url.startswith(redirect_uri + "?")
    params = query_of(page.url)
    assert set(params) == {"code", "state", "iss"}
    assert params["state"] == "state-from-the-client"
    assert params["iss"] == issuer
    # The code is good for one token, with this verifier, as a public client sends it.
    status, body = http_post(
        f"{live_server.url}/o/token/",
        {
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": redirect_uri,
            "client_id": web_client.client_id,
            "code_verifier": verifier,
        },
    )
    assert status == 200, body
    assert body["scope"] == "read groups"
    assert request_log.foreign() == []


def test_denying_lands_on_the_redirect_uri_with_access_denied(
    page: Page, web_client, callback, issuer, request_log
):
    redirect_uri = callback
    to_consent_page(page, web_client, redirect_uri, pkce_pair()[1])

    page.get_by_role("button", name="Deny").click()

    expect(page.get_by_role("heading", name="Callback")).to_be_visible()
    assert page.url.startswith(redirect_uri + "?")
    assert query_of(page.url) == {
        "error": "access_denied",
        "error_description": "The user denied the request.",
        "state": "state-from-the-client",
        "iss": issuer,
    }
    assert not AccessToken.objects.exists()
    assert request_log.foreign() == []
