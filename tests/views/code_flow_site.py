"""A site whose ``oauth2_provider`` namespace has an authorization endpoint.

The metadata document advertises the authorization code flow only when ``oauth2_provider:authorize``
resolves. This site adds a stand-in for it when ``gqlauth.urls`` has none yet, so the document of
a server with the code flow is testable whether or not the real endpoint exists.
"""

from __future__ import annotations

from http import HTTPStatus

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from gqlauth.urls import urlpatterns as oauth_urls
from gqlauth.urls import well_known_urlpatterns


def _authorize_stand_in(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=HTTPStatus.NOT_IMPLEMENTED)


_has_authorize = any(getattr(p, "name", None) == "authorize" for p in oauth_urls)
_oauth = [
    *oauth_urls,
    *([] if _has_authorize else [path("authorize/", _authorize_stand_in, name="authorize")]),
]

urlpatterns = [
    path("o/", include((_oauth, "oauth2_provider"))),
    path(".well-known/", include(well_known_urlpatterns)),
]
