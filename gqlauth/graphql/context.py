"""The per-request GraphQL context: who is calling, with which token and scopes.

:class:`gqlauth.graphql.views.GraphQLView` fills it once per request from the bearer token; the
scope checks in :mod:`gqlauth.graphql.permissions` read it through :func:`credentials_of` and
cost no query. A context of any other type counts as "no credentials" (fail closed). With a JWT
access token the user is loaded only when a resolver reads ``credentials.user``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from strawberry.django.context import StrawberryDjangoContext

from gqlauth import bearer
from gqlauth.errors import InvalidTokenError
from gqlauth.graphql.errors import TokenRejectedError
from gqlauth.models import AccessToken

if TYPE_CHECKING:
    from strawberry.types import Info

    from gqlauth.models import UserModel

_UNLOADED: Any = object()


@dataclass(eq=False, slots=True)
class BearerCredentials:
    """A validated bearer token and what it grants.

    ``token`` is the opaque token's row or the JWT's verified claims
    (:data:`gqlauth.bearer.VerifiedToken`); both have ``scopes`` and ``expires``. ``scopes``
    costs nothing. ``user`` is None for client tokens; for a JWT it is loaded on first use
    (one query, with the account checks of :func:`gqlauth.bearer.user_of`), and if those fail
    every read of it raises :class:`~gqlauth.graphql.errors.TokenRejectedError`, a field error.
    """

    token: bearer.VerifiedToken
    scopes: frozenset[str]
    _user: Any = field(default=_UNLOADED, repr=False)

    @classmethod
    def from_token(cls, token: bearer.VerifiedToken) -> BearerCredentials:
        return cls(token=token, scopes=frozenset(token.scopes))

    @property
    def user(self) -> UserModel | None:
        if self._user is _UNLOADED:
            try:
                self._user = bearer.user_of(self.token)
            except InvalidTokenError as error:
                self._user = error
        if isinstance(self._user, InvalidTokenError):
            raise TokenRejectedError(self._user.description) from self._user
        user: UserModel | None = self._user
        return user

    @property
    def client_id(self) -> str:
        if isinstance(self.token, AccessToken):
            return self.token.application.client_id
        return self.token.client_id

    @property
    def expires_at(self) -> datetime:
        return self.token.expires


@dataclass
class GraphQLContext(StrawberryDjangoContext):
    """Strawberry's Django context plus the request's credentials (None without a token)."""

    credentials: BearerCredentials | None = field(default=None)


def credentials_of(info: Info[Any, Any]) -> BearerCredentials | None:
    """The credentials of the request being resolved, or None (no token, or a foreign context)."""
    context = info.context
    if isinstance(context, GraphQLContext):
        return context.credentials
    return None
