"""The tutorial site's home page: what this server is and where to go next."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from gqlauth.conf import oauth2_settings
from gqlauth.csp import csp_protect
from gqlauth.graphql.conf import graphql_settings


@csp_protect
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """``/``: links to GraphiQL, application management and the admin, and the scopes."""
    context = {
        "scopes": oauth2_settings().scopes,
        "graphql_url": reverse("graphql"),
        "graphiql": graphql_settings().graphiql,
        "token_url": request.build_absolute_uri(reverse("oauth2_provider:token")),
    }
    return render(request, "project/home.html", context)
