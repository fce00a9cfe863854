"""The GraphiQL page rendered for a browser GET of /graphql/: own assets only, strict CSP."""

from __future__ import annotations

import re
from http import HTTPStatus

from django.contrib.staticfiles import finders

from gqlauth.csp import HEADER as CSP
from gqlauth.csp import POLICY


def get_ide(client):
    return client.get("/graphql/", HTTP_ACCEPT="text/html")


def test_browser_get_renders_graphiql_with_the_csp(client):
    response = get_ide(client)

    assert response.status_code == HTTPStatus.OK
    assert response[CSP] == POLICY
    html = response.content.decode()
    assert 'id="graphiql" data-endpoint="/graphql/"' in html
    assert 'id="bearer-token"' in html
    assert "Bearer token</label>" in html


def test_every_asset_is_served_by_this_project(client):
    html = get_ide(client).content.decode()

    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assets = [u for u in urls if u.endswith((".js", ".css", ".svg"))]

    assert [s.rsplit("/", 1)[1] for s in scripts] == [
        "react.production.min.js",
        "react-dom.production.min.js",
        "graphiql.min.js",
        "plugin-explorer.umd.js",
        "graphiql-sign-in.js",
    ]
    assert not [u for u in urls if "//" in u]  # no absolute URL, so no other host
    for asset in assets:
        assert asset.startswith("/static/")
        # Installed by `npm ci` (make run / make test) and found by Django's static finders.
        assert finders.find(asset.removeprefix("/static/")), (
            f"{asset} is missing: run `make static` (npm ci copies the GraphiQL bundles)"
        )
    assert "<script>" not in html  # no inline script: the CSP forbids it


def test_graphiql_can_be_turned_off(client, settings):
    settings.GQLAUTH_GRAPHQL = {"GRAPHIQL": False}

    assert get_ide(client).status_code == HTTPStatus.NOT_FOUND


def test_the_default_query_is_a_setting(client, settings):
    settings.GQLAUTH_GRAPHQL = {"GRAPHIQL_DEFAULT_QUERY": "{ me { id } }"}

    html = get_ide(client).content.decode()

    assert 'data-default-query="{ me { id } }"' in html


def test_the_app_default_query_names_no_project_field():
    from gqlauth.graphql.conf import DEFAULTS

    assert "{\n  __typename\n}" in DEFAULTS["GRAPHIQL_DEFAULT_QUERY"]
    assert "users" not in DEFAULTS["GRAPHIQL_DEFAULT_QUERY"]


# --- Sign in (GQLAUTH_GRAPHQL["GRAPHIQL_CLIENT_ID"]) ---------------------------------------------


def sign_in_block(html: str) -> str:
    match = re.search(r'<div class="sign-in" id="sign-in"(.*?)</div>', html, re.DOTALL)
    assert match, "no Sign in block"
    return match.group(0)


def data_attributes(block: str) -> dict[str, str]:
    opening = block[: block.index(">")]
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', opening))


def scope_boxes(block: str) -> list[tuple[str, bool, str]]:
    """(value, checked, the label's title) of each scope checkbox, in page order."""
    return [
        (value, bool(checked), title)
        for title, value, checked in re.findall(
            r'<label title="([^"]*)"><input type="checkbox" name="scope" value="([^"]*)"'
            r"( checked)?>",
            block,
        )
    ]


def test_no_sign_in_button_without_a_client_id(client, settings):
    settings.GQLAUTH_GRAPHQL = {"GRAPHIQL_CLIENT_ID": None}

    html = get_ide(client).content.decode()

    assert 'id="sign-in"' not in html
    assert "Sign in</button>" not in html
    assert 'id="sign-in-message"' not in html
    assert 'placeholder="Paste an access token from /o/token/"' in html


def test_sign_in_renders_the_flow_data_as_attributes(client, settings):
    settings.GQLAUTH_GRAPHQL = {"GRAPHIQL_CLIENT_ID": "graphiql"}

    response = get_ide(client)

    assert response[CSP] == POLICY
    html = response.content.decode()
    block = sign_in_block(html)
    assert data_attributes(block) == {
        "client-id": "graphiql",
        "authorize-url": "/o/authorize/",
        "token-url": "/o/token/",
        "revoke-url": "/o/revoke_token/",
        "issuer": "http://testserver",
    }
    # The tutorial's scopes, all ticked: DEFAULT_SCOPES is __all__.
    assert scope_boxes(block) == [
        ("read", True, "Read scope"),
        ("write", True, "Write scope"),
        ("groups", True, "Access to your groups"),
    ]
    assert '<button type="button" class="button button-small" id="sign-in-button">' in block
    assert 'id="sign-out-button" hidden>Sign out</button>' in block
    assert '<p class="ide-message" id="sign-in-message" hidden></p>' in html
    assert 'placeholder="Sign in, or paste an access token from /o/token/"' in html
    assert "<script>" not in html


def test_the_ticked_scopes_are_the_default_scopes(client, settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "DEFAULT_SCOPES": ["read"]}
    settings.GQLAUTH_GRAPHQL = {"GRAPHIQL_CLIENT_ID": "graphiql"}

    block = sign_in_block(get_ide(client).content.decode())

    assert [(value, checked) for value, checked, _ in scope_boxes(block)] == [
        ("read", True),
        ("write", False),
        ("groups", False),
    ]


def test_the_issuer_is_the_configured_one(client, settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ISSUER": "https://auth.example"}
    settings.GQLAUTH_GRAPHQL = {"GRAPHIQL_CLIENT_ID": "graphiql"}

    block = sign_in_block(get_ide(client).content.decode())

    assert data_attributes(block)["issuer"] == "https://auth.example"


def test_with_debug_on_the_issuer_is_the_requests_origin(client, settings):
    settings.DEBUG = True
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ISSUER": None}
    settings.GQLAUTH_GRAPHQL = {"GRAPHIQL_CLIENT_ID": "graphiql"}

    response = client.get("/graphql/", HTTP_ACCEPT="text/html", HTTP_HOST="localhost")

    assert data_attributes(sign_in_block(response.content.decode()))["issuer"] == (
        "http://localhost"
    )


def test_attribute_values_are_escaped(client, settings):
    settings.GQLAUTH_GRAPHQL = {"GRAPHIQL_CLIENT_ID": '"><script>x</script>'}
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "SCOPES": {"read": 'Read "everything" <b>'},
    }

    block = sign_in_block(get_ide(client).content.decode())

    assert data_attributes(block)["client-id"] == "&quot;&gt;&lt;script&gt;x&lt;/script&gt;"
    assert scope_boxes(block) == [("read", True, "Read &quot;everything&quot; &lt;b&gt;")]


def test_the_callback_query_renders_the_ide(client, settings):
    """The redirect URI is the page itself: its answer's query must still get GraphiQL."""
    settings.GQLAUTH_GRAPHQL = {"GRAPHIQL_CLIENT_ID": "graphiql"}

    for query in ("code=abc&state=xyz&iss=http%3A%2F%2Ftestserver", "error=access_denied&state=x"):
        response = client.get(f"/graphql/?{query}", HTTP_ACCEPT="text/html")
        assert response.status_code == HTTPStatus.OK
        assert 'id="sign-in"' in response.content.decode()
