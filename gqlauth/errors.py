"""Errors of the resource-server side (RFC 6750 §3.1).

Token-endpoint errors are oauthlib's own ``OAuth2Error`` classes, rendered by
:mod:`gqlauth.oauth.http`; the classes here are raised by
:func:`gqlauth.bearer.authenticate_bearer` and turned into 401 responses by whoever serves the
protected resource.
"""

from __future__ import annotations

from http import HTTPStatus


class InvalidTokenError(Exception):
    """RFC 6750 §3.1 ``invalid_token``: a malformed, unknown, expired or revoked token, or a token
    of an inactive user."""

    error = "invalid_token"
    status_code = HTTPStatus.UNAUTHORIZED

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description

    @property
    def www_authenticate(self) -> str:
        """The ``WWW-Authenticate`` header value for a 401 answer."""
        return f'Bearer error="{self.error}", error_description="{self.description}"'


class MalformedTokenError(InvalidTokenError):
    """The Authorization header is not ``Bearer <token>`` with RFC 6750 §2.1 token characters."""


class UnknownTokenError(InvalidTokenError):
    """No live token has this value (never issued, revoked, or cleaned up)."""


class ExpiredTokenError(InvalidTokenError):
    """The token's lifetime is over."""


class InactiveUserError(InvalidTokenError):
    """The token's resource owner is no longer active."""


class InactiveApplicationError(InvalidTokenError):
    """The token's application, or its owner, was deactivated: its tokens stop at once."""


class PasswordChangedError(InvalidTokenError):
    """The token's user has a new password since the token was issued (by any path)."""
