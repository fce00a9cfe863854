"""The GraphQL object types of the tutorial's API: ``User``, ``Group`` and ``Viewer``.

``User`` and ``Group`` are plain strawberry types resolved from Django model instances (their
fields read the instance's attributes of the same name), so a leaf field costs no more than
graphql-core's own default resolver: no per-field hook, no queryset optimizer. The root
resolvers in :mod:`schema.queries` shape the querysets instead, once per request (a user's
``groups`` are prefetched when the selection asks for them).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry

from gqlauth.graphql.permissions import requires_scope

if TYPE_CHECKING:
    from django.contrib.auth.models import Group


@strawberry.type(name="Group")
class GroupType:
    """A ``django.contrib.auth.models.Group``."""

    id: strawberry.ID
    name: str


@strawberry.type(name="User")
class UserType:
    """A user of ``AUTH_USER_MODEL``."""

    id: strawberry.ID
    username: str
    email: str
    first_name: str
    last_name: str

    # Nullable on purpose: a token without "groups" gets null here and an error for this
    # field only, while the rest of the user still resolves. (strawberry types field(...)
    # without a resolver as Any, strawberry#1929: the decorated method is fully typed.)
    @strawberry.field(extensions=[requires_scope("groups")])  # type: ignore[untyped-decorator]
    def groups(self, root: strawberry.Parent[Any]) -> list[GroupType] | None:
        # ``root`` is the user's model instance; .all() reads the root resolver's prefetch.
        groups: list[Group] = list(root.groups.all())
        return groups  # type: ignore[return-value]  # a Group stands where GroupType is declared


@strawberry.type
class Viewer:
    """The caller as the bearer token describes it; ``user`` is null for client tokens."""

    # Guarded like every other way to a user: the caller's own profile needs "read" too.
    user: UserType | None = strawberry.field(extensions=[requires_scope("read")])
    client_id: str
    scopes: list[str]
    expires_at: datetime
