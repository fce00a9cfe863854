"""Resource-server authentication: ``Authorization: Bearer`` header -> user and token.

Used once per request by protected views (the GraphQL view). Costs exactly one indexed query:
the token joined with its user and application.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.utils import timezone

from gqlauth.errors import (
    ExpiredTokenError,
    InactiveApplicationError,
    InactiveUserError,
    MalformedTokenError,
    PasswordChangedError,
    UnknownTokenError,
)
from gqlauth.models import AccessToken

if TYPE_CHECKING:
    from django.http import HttpRequest

    from gqlauth.models import UserModel

# RFC 6750 §2.1 b64token.
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


def authenticate_bearer(request: HttpRequest) -> tuple[UserModel | None, AccessToken] | None:
    """Return ``(user, access_token)`` for the request's bearer token, or None without a header.

    ``user`` is None for client_credentials tokens. Raises a subclass of
    :class:`gqlauth.errors.InvalidTokenError` for a malformed, unknown, expired or revoked token,
    an inactive user, a user whose password changed since the token was issued, or an inactive
    application or application owner. Only the Authorization header is read (RFC 6750 §2.1),
    never the body or query.
    """
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not _B64TOKEN.fullmatch(value):
        raise MalformedTokenError("The Authorization header must be 'Bearer <token>'.")
    # No ORDER BY: the digest is unique, and a bare LIMIT 1 is cheaper for the ORM to build.
    rows = list(
        AccessToken.objects.lookup(value)
        .select_related("user", "application", "application__user")
        .order_by()[:1]
    )
    token = rows[0] if rows else None
    if token is None:
        raise UnknownTokenError("The access token is invalid or revoked.")
    if token.is_expired(timezone.now()):
        raise ExpiredTokenError("The access token expired.")
    if token.user is not None and not token.user.is_active:
        raise InactiveUserError("The access token's user is inactive.")
    if not token.user_unchanged():
        raise PasswordChangedError("The access token's user changed their password.")
    if not token.application.is_usable:
        raise InactiveApplicationError("The access token's application is inactive.")
    token.upgrade_digest(value, purpose="access")
    return token.user, token
