"""The authorization server metadata document (RFC 8414).

:func:`server_metadata` is pure: it turns the issuer, the endpoints the site mounts, the grants
the token endpoint serves and the settings into the JSON object of RFC 8414 §2. The view
(:mod:`gqlauth.views.metadata`) supplies the request-dependent inputs: the issuer from
:func:`gqlauth.issuer.issuer_for` and the endpoint paths from ``reverse()``.

The document lists only what is enabled, so a client never tries something the server refuses.
``jwks_uri`` appears when the view passes the JWK Set's path: when JWT access tokens are issued
or signing keys are published.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from gqlauth import clients
from gqlauth.conf import OAuth2Settings

WELL_KNOWN_SUFFIX = "oauth-authorization-server"
"""The well-known URI suffix registered by RFC 8414 §7.3."""

AUTHORIZATION_CODE = "authorization_code"


@dataclass(frozen=True, slots=True)
class EndpointPaths:
    """Absolute paths (``reverse()`` results) of the mounted endpoints; None for a missing one."""

    token: str | None
    revocation: str | None
    introspection: str | None
    authorization: str | None = None
    jwks: str | None = None


def on_origin(issuer: str, path: str) -> str:
    """``path``, an absolute path from ``reverse()``, as a URL on the issuer's origin.

    Only the issuer's scheme and authority are kept: ``reverse()`` already includes the site's
    script prefix, and an issuer path (RFC 8414 §2 allows one) names the server rather than
    saying where its endpoints live.
    """
    parts = urlsplit(issuer)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def path_of_issuer(issuer: str) -> str:
    """The issuer's path without its terminating ``/``; empty for an issuer that is an origin.

    RFC 8414 §3: the metadata of ``https://host/tenant`` is at
    ``https://host/.well-known/oauth-authorization-server/tenant``, and the ``issuer`` it holds
    must be the one from which that URL was built (§3.3), so the view serves the document only
    under the issuer's own path.
    """
    return unquote(urlsplit(issuer).path).rstrip("/")


def server_metadata(
    issuer: str,
    paths: EndpointPaths,
    grant_types: Sequence[str],
    settings: OAuth2Settings,
) -> dict[str, Any]:
    """The RFC 8414 §2 metadata object.

    ``grant_types`` are the grant types the token endpoint serves. The authorization code flow
    (``authorization_endpoint``, ``response_types_supported: ["code"]``, response modes, PKCE
    methods and the RFC 9207 ``iss`` flag) is advertised only when the token endpoint serves
    ``authorization_code`` *and* the authorization endpoint is mounted; otherwise
    ``response_types_supported``, which §2 requires, is an empty list.
    """
    document: dict[str, Any] = {"issuer": issuer}
    grants = list(grant_types) if paths.token is not None else []
    authorization = paths.authorization if AUTHORIZATION_CODE in grants else None
    code_flow = authorization is not None
    if authorization is not None:
        document["authorization_endpoint"] = on_origin(issuer, authorization)
    if paths.token is not None:
        document["token_endpoint"] = on_origin(issuer, paths.token)
    if paths.revocation is not None:
        document["revocation_endpoint"] = on_origin(issuer, paths.revocation)
    if paths.introspection is not None:
        document["introspection_endpoint"] = on_origin(issuer, paths.introspection)
    if paths.jwks is not None:
        # RFC 8414 §2: the keys that verify what this server signs (JWT access tokens).
        document["jwks_uri"] = on_origin(issuer, paths.jwks)
    if grants:
        document["grant_types_supported"] = grants
    document["response_types_supported"] = ["code"] if code_flow else []
    if code_flow:
        # The authorization endpoint answers by redirecting with query parameters only
        # (RFC 6749 §4.1.2); no fragment or form_post mode.
        document["response_modes_supported"] = ["query"]
    document["scopes_supported"] = list(settings.scopes)
    # Every endpoint authenticates clients through gqlauth.clients, hence the same methods.
    # "none" is a public client sending only its client_id: at the token endpoint for the
    # grants a public client may use; at revocation and introspection for its own tokens only
    # (gqlauth.oauth.validator: a client touches no other client's tokens, and only a
    # confidential client with can_introspect may introspect others').
    if paths.token is not None:
        document["token_endpoint_auth_methods_supported"] = list(clients.AUTH_METHODS)
    if paths.revocation is not None:
        document["revocation_endpoint_auth_methods_supported"] = list(clients.AUTH_METHODS)
    if paths.introspection is not None:
        document["introspection_endpoint_auth_methods_supported"] = list(clients.AUTH_METHODS)
    if code_flow:
        # RFC 7636 §4.2; "plain" only when a project opts in (it protects against less).
        pkce = ["S256", "plain"] if settings.allow_plain_pkce else ["S256"]
        document["code_challenge_methods_supported"] = pkce
        # RFC 9207 §3: authorization responses carry "iss".
        document["authorization_response_iss_parameter_supported"] = True
    return document
