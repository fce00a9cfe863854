"""The tutorial in a real browser: register an application, get tokens, query in GraphiQL.

Run with ``pytest -m browser``; ``GQLAUTH_SCREENSHOTS=docs/screenshots`` also writes the
README's screenshots (the registration page and GraphiQL showing a query's result).
"""

from __future__ import annotations

import os

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:
    if os.environ.get("CI") == "true":
        raise
    NO_PLAYWRIGHT = "browser tests need the playwright package (pip install -e '.[test]')"
    pytest.skip(reason=NO_PLAYWRIGHT, allow_module_level=True)

from gqlauth.models import Application, ClientType
from tests.browser.pages import basic, http_post, open_graphiql, result_pane, run_query, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

DENIED = "You do not have permission to perform this action."


def token_request(live_server, client_id, client_secret, **params):
    """POST /o/token/ over plain HTTP with HTTP Basic client authentication (tutorial Step 4)."""
    status, body = http_post(f"{live_server.url}/o/token/", params, basic(client_id, client_secret))
    assert status == 200, body
    return body


def password_token(live_server, client, username, **params):
    return token_request(
        live_server,
        client.client_id,
        client.secret,
        grant_type="password",
        username=username,
        password=PASSWORD,
        **params,
    )


# --- 1 and 2: register in the browser, secret shown once, token from those credentials ----------


def test_register_application_then_get_a_token_with_its_secret(
    page: Page, live_server, make_user, request_log, docs_screenshot
):
    make_user(username="developer")
    make_user(username="alice")
    sign_in(page, "developer", "/o/applications/")

    page.get_by_role("link", name="Register a new application").first.click()
    page.get_by_label("Name").fill("Tutorial client")
    page.get_by_label("Confidential").check()
    # The tutorial's grant is the password grant; the form proposes the authorization code grant.
    page.get_by_label("Authorization code with PKCE (authorization_code)").uncheck()
    page.get_by_label("Resource owner password (legacy; deprecated by RFC 9700 §2.4)").check()
    docs_screenshot(page, "register-application", full_page=True)
    page.get_by_role("button", name="Register").click()

    # 1. The secret is shown once, with a warning and a copy button.
    expect(page.get_by_text("This is the only time the client secret is shown.")).to_be_visible()
    client_id = page.locator("#client-id").inner_text().strip()
    client_secret = page.locator("#client-secret").inner_text().strip()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy client secret").click()
    copy = page.locator("button[data-copy='client-secret']")  # its name changes when clicked
    expect(copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == client_secret
    app = Application.objects.get(client_id=client_id)
    assert app.client_type == ClientType.CONFIDENTIAL
    assert app.grant_types == ["password"]
    assert app.check_client_secret(client_secret)

    # Reloading re-sends the form; the server recognises it and shows the page without the secret.
    page.reload()
    expect(page.locator("#client-id")).to_have_text(client_id)
    expect(page.get_by_text("already submitted")).to_be_visible()
    assert page.locator("#client-secret").count() == 0
    assert client_secret not in page.content()
    assert Application.objects.count() == 1

    # 2. Those credentials get tokens from /o/token/ (plain HTTP, as curl would).
    body = token_request(
        live_server,
        client_id,
        client_secret,
        grant_type="password",
        username="alice",
        password=PASSWORD,
    )
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 36000
    assert body["scope"] == "read write groups"
    assert body["access_token"]
    assert body["refresh_token"]

    assert request_log.foreign() == []


# --- 3 and 4: GraphiQL with a token: users listed; a read-only token denied on groups -----------


def test_graphiql_runs_a_query_with_a_bearer_token(
    page: Page, live_server, make_user, make_application, request_log, docs_screenshot
):
    # The README's user: the superuser `make run` creates, who may read every user.
    admin = make_user(username="admin", is_staff=True, is_superuser=True)
    make_user(username="alice")
    make_user(username="bob")
    client = make_application(user=admin)
    token = password_token(live_server, client, "admin")["access_token"]

    open_graphiql(page)
    run_query(page, "{\n  users {\n    username\n  }\n}", token)

    expect(result_pane(page)).to_contain_text('"username": "alice"')
    expect(result_pane(page)).to_contain_text('"username": "bob"')
    docs_screenshot(page, "graphiql-query")
    assert request_log.foreign() == []


def test_graphiql_shows_the_permission_error_for_a_read_token(
    page: Page, live_server, make_user, make_application, request_log
):
    make_user(username="alice", groups=("staff",))
    client = make_application()
    body = password_token(live_server, client, "alice", scope="read")
    assert body["scope"] == "read"

    open_graphiql(page)
    run_query(page, "{ groups { name } }", body["access_token"])

    expect(result_pane(page)).to_contain_text(DENIED)
    expect(result_pane(page)).not_to_contain_text('"name": "staff"')
    assert request_log.foreign() == []


def test_graphiql_without_a_token_is_told_to_authenticate(page: Page, request_log):
    open_graphiql(page)
    run_query(page, "{ users { username } }", "")

    expect(result_pane(page)).to_contain_text("Authentication credentials were not provided.")
    assert request_log.foreign() == []


# --- 5: nothing but the test server, on every page ---------------------------------------------


def test_pages_request_nothing_from_other_hosts(
    page: Page, make_user, make_application, request_log
):
    owner = make_user(username="developer")
    app = make_application(user=owner, name="Existing client").app
    page.goto("/")
    expect(page.get_by_role("heading", name="Scopes")).to_be_visible()
    sign_in(page, "developer", "/o/applications/")
    page.goto("/o/applications/register/")
    page.goto(f"/o/applications/{app.pk}/")
    expect(page.get_by_text(app.client_id).first).to_be_visible()
    open_graphiql(page)
    page.get_by_role("button", name="Show Documentation Explorer").click()

    assert len(request_log.urls) > 10
    assert any("/static/gqlauth/vendor/graphiql.min.js" in url for url in request_log.urls)
    assert request_log.foreign() == []
