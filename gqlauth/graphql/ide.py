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

TEMPLATE = "gqlauth/graphiql.html"

DEFAULT_QUERY = """\
# Welcome to the gqlauth GraphQL API.
#
# 1. Get an access token, e.g. with the curl command on your application's page
#    (/o/applications/), and paste it into the "Bearer token" field above.
# 2. Build a query with the explorer on the left, or type one here.
# 3. Run it with the play button or Ctrl+Enter.
#
# Each field needs an OAuth2 scope: users needs "read", groups needs "groups".

{
  users {
    username
  }
}
"""


def render_ide(request: HttpRequest) -> HttpResponse:
    """The GraphiQL page for the endpoint at ``request.path``, with its CSP header."""
    response = render(request, TEMPLATE, {"endpoint": request.path, "default_query": DEFAULT_QUERY})
    apply_policy(response)
    return response
