"""The per-request GraphQL context: who is calling, with which token, scopes and permissions.

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
    _user: Any = field(default=_UNLOADED, repr=False, compare=False)
    # Answers of has_perm() for this request: permission -> held.
    _held: dict[str, bool] = field(default_factory=dict, init=False, repr=False, compare=False)
    # Access rules that let these credentials through (gqlauth.graphql.permissions): each is
    # checked once per request, not once per object of a list.
    allowed_by: set[object] = field(default_factory=set, init=False, repr=False, compare=False)

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

    def has_perm(self, permission: str) -> bool:
        """Whether the token's user holds the Django ``permission`` (``"app_label.codename"``).

        Asked of the authentication backends (``user.has_perm``: superusers hold every
        permission, inactive users none) once per request and permission; Django's
        ``ModelBackend`` loads the user's permissions with its first answer (two queries) and
        keeps them on the user object, which lives as long as the request. A client token
        (no user) holds no permission.
        """
        held = self._held.get(permission)
        if held is None:
            held = self.user is not None and self.user.has_perm(permission)
            self._held[permission] = held
        return held

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
