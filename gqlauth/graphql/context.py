"""The per-request GraphQL context: who is calling, with which token and scopes.

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

    @classmethod
    def from_token(cls, token: AccessToken) -> BearerCredentials:
        return cls(token=token, user=token.user, scopes=frozenset(token.scopes))

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
