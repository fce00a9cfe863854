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
        "ide.js",
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
