"""The oauthlib endpoints, built once per process.

Settings are still read per request: token lifetimes and the access token format through
callables, rotation and reuse protection inside the validator. ``logging`` for oauthlib is capped
at INFO here because its DEBUG messages print refresh tokens and request bodies.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

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

from gqlauth import digests, jwtaccess, pkce
from gqlauth.conf import oauth2_settings
from gqlauth.issuer import issuer_for
from gqlauth.oauth.validator import Validator

if TYPE_CHECKING:
    from django.http import HttpRequest

SUPPORTED_GRANTS = ("authorization_code", "password", "refresh_token", "client_credentials")

logger = logging.getLogger("gqlauth.oauth")

# The Django request being answered, for what oauthlib's own Request lacks (the issuer under
# DEBUG). oauthlib copies its ``credentials`` argument into the token response, so it cannot
# carry this.
_django_request: ContextVar[HttpRequest | None] = ContextVar("gqlauth_request", default=None)


@contextlib.contextmanager
def answering(request: HttpRequest) -> Iterator[None]:
    """Run an endpoint for ``request``: tokens issued inside get its issuer."""
    reset = _django_request.set(request)
    try:
        yield
    finally:
        _django_request.reset(reset)


def _issuer() -> str:
    request = _django_request.get()
    if request is not None:
        return issuer_for(request)
    configured = oauth2_settings().issuer
    if configured is None:
        raise jwtaccess.CannotSignError('Set OAUTH2_PROVIDER["ISSUER"].')
    return configured


def _new_token(request: Any) -> str:
    return digests.new_token()


def _new_access_token(request: Any) -> str:
    """An opaque 256-bit token, or for a JWT client a signed RFC 9068 token.

    The JWT's ``jti`` and expiry ride on the oauthlib request to ``save_bearer_token``. A server
    that cannot sign (no active key, no audience) answers ``server_error``, naming the fix in its
    log rather than to the client.
    """
    client = request.client
    if not jwtaccess.uses_jwt(client):
        return digests.new_token()
    try:
        signed = jwtaccess.sign_access_token(
            application=client,
            user=request.user,
            scopes=list(request.scopes or ()),
            issuer=_issuer(),
            expires_in=int(request.expires_in),
        )
    except jwtaccess.CannotSignError as error:
        logger.error("Cannot issue a JWT access token: %s", error)
        raise errors.ServerError(
            description="The server cannot issue an access token now.",
            status_code=HTTPStatus.INTERNAL_SERVER_ERROR,
        ) from error
    request.signed_access_token = signed
    return signed.value


def _expires_in(request: Any) -> int:
    return jwtaccess.lifetime(getattr(request, "client", None))


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
    """How access and refresh tokens are minted: 256-bit values or JWT access tokens, as the
    client's format says; lifetime read per request. Refresh tokens are always opaque."""
    return BearerToken(
        validator(),
        token_generator=_new_access_token,
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
