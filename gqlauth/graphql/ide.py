"""The GraphiQL IDE page, rendered by the GraphQL view for a browser GET.

Unlike Strawberry's built-in page, which loads its scripts from a public CDN, every asset comes
from this server: the pinned npm packages (``package-lock.json``) are copied into
``gqlauth/static/gqlauth/vendor/`` by ``npm ci`` and collected as static files. The page has no
inline script, so it is sent with the strict :data:`gqlauth.csp.POLICY` ('self' only).
Whether the IDE is served at all (``GQLAUTH_GRAPHQL["GRAPHIQL"]``) is decided by the view.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gqlauth.csp import apply_policy
from gqlauth.graphql.conf import graphql_settings

TEMPLATE = "gqlauth/graphiql.html"


def render_ide(request: HttpRequest) -> HttpResponse:
    """The GraphiQL page for the endpoint at ``request.path``, with its CSP header."""
    response = render(
        request,
        TEMPLATE,
        {
            "endpoint": request.path,
            "default_query": graphql_settings().graphiql_default_query,
        },
    )
    apply_policy(response)
    return response
