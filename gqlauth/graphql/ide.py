"""The GraphiQL IDE page, rendered by the GraphQL view for a browser GET.

Unlike Strawberry's built-in page, which loads its scripts from a public CDN, every asset comes
from this server: the pinned npm packages (``package-lock.json``) are copied into
``gqlauth/static/gqlauth/vendor/`` by ``npm ci`` and collected as static files. The page has no
inline script, so it is sent with the strict :data:`gqlauth.csp.POLICY` ('self' only).
Whether the IDE is served at all (``GQLAUTH_GRAPHQL["GRAPHIQL"]``) is decided by the view.

With ``GQLAUTH_GRAPHQL["GRAPHIQL_CLIENT_ID"]`` set, the page also has a **Sign in** button:
``graphiql-sign-in.js`` runs the authorization code flow with PKCE (RFC 6749 §4.1, RFC 7636) as
that public client, with the page itself as the redirect URI, and checks ``iss`` (RFC 9207)
against the issuer rendered here. Everything the script needs comes through ``data-*`` attributes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from gqlauth.conf import oauth2_settings
from gqlauth.csp import apply_policy
from gqlauth.graphql.conf import graphql_settings
from gqlauth.issuer import issuer_for

TEMPLATE = "gqlauth/graphiql.html"


@dataclass(frozen=True, slots=True)
class ScopeChoice:
    """One scope checkbox: ticked when a request naming no scope would get it."""

    name: str
    description: str
    checked: bool


@dataclass(frozen=True, slots=True)
class SignIn:
    """What the Sign in button needs; rendered into the page as ``data-*`` attributes."""

    client_id: str
    authorize_url: str
    token_url: str
    revoke_url: str
    issuer: str
    scopes: list[ScopeChoice]


def sign_in_for(request: HttpRequest) -> SignIn | None:
    """The Sign in button's data, or None when no ``GRAPHIQL_CLIENT_ID`` is configured."""
    client_id = graphql_settings().graphiql_client_id
    if client_id is None:
        return None
    oauth = oauth2_settings()
    ticked = set(oauth.resolved_default_scopes())
    return SignIn(
        client_id=client_id,
        authorize_url=reverse("oauth2_provider:authorize"),
        token_url=reverse("oauth2_provider:token"),
        revoke_url=reverse("oauth2_provider:revoke-token"),
        issuer=issuer_for(request),
        scopes=[
            ScopeChoice(name, description, name in ticked)
            for name, description in oauth.scopes.items()
        ],
    )


def render_ide(request: HttpRequest) -> HttpResponse:
    """The GraphiQL page for the endpoint at ``request.path``, with its CSP header."""
    response = render(
        request,
        TEMPLATE,
        {
            "endpoint": request.path,
            "default_query": graphql_settings().graphiql_default_query,
            "sign_in": sign_in_for(request),
        },
    )
    apply_policy(response)
    return response
