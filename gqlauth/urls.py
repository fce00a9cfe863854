"""URLs of the OAuth2 provider; include under ``o/`` with namespace ``oauth2_provider``."""

from __future__ import annotations

from django.urls import path

from gqlauth.views import applications, authorize, authorized, endpoints

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", authorize.authorize, name="authorize"),
    path("token/", endpoints.TokenView.as_view(), name="token"),
    path("revoke_token/", endpoints.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", endpoints.IntrospectTokenView.as_view(), name="introspect"),
    # Management pages for a signed-in developer's own applications (django-oauth-toolkit's names).
    path("applications/", applications.application_list, name="list"),
    path("applications/register/", applications.application_register, name="register"),
    path("applications/<int:pk>/", applications.application_detail, name="detail"),
    path("applications/<int:pk>/update/", applications.application_edit, name="update"),
    path("applications/<int:pk>/delete/", applications.application_delete, name="delete"),
    path(
        "applications/<int:pk>/rotate-secret/",
        applications.application_rotate,
        name="rotate-secret",
    ),
    # The signed-in user's side: applications with access to their account.
    path("authorized_tokens/", authorized.authorized_token_list, name="authorized-tokens"),
    path(
        "authorized_tokens/<int:pk>/revoke/",
        authorized.authorized_token_revoke,
        name="authorized-token-revoke",
    ),
]
