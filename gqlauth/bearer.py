"""Resource-server authentication: ``Authorization: Bearer`` header -> a verified token.

Used once per request by protected views (the GraphQL view). An opaque token costs exactly one
indexed query: the token joined with its user and application, checked at once. A JWT access
token (RFC 9068) costs none while this process's copy of the published keys is fresh: its
signature and claims are checked locally, and its user is loaded only on demand, by
:func:`user_of`, with the same account checks as an opaque token.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.utils import timezone

from gqlauth import digests, jwtaccess
from gqlauth.errors import (
    ExpiredTokenError,
    InactiveApplicationError,
    InactiveUserError,
    MalformedTokenError,
    PasswordChangedError,
    UnknownTokenError,
)
from gqlauth.issuer import issuer_for
from gqlauth.jwtaccess import JwtAccessToken
from gqlauth.models import AccessToken
from gqlauth.prepared import PreparedSelect

if TYPE_CHECKING:
    from collections.abc import Sequence

    from django.db.models import QuerySet
    from django.http import HttpRequest

    from gqlauth.models import UserModel

# RFC 6750 §2.1 b64token.
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")

VerifiedToken = AccessToken | JwtAccessToken
"""What :func:`authenticate_bearer` returns: an opaque token's row (user and application
joined), or a JWT access token's verified claims."""


def _rows_by_digest(candidates: Sequence[str]) -> QuerySet[AccessToken]:
    # No ORDER BY: the digest is unique, and LIMIT 1 without it is the cheapest plan.
    return (
        AccessToken.objects.filter(digest__in=candidates)
        .select_related("user", "application", "application__user")
        .order_by()[:1]
    )


def _rows_by_jti(jti: Sequence[str]) -> QuerySet[AccessToken]:
    return (
        AccessToken.objects.filter(jti=jti[0])
        .select_related("user", "application", "application__user")
        .order_by()[:1]
    )


# Every request runs one of these; compiling its four-table join costs Django several times
# what running it does, so it is compiled once (gqlauth.prepared) and re-run with new digests.
_BY_DIGEST = PreparedSelect(AccessToken, _rows_by_digest)
_BY_JTI = PreparedSelect(AccessToken, _rows_by_jti)


def _check_account(token: AccessToken) -> None:
    """The checks binding a token to the account state it was issued under (design: a token is
    tied to it): active user, unchanged password, usable application."""
    if token.user is not None and not token.user.is_active:
        raise InactiveUserError("The access token's user is inactive.")
    if not token.user_unchanged():
        raise PasswordChangedError("The access token's user changed their password.")
    if not token.application.is_usable:
        raise InactiveApplicationError("The access token's application is inactive.")


def authenticate_bearer(request: HttpRequest) -> VerifiedToken | None:
    """Return the request's verified bearer token, or None without an Authorization header.

    Only the Authorization header is read (RFC 6750 §2.1), never the body or query. Raises a
    subclass of :class:`gqlauth.errors.InvalidTokenError` for a malformed, unknown, expired or
    revoked token.

    - An opaque token returns its :class:`~gqlauth.models.AccessToken` (one query), refused at
      once for an inactive user, a user whose password changed since it was issued, or an
      inactive application or application owner. ``token.user`` is None for client tokens.
    - A JWT returns its :class:`~gqlauth.jwtaccess.JwtAccessToken` after the checks of RFC 9068
      §4 (no query; see :func:`gqlauth.jwtaccess.verify_access_token`). The account is *not*
      checked here: :func:`user_of` does it when the user is needed.
    """
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not _B64TOKEN.fullmatch(value):
        raise MalformedTokenError("The Authorization header must be 'Bearer <token>'.")
    if jwtaccess.looks_like_jwt(value):
        return jwtaccess.verify_access_token(value, issuer=issuer_for(request))
    # The digests AccessToken.objects.lookup() matches: the current key's, then each fallback's.
    rows = _BY_DIGEST.fetch(digests.candidates(value, purpose="access"))
    token = rows[0] if rows else None
    if token is None:
        raise UnknownTokenError("The access token is invalid or revoked.")
    if token.is_expired(timezone.now()):
        raise ExpiredTokenError("The access token expired.")
    _check_account(token)
    token.upgrade_digest(value, purpose="access")
    return token


def user_of(token: VerifiedToken) -> UserModel | None:
    """The token's user (None for a client token), for whoever needs more than its scopes.

    Free for an opaque token (already joined and checked). For a JWT, one indexed query: its
    row by ``jti``, joined with user and application, then the account checks of an opaque
    token, so a revoked token (no row), an inactive user, owner or application, or a changed
    password raise :class:`~gqlauth.errors.InvalidTokenError` here, at once, although the JWT
    itself still verifies until it expires.
    """
    if isinstance(token, AccessToken):
        return token.user
    rows = _BY_JTI.fetch([token.jti])
    row = rows[0] if rows else None
    if row is None:
        raise UnknownTokenError("The access token is invalid or revoked.")
    _check_account(row)
    return row.user
