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
    BearerToken,
    ClientCredentialsGrant,
    IntrospectEndpoint,
    RefreshTokenGrant,
    ResourceOwnerPasswordCredentialsGrant,
    RevocationEndpoint,
    TokenEndpoint,
)

from gqlauth import digests
from gqlauth.conf import oauth2_settings
from gqlauth.oauth.validator import Validator

SUPPORTED_GRANTS = ("password", "refresh_token", "client_credentials")


def _new_token(request: Any) -> str:
    return digests.new_token()


def _expires_in(request: Any) -> int:
    return oauth2_settings().access_token_expire_seconds


@functools.cache
def validator() -> Validator:
    """The shared validator; every endpoint is built on it, so oauthlib's log level is set here."""
    logging.getLogger("oauthlib").setLevel(logging.INFO)
    return Validator()


@functools.cache
def token_endpoint() -> TokenEndpoint:
    """POST /o/token/: password (RFC 6749 §4.3), client_credentials (§4.4), refresh (§6)."""
    v = validator()
    bearer = BearerToken(
        v, token_generator=_new_token, expires_in=_expires_in, refresh_token_generator=_new_token
    )
    grants = {
        "password": ResourceOwnerPasswordCredentialsGrant(v),
        "refresh_token": RefreshTokenGrant(v, issue_new_refresh_tokens=True),
        "client_credentials": ClientCredentialsGrant(v),
    }
    return TokenEndpoint(
        default_grant_type="password", default_token_type=bearer, grant_types=grants
    )


@functools.cache
def revocation_endpoint() -> RevocationEndpoint:
    """POST /o/revoke_token/ (RFC 7009)."""
    return RevocationEndpoint(validator())


@functools.cache
def introspection_endpoint() -> IntrospectEndpoint:
    """POST /o/introspect/ (RFC 7662)."""
    return IntrospectEndpoint(validator())
