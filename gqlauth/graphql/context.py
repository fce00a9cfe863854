"""The per-request GraphQL context: who is calling, with which token, scopes and permissions.

:class:`gqlauth.graphql.views.GraphQLView` fills it once per request from the bearer token; the
scope checks in :mod:`gqlauth.graphql.permissions` read it through :func:`credentials_of` and
cost no query. A context of any other type counts as "no credentials" (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from strawberry.django.context import StrawberryDjangoContext

if TYPE_CHECKING:
    from strawberry.types import Info

    from gqlauth.models import AccessToken, UserModel


@dataclass(frozen=True, slots=True)
class BearerCredentials:
    """A validated bearer token and what it grants; ``user`` is None for client tokens."""

    token: AccessToken
    user: UserModel | None
    scopes: frozenset[str]
    # Answers of has_perm() for this request: permission -> held.
    _held: dict[str, bool] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def from_token(cls, token: AccessToken) -> BearerCredentials:
        return cls(token=token, user=token.user, scopes=frozenset(token.scopes))

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
        return self.token.application.client_id

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
