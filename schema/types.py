"""The GraphQL object types of the tutorial's API: ``User``, ``Group`` and ``Viewer``.

``User`` and ``Group`` are plain strawberry types resolved from Django model instances (their
fields read the instance's attributes of the same name), so a leaf field costs no more than
graphql-core's own default resolver: no per-field hook, no queryset optimizer. The root
resolvers in :mod:`schema.queries` shape the querysets instead, once per request (a user's
``groups`` are prefetched when the selection asks for them).

They are also federation entities keyed by ``id``. Their type-level rules (the scope wherever
the type is returned, ``_entities`` included) are the ones the root fields already need:
``read`` for users and ``groups`` for groups.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import strawberry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import ManyToManyField

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


# Where attach_groups() leaves a user's groups.
_GROUPS = "_api_groups"


def attach_groups(users: list[Any]) -> None:
    """Load the groups of all ``users`` in one query, for ``User.groups`` to read.

    Django's ``prefetch_related("groups")`` costs the same one query but builds a related
    manager and a queryset per user, which cost more CPU than the query for a page of users;
    this reads the membership rows once and builds only the groups. Each user's groups are in
    ``User.groups``' order: by name, then id.
    """
    by_user: dict[Any, list[Group]] = {user.pk: [] for user in users}
    if not by_user:
        return
    field = get_user_model()._meta.get_field("groups")
    assert isinstance(field, ManyToManyField)  # PermissionsMixin's, as ModelBackend needs
    membership = field.remote_field.through
    assert membership is not None  # Django made it when the model was defined
    user_fk = field.m2m_field_name()  # "user" for auth.User
    rows = (
        membership._default_manager.filter(**{f"{user_fk}__in": list(by_user)})
        .order_by("group__name", "group_id")
        .values_list(user_fk, "group_id", "group__name")
    )
    db = rows.db
    groups: dict[int, Group] = {}
    for user_id, group_id, name in rows:
        group = groups.get(group_id)
        if group is None:
            group = groups[group_id] = Group.from_db(db, ["id", "name"], (group_id, name))
        by_user[user_id].append(group)
    for user in users:
        setattr(user, _GROUPS, by_user[user.pk])


@requires_scope("groups")
@strawberry.federation.type(name="Group", keys=["id"])
class GroupType:
    """A ``django.contrib.auth.models.Group``."""

    id: strawberry.ID
    name: str

    @classmethod
    def is_type_of(cls, obj: Any, info: strawberry.Info) -> bool:
        """What ``_Entity`` resolves to a Group: a Group row (resolve_reference returns one)."""
        return isinstance(obj, Group)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Any:
        """``_entities``: the group with this id, or null."""
        pk = _key(id)
        return None if pk is None else Group.objects.filter(pk=pk).first()


@requires_scope("read")
@strawberry.federation.type(name="User", keys=["id"])
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
        # ``root`` is the user's model instance: its groups as attach_groups() left them,
        # else one query (a user reached another way: me, _entities).
        groups: list[Group] | None = getattr(root, _GROUPS, None)
        if groups is None:
            groups = list(root.groups.order_by("name", "pk"))
        return groups  # type: ignore[return-value]  # a Group stands where GroupType is declared

    @classmethod
    def is_type_of(cls, obj: Any, info: strawberry.Info) -> bool:
        """What ``_Entity`` resolves to a User: a user row (resolve_reference returns one)."""
        return isinstance(obj, get_user_model())

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
