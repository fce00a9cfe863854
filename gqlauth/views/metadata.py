"""Public documents: authorization server metadata (RFC 8414 §3) and the JWK Set (RFC 7517 §5).

The reusable app knows no project path: the site mounts ``gqlauth.urls.well_known_urlpatterns``
under ``.well-known/`` at its root, and the endpoints are found with ``reverse()`` by URL name.
"""

from __future__ import annotations

from http import HTTPStatus

from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import NoReverseMatch, reverse
from django.views import View

from gqlauth import signingkeys
from gqlauth.conf import oauth2_settings
from gqlauth.issuer import issuer_for
from gqlauth.metadata import EndpointPaths, path_of_issuer, server_metadata
from gqlauth.oauth import server

# The document holds nothing secret and is the same for every client, so shared caches may
# keep it; five minutes keeps a deployment's settings change (a new scope, plain PKCE turned
# off) from being served stale for long. Clients usually cache metadata themselves as well.
_CACHE_CONTROL = "public, max-age=300"


def _path(name: str) -> str | None:
    """``reverse(name)``, or None when the site does not mount that endpoint."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _jwks_path() -> str | None:
    """The JWK Set's path when it has something to say: JWT access tokens are the default, or
    keys are published (for applications that chose JWTs). The second question reads this
    process's copy of the keys, refreshed at most every minute."""
    path = _path("oauth2_provider:jwks")
    if path is None:
        return None
    if oauth2_settings().access_token_format == "jwt" or signingkeys.any_published():
        return path
    return None


def _mounted_endpoints() -> EndpointPaths:
    return EndpointPaths(
        token=_path("oauth2_provider:token"),
        revocation=_path("oauth2_provider:revoke-token"),
        introspection=_path("oauth2_provider:introspect"),
        authorization=_path("oauth2_provider:authorize"),
        jwks=_jwks_path(),
    )


class AuthorizationServerMetadataView(View):
    """The RFC 8414 §2 metadata document as ``application/json``; GET and HEAD only.

    Mounted at ``/.well-known/oauth-authorization-server`` plus the issuer's path, if it has
    one (§3); under any other path it answers 404, because the document's ``issuer`` must be
    the one its URL was built from (§3.3). Without an issuer (``DEBUG`` off and
    ``OAUTH2_PROVIDER["ISSUER"]`` unset, which check ``gqlauth.E011`` also reports) it answers
    503 with a JSON error naming the setting, never a document with a guessed issuer.
    """

    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest, issuer_path: str = "") -> HttpResponse:
        """The document; ``issuer_path`` is what the URL holds after the well-known suffix."""
        try:
            issuer = issuer_for(request)
        except ImproperlyConfigured:
            response = JsonResponse(
                {
                    "error": "server_error",
                    "error_description": "The issuer is not configured: "
                    'set OAUTH2_PROVIDER["ISSUER"].',
                },
                status=HTTPStatus.SERVICE_UNAVAILABLE,
            )
            response["Cache-Control"] = "no-store"
            return response
        if (f"/{issuer_path}" if issuer_path else "") != path_of_issuer(issuer):
            raise Http404("No authorization server has this issuer.")
        document = server_metadata(
            issuer, _mounted_endpoints(), server.SUPPORTED_GRANTS, oauth2_settings()
        )
        response = JsonResponse(document)
        response["Cache-Control"] = _CACHE_CONTROL
        return response


class JwksView(View):
    """``GET /o/jwks/``: the JWK Set (RFC 7517 §5) of the published signing keys; GET and HEAD.

    Public keys only: each JWK is ``kty``, its public numbers, ``kid``, ``alg`` and ``use``.
    A key is published from its creation, before it signs, until the tokens it signed have
    expired (:mod:`gqlauth.signingkeys`); clients may cache the set for
    :data:`~gqlauth.signingkeys.JWKS_MAX_AGE` seconds, which the activation delay exceeds by
    default. ``{"keys": []}`` when there is none.
    """

    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest) -> HttpResponse:
        response = JsonResponse(signingkeys.jwk_set())
        response["Cache-Control"] = f"public, max-age={signingkeys.JWKS_MAX_AGE}"
        return response
