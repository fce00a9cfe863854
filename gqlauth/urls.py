"""URLs of the OAuth2 provider; include under ``o/`` with namespace ``oauth2_provider``."""

from __future__ import annotations

from django.urls import path

from gqlauth.views import endpoints

app_name = "oauth2_provider"

urlpatterns = [
    path("token/", endpoints.TokenView.as_view(), name="token"),
    path("revoke_token/", endpoints.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", endpoints.IntrospectTokenView.as_view(), name="introspect"),
]
