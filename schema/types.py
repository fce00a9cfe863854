"""The GraphQL object types of the tutorial's API: ``User``, ``Group`` and ``Viewer``."""

from __future__ import annotations

from datetime import datetime

import strawberry
import strawberry_django
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from strawberry import auto

from gqlauth.graphql.permissions import requires_scope


@strawberry_django.type(Group, name="Group")
class GroupType:
    id: auto
    name: auto


@strawberry_django.type(get_user_model(), name="User")
class UserType:
    id: auto
    username: auto
    email: auto
    first_name: auto
    last_name: auto
    # Nullable on purpose: a token without "groups" gets null here and an error for this
    # field only, while the rest of the user still resolves.
    groups: list[GroupType] | None = strawberry_django.field(extensions=[requires_scope("groups")])


@strawberry.type
class Viewer:
    """The caller as the bearer token describes it; ``user`` is null for client tokens."""

    # Guarded like every other way to a user: the caller's own profile needs "read" too.
    user: UserType | None = strawberry.field(extensions=[requires_scope("read")])
    client_id: str
    scopes: list[str]
    expires_at: datetime
