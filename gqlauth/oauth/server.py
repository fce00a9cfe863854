"""The oauthlib endpoints, built once per process.

Settings are still read per request: token lifetimes through a callable, rotation and reuse
protection inside the validator. ``logging`` for oauthlib is capped at INFO here because its
DEBUG messages print refresh tokens and request bodies.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from oauthlib.oauth2 import (
    AuthorizationCodeGrant,
    AuthorizationEndpoint,
    BearerToken,
    ClientCredentialsGrant,
    IntrospectEndpoint,
    RefreshTokenGrant,
    ResourceOwnerPasswordCredentialsGrant,
    RevocationEndpoint,
    TokenEndpoint,
)
from oauthlib.oauth2.rfc6749 import errors

from gqlauth import digests, pkce
from gqlauth.conf import oauth2_settings
from gqlauth.oauth.validator import Validator

SUPPORTED_GRANTS = ("authorization_code", "password", "refresh_token", "client_credentials")


def _new_token(request: Any) -> str:
    return digests.new_token()


def _expires_in(request: Any) -> int:
    return oauth2_settings().access_token_expire_seconds


@functools.cache
def validator() -> Validator:
    """The shared validator; every endpoint is built on it, so oauthlib's log level is set here."""
    logging.getLogger("oauthlib").setLevel(logging.INFO)
    return Validator()


def _check_authorization_request(request: Any) -> dict[str, str]:
    """Authorization request checks oauthlib leaves to us (run once the redirect URI is known,
    so a failure goes back to the client as RFC 6749 §4.1.2.1 parameters).

    Only ``response_mode=query`` is served. A ``code_challenge`` must be well formed (RFC 7636
    §4.2) and use an allowed method: S256, or plain with ALLOW_PLAIN_PKCE (an absent method means
    plain, §4.3).
    """
    if request.response_mode not in (None, "query"):
        request.response_mode = None  # so the error itself goes back in the query
        raise errors.InvalidRequestError(
            description="Only response_mode=query is supported.", request=request
        )
    challenge = request.code_challenge
    if challenge is None:
        return {}
    if not pkce.is_well_formed(challenge):
        raise errors.InvalidRequestError(
            description="code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ "
            "(RFC 7636 section 4.2).",
            request=request,
        )
    allowed = pkce.methods()
    if (request.code_challenge_method or pkce.PLAIN) not in allowed:
        raise errors.InvalidRequestError(
            description=f"code_challenge_method must be {' or '.join(allowed)}.", request=request
        )
    return {}


@functools.cache
def bearer_token() -> BearerToken:
    """How access and refresh tokens are minted: 256-bit values, lifetime read per request."""
    return BearerToken(
        validator(),
        token_generator=_new_token,
        expires_in=_expires_in,
        refresh_token_generator=_new_token,
    )


class _CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    """oauthlib's grant, with codes of 256 bits like every other secret we issue."""

    def create_authorization_code(self, request: Any) -> dict[str, str]:
        grant: dict[str, str] = super().create_authorization_code(request)
        grant["code"] = digests.new_token()
        return grant


@functools.cache
def code_grant() -> AuthorizationCodeGrant:
    """The authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636)."""
    return _CodeGrant(validator(), pre_auth=[_check_authorization_request])


@functools.cache
def authorization_endpoint() -> AuthorizationEndpoint:
    """GET/POST /o/authorize/: ``response_type=code`` only (RFC 6749 §4.1.1)."""
    return AuthorizationEndpoint(
        default_response_type="code",
        default_token_type=bearer_token(),
        response_types={"code": code_grant()},
    )


@functools.cache
def token_endpoint() -> TokenEndpoint:
    """POST /o/token/: authorization_code (RFC 6749 §4.1.3), password (§4.3),
    client_credentials (§4.4) and refresh_token (§6)."""
    v = validator()
    grants = {
        "authorization_code": code_grant(),
        "password": ResourceOwnerPasswordCredentialsGrant(v),
        "refresh_token": RefreshTokenGrant(v, issue_new_refresh_tokens=True),
        "client_credentials": ClientCredentialsGrant(v),
    }
    return TokenEndpoint(
        default_grant_type="password", default_token_type=bearer_token(), grant_types=grants
    )


@functools.cache
def revocation_endpoint() -> RevocationEndpoint:
    """POST /o/revoke_token/ (RFC 7009)."""
    return RevocationEndpoint(validator())


@functools.cache
def introspection_endpoint() -> IntrospectEndpoint:
    """POST /o/introspect/ (RFC 7662)."""
    return IntrospectEndpoint(validator())
