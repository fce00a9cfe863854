"""GraphiQL's Sign in in a real browser: the authorization code flow with PKCE, in the page.

The IDE's public client (``GQLAUTH_GRAPHQL["GRAPHIQL_CLIENT_ID"]``) has the IDE's own URL as its
redirect URI. Sign in goes through the sign-in page and the consent page and comes back with a
token in the Bearer field, which runs queries; Sign out revokes it. A denial is shown in the
page, and an answer with a foreign ``state`` or ``iss`` is never exchanged.
"""

from __future__ import annotations

import os
from urllib.parse import urlencode, urlsplit

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:
    if os.environ.get("CI") == "true":
        raise
    NO_PLAYWRIGHT = "browser tests need the playwright package (pip install -e '.[test]')"
    pytest.skip(reason=NO_PLAYWRIGHT, allow_module_level=True)

from django.contrib.auth.models import User

from gqlauth.models import AccessToken, GrantType
from tests.browser.pages import (
    graphql,
    open_graphiql,
    result_pane,
    run_query,
    submit_sign_in,
    wait_for_graphiql,
)

pytestmark = pytest.mark.browser

# The key graphiql-sign-in.js keeps a pending sign-in's state and verifier under (sessionStorage).
PENDING_KEY = "gqlauth.graphiql.sign-in"


def storage_and_cookies(page: Page) -> str:
    """Everything the page could have persisted: both storages and its cookies, as one text."""
    stored = page.evaluate(
        "JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])"
    )
    return stored + repr(page.context.cookies())


# --- 3: GraphiQL signs in with the flow, queries, signs out ----------------------------------


@pytest.fixture
def graphiql_client(settings, live_server, make_user, make_application):
    """The IDE's public client, registered as README's GraphiQL section says, and configured."""
    make_user(username="alice", groups=("developers",))
    client = make_application(
        client_type="public",
        grant_types=(GrantType.AUTHORIZATION_CODE,),
        redirect_uris=f"{live_server.url}/graphql/",
        name="GraphiQL",
        client_id="graphiql",
    )
    settings.GQLAUTH_GRAPHQL = {"GRAPHIQL_CLIENT_ID": "graphiql"}
    return client


def requests_to(request_log, path: str) -> list[str]:
    return [url for url in request_log.urls if urlsplit(url).path == path]


def test_graphiql_signs_in_with_the_flow_queries_and_signs_out(
    page: Page, live_server, graphiql_client, issuer, request_log
):
    open_graphiql(page)
    token_field = page.get_by_label("Bearer token")
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    page.get_by_label("write").uncheck()
    expect(page.get_by_label("read")).to_be_checked()
    expect(page.get_by_label("groups")).to_be_checked()

    page.get_by_role("button", name="Sign in").click()
    submit_sign_in(page, "alice")
    expect(page.get_by_role("heading", name="Authorize GraphiQL?")).to_be_visible()
    expect(page.locator("ul.scopes")).to_contain_text("Read scope")
    expect(page.locator("ul.scopes")).to_contain_text("Access to your groups")
    expect(page.locator("ul.scopes")).not_to_contain_text("Write scope")
    page.get_by_role("button", name="Approve").click()

    # Back on GraphiQL, signed in, with the code, state and iss gone from the address bar.
    expect(page.locator("#sign-in-message")).to_contain_text("Signed in.")
    expect(page.locator("#sign-in-message")).to_contain_text("read, groups")
    expect(page).to_have_url(f"{live_server.url}/graphql/")
    token = token_field.input_value()
    assert len(token) >= 43
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in")).to_be_hidden()
    expect(page.get_by_label("write")).not_to_be_checked()
    # In memory only: not in either storage (the pending sign-in is gone too), not in a cookie.
    assert token not in storage_and_cookies(page)
    assert PENDING_KEY not in storage_and_cookies(page)
    assert AccessToken.objects.get().scope == "read groups"
    assert len(requests_to(request_log, "/o/token/")) == 1
    # The page was loaded anew by the redirect: let GraphiQL finish booting before typing.
    wait_for_graphiql(page)

    run_query(page, "{ me { clientId scopes user { username } } groups { name } }")

    expect(result_pane(page)).to_contain_text('"clientId": "graphiql"')
    expect(result_pane(page)).to_contain_text('"username": "alice"')
    expect(result_pane(page)).to_contain_text('"name": "developers"')
    status, _ = graphql(live_server, token, "{ me { scopes } }")
    assert status == 200

    page.get_by_role("button", name="Sign out").click()

    expect(page.locator("#sign-in-message")).to_have_text("Signed out: the token was revoked.")
    expect(token_field).to_have_value("")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert len(requests_to(request_log, "/o/revoke_token/")) == 1
    status, body = graphql(live_server, token, "{ me { scopes } }")
    assert status == 401
    assert body["errors"][0]["extensions"]["code"] == "INVALID_TOKEN"
    assert request_log.foreign() == []


def test_a_reload_forgets_the_token(page: Page, graphiql_client, issuer, request_log):
    open_graphiql(page)
    page.get_by_role("button", name="Sign in").click()
    submit_sign_in(page, "alice")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#sign-in-message")).to_contain_text("Signed in.")
    token = page.get_by_label("Bearer token").input_value()
    assert token

    page.reload()

    expect(page.locator(".graphiql-container")).to_be_visible()
    expect(page.get_by_label("Bearer token")).to_have_value("")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert token not in storage_and_cookies(page)
    assert request_log.foreign() == []


def test_a_pasted_token_still_works_with_sign_in_configured(
    page: Page, graphiql_client, make_tokens, request_log
):
    issued = make_tokens(user=User.objects.get(username="alice"), scopes=("read",))
    open_graphiql(page)

    run_query(page, "{ me { user { username } } }", issued.access_token)

    expect(result_pane(page)).to_contain_text('"username": "alice"')
    assert request_log.foreign() == []


def test_graphiql_shows_a_denial(page: Page, live_server, graphiql_client, issuer, request_log):
    open_graphiql(page)
    page.get_by_role("button", name="Sign in").click()
    submit_sign_in(page, "alice")
    page.get_by_role("button", name="Deny").click()

    expect(page.locator("#sign-in-message")).to_have_text(
        "Sign-in failed: access_denied (The user denied the request.)."
    )
    expect(page).to_have_url(f"{live_server.url}/graphql/")
    expect(page.get_by_label("Bearer token")).to_have_value("")
    assert requests_to(request_log, "/o/token/") == []
    assert request_log.foreign() == []


def test_an_answer_this_page_did_not_ask_for_is_ignored(
    page: Page, live_server, graphiql_client, issuer, request_log
):
    # No sign-in pending: a code someone else's link brings is never exchanged.
    page.goto("/graphql/?" + urlencode({"code": "planted", "state": "guess", "iss": issuer}))

    expect(page.locator("#sign-in-message")).to_contain_text(
        "Ignored a sign-in response that this page did not ask for"
    )
    expect(page).to_have_url(f"{live_server.url}/graphql/")
    assert requests_to(request_log, "/o/token/") == []
    assert request_log.foreign() == []


def test_an_answer_from_another_issuer_is_ignored(
    page: Page, live_server, graphiql_client, issuer, request_log
):
    # A sign-in is pending (its state matches), but the answer names another issuer (RFC 9207).
    page.goto("/graphql/")
    page.evaluate(
        "([key, value]) => sessionStorage.setItem(key, value)",
        [PENDING_KEY, '{"state": "s1", "verifier": "v1"}'],
    )
    page.goto(
        "/graphql/?" + urlencode({"code": "c1", "state": "s1", "iss": "https://mix-up.example"})
    )

    expect(page.locator("#sign-in-message")).to_have_text(
        f"Ignored a sign-in response from another issuer: expected {issuer}, "
        "got https://mix-up.example."
    )
    expect(page).to_have_url(f"{live_server.url}/graphql/")
    assert PENDING_KEY not in storage_and_cookies(page)
    assert requests_to(request_log, "/o/token/") == []
    assert request_log.foreign() == []
