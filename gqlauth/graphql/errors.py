"""Errors the GraphQL layer shows to clients, one class per ``extensions.code``.

Raise them from resolvers and field extensions. They are *expected* errors: the schema neither
logs nor masks them (see :mod:`gqlauth.graphql.schema`), unlike any other exception, which is
logged with its traceback and answered as "Unexpected error.".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

from graphql import GraphQLError


class ClientError(GraphQLError):
    """Base of the errors whose message is meant for the client; ``code`` goes to extensions."""

    code: ClassVar[str] = "BAD_REQUEST"

    def __init__(self, message: str, **extensions: object) -> None:
        super().__init__(message, extensions={"code": self.code, **extensions})


class UnauthenticatedError(ClientError):
    """The field needs a bearer token and the request carried none."""

    code = "UNAUTHENTICATED"
    MESSAGE: ClassVar[str] = "Authentication credentials were not provided."

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)


class ForbiddenError(ClientError):
    """The token lacks a scope, or its user a permission, that the field requires.

    ``requiredScopes`` holds the scope rule's alternatives as ``@requiresScopes`` nests them
    (any of the lists, all scopes of one), ``requiredPermissions`` every Django permission of
    the permission rule; each appears only when given.
    """

    code = "FORBIDDEN"
    MESSAGE: ClassVar[str] = "You do not have permission to perform this action."

    def __init__(
        self,
        required_scopes: Iterable[Iterable[str]] = (),
        *,
        required_permissions: Iterable[str] = (),
    ) -> None:
        required: dict[str, object] = {}
        if scopes := [list(alternative) for alternative in required_scopes]:
            required["requiredScopes"] = scopes
        if permissions := list(required_permissions):
            required["requiredPermissions"] = permissions
        super().__init__(self.MESSAGE, **required)


class TokenRejectedError(ClientError):
    """A JWT access token verified, but a field needed its user and the token's account checks
    failed (revoked, inactive user or application, changed password); other fields resolve."""

    code = "INVALID_TOKEN"


class BadUserInputError(ClientError):
    """An argument is invalid; ``field`` names the first offending argument (GraphQL name).

    ``fieldErrors`` maps every offending argument to its messages, so a form can show them all.
    """

    code = "BAD_USER_INPUT"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field, fieldErrors={field: [message]})

    @classmethod
    def from_field_errors(cls, errors: Mapping[str, list[str]]) -> BadUserInputError:
        """One error for several invalid arguments, named after the first of them."""
        field, messages = next(iter(errors.items()))
        error = cls(field, " ".join(messages))
        assert error.extensions is not None
        error.extensions["fieldErrors"] = {name: list(msgs) for name, msgs in errors.items()}
        return error
