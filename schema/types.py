"""The GraphQL object types of the tutorial's API: ``User``, ``Group`` and ``Viewer``.

``User`` and ``Group`` are federation entities keyed by ``id``. Their type-level rules (the
scope wherever the type is returned, ``_entities`` included) are the ones the root fields
already need: ``read`` for users and ``groups`` for groups.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import strawberry
import strawberry_django
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from strawberry import auto
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from gqlauth.graphql.context import credentials_of
from gqlauth.graphql.permissions import records_visible_to, requires_scope

# Reading users other than yourself takes this Django permission, besides the read scope.
VIEW_USER = "auth.view_user"


# An ID as this API prints it: ASCII digits, at most 19 (a 64-bit primary key).
_PK = re.compile(r"[0-9]{1,19}")


def user_pk(id: str) -> int | None:
    """The primary key an ID names, or None when it can name no row.

    Anything else an ID may hold is no row's id, never an error: other Unicode digits, which
    ``str.isdigit`` accepts and ``int`` may refuse ("²"), signs, spaces, and numbers with more
    digits than ``int`` converts or a database column holds.
    """
    return int(id) if _PK.fullmatch(id) else None


def _key(id: object) -> int | None:
    """The primary key an entity representation's ``id`` names (a string, or a JSON number)."""
    if isinstance(id, bool) or not isinstance(id, (str, int)):
        return None
    return user_pk(str(id))


# The entity key, printed as @key(fields: "id") (strawberry_django types take directives).
_ID_KEY = Key(fields=FieldSet("id"), resolvable=strawberry.UNSET)


@requires_scope("groups")
@strawberry_django.type(Group, name="Group", directives=[_ID_KEY])
class GroupType:
    id: auto
    name: auto

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Group | None:
        """``_entities``: the group with this id, or null."""
        pk = _key(id)
        return None if pk is None else Group.objects.filter(pk=pk).first()


@requires_scope("read")
@strawberry_django.type(get_user_model(), name="User", directives=[_ID_KEY])
class UserType:
    id: auto
    username: auto
    email: auto
    first_name: auto
    last_name: auto
    # Nullable on purpose: a token without "groups" gets null here and an error for this
    # field only, while the rest of the user still resolves.
    groups: list[GroupType] | None = strawberry_django.field(extensions=[requires_scope("groups")])

    @classmethod
    def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Any:
        """``_entities``: the user with this id, or null; as ``user(id:)``, without the
        ``auth.view_user`` permission only the caller, any other id is FORBIDDEN."""
        pk = _key(id)
        own = records_visible_to(credentials_of(info), (VIEW_USER,))
        if own is not None and pk != own.user.pk:
            raise own.refusal()
        return None if pk is None else get_user_model().objects.filter(pk=pk).first()


@strawberry.type
class Viewer:
    """The caller as the bearer token describes it; ``user`` is null for client tokens."""

    # Guarded like every other way to a user: the caller's own profile needs "read" too.
    user: UserType | None = strawberry.field(extensions=[requires_scope("read")])
    client_id: str
    scopes: list[str]
    expires_at: datetime
