"""URLs of the OAuth2 provider.

``urlpatterns``: include under ``o/`` with namespace ``oauth2_provider``.
``well_known_urlpatterns``: include under ``.well-known/`` at the site's root, without a
namespace, for the RFC 8414 metadata document; the host root is where clients look for it
(RFC 8414 §3), so a site served under a path prefix needs its web server to route
``/.well-known/oauth-authorization-server`` to it.
"""

from __future__ import annotations

from django.urls import path

from gqlauth.metadata import WELL_KNOWN_SUFFIX
from gqlauth.views import applications, authorize, authorized, endpoints
from gqlauth.views.metadata import AuthorizationServerMetadataView, JwksView

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", authorize.authorize, name="authorize"),
    path("token/", endpoints.TokenView.as_view(), name="token"),
    path("revoke_token/", endpoints.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", endpoints.IntrospectTokenView.as_view(), name="introspect"),
    # The public keys of JWT access tokens (RFC 7517 §5), named by the metadata's jwks_uri.
    path("jwks/", JwksView.as_view(), name="jwks"),
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

_metadata = AuthorizationServerMetadataView.as_view()

well_known_urlpatterns = [
    # RFC 8414 §3: an issuer with a path puts that path after the suffix; the view answers
    # only under the configured issuer's own path.
    path(WELL_KNOWN_SUFFIX, _metadata, name="oauth-authorization-server"),
    path(f"{WELL_KNOWN_SUFFIX}/<path:issuer_path>", _metadata),
]
