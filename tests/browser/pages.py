"""Page helpers shared by the browser tests: sign in, GraphiQL, plain-HTTP calls to the server.

Import after the test module's playwright guard (this module imports playwright).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

from playwright.sync_api import Locator, Page, expect

from tests.conftest import PASSWORD


def submit_sign_in(page: Page, username: str) -> None:
    """Fill the sign-in page the browser shows and submit it."""
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()


def sign_in(page: Page, username: str, next_path: str) -> None:
    """Open ``next_path``, which asks to sign in, and sign in there as ``username``."""
    page.goto(next_path)
    submit_sign_in(page, username)
    expect(page.get_by_text(f"Signed in as {username}")).to_be_visible()


def open_graphiql(page: Page) -> None:
    page.goto("/graphql/")
    wait_for_graphiql(page)


def wait_for_graphiql(page: Page) -> None:
    """Wait until GraphiQL is ready for typing: editors mounted and the schema introspected."""
    # The explorer plugin opens once the schema has been introspected.
    expect(page.locator(".graphiql-container")).to_be_visible()
    expect(page.get_by_role("button", name="Hide GraphiQL Explorer")).to_be_visible()
    expect(page.locator(".graphiql-explorer-root, .docExplorerWrap").first).to_be_visible()


def run_query(page: Page, query: str, token: str | None = None) -> None:
    """Replace the query and run it with the play button; ``token`` is pasted first if given."""
    if token is not None:
        page.get_by_label("Bearer token").fill(token)
    editor = page.locator(".graphiql-query-editor .CodeMirror")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    # insert_text types no keys, so CodeMirror's auto-closing brackets add nothing.
    page.keyboard.insert_text(query)
    page.get_by_role("button", name="Execute query (Ctrl-Enter)").click()


def result_pane(page: Page) -> Locator:
    return page.locator(".graphiql-response")


def http_post(
    url: str, data: dict[str, str] | bytes, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """POST over plain HTTP, as curl would; (status, parsed JSON body or None)."""
    body = data if isinstance(data, bytes) else urlencode(data).encode()
    request = urllib.request.Request(
        url,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, json.loads(raw) if raw else None


def basic(client_id: str, client_secret: str) -> dict[str, str]:
    credentials = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    return {"Authorization": f"Basic {credentials}"}


def graphql(live_server: Any, token: str, query: str) -> tuple[int, Any]:
    """POST a GraphQL document with ``Authorization: Bearer <token>``."""
    return http_post(
        f"{live_server.url}/graphql/",
        json.dumps({"query": query}).encode(),
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
