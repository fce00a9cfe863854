"""Root ``Query`` of the tutorial's API: GraphQL in place of its ``users/`` and ``groups/`` URLs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import QuerySet

from gqlauth.graphql.context import credentials_of
from gqlauth.graphql.pagination import DEFAULT_LIMIT, window
from gqlauth.graphql.permissions import (
    authenticated,
    own_records_only,
    requires_permission,
    requires_read_write_scope,
    requires_scope,
)
from gqlauth.graphql.selections import selected_names
from schema.types import VIEW_USER, GroupType, UserType, Viewer, attach_groups, user_pk

# Two typing gaps of the GraphQL libraries, marked where they occur:
# - `field(description=...)` without a resolver is typed `Any` in strawberry (strawberry#1929),
#   so mypy calls the decorator untyped although the field is fully typed.
# - UserType and GroupType are not their models: resolvers return model instances, and a User
#   stands where the schema says UserType (its fields resolve from the model's attributes).

# UserType's fields read from the user's own row: GraphQL name -> model attribute.
_USER_COLUMNS = {
    "id": "id",
    "username": "username",
    "email": "email",
    "firstName": "first_name",
    "lastName": "last_name",
}
# Fields that need no column of the user's row.
_NO_COLUMN = frozenset({"groups", "__typename"})


def _fetch_users(
    info: strawberry.Info, narrow: Callable[[QuerySet[Any]], QuerySet[Any]]
) -> list[Any]:
    """The users ``narrow`` picks, shaped for the selection (read once): only the selected
    columns (when every selected field is known here; reading a deferred one would cost a query
    per user), and their groups in one more query if asked for."""
    users: QuerySet[Any] = get_user_model().objects.all()
    names = selected_names(info)
    if names <= _USER_COLUMNS.keys() | _NO_COLUMN:
        users = users.only("id", *(_USER_COLUMNS[name] for name in names - _NO_COLUMN))
    rows = list(narrow(users))
    if "groups" in names:
        attach_groups(rows)
    return rows


@strawberry.type
class Query:
    @requires_read_write_scope()
    @requires_permission(VIEW_USER, except_own=True)
    @strawberry.field(  # type: ignore[untyped-decorator]
        description="Users by id, one page at a time."
    )
    def users(
        self, info: strawberry.Info, offset: int = 0, limit: int = DEFAULT_LIMIT
    ) -> list[UserType]:
        page = window(offset, limit)
        own = own_records_only(info)

        def narrow(users: QuerySet[Any]) -> QuerySet[Any]:
            if own is not None:
                users = users.filter(pk=own.user.pk)
            return users.order_by("pk")[page]

        return _fetch_users(info, narrow)

    @requires_read_write_scope()
    @requires_permission(VIEW_USER, except_own=True)
    @strawberry.field(  # type: ignore[untyped-decorator]
        description=(
            "One user, or null when no user has this id; without the permission, any other "
            "id than the caller's is FORBIDDEN."
        )
    )
    def user(self, info: strawberry.Info, id: strawberry.ID) -> UserType | None:
        pk = user_pk(id)
        own = own_records_only(info)
        if own is not None and pk != own.user.pk:
            raise own.refusal()  # whether or not that user exists
        if pk is None:
            return None
        found: list[UserType] = _fetch_users(info, lambda users: users.filter(pk=pk)[:1])
        return found[0] if found else None

    @requires_scope("groups")
    @strawberry.field(  # type: ignore[untyped-decorator]
        description="Groups by name, one page at a time."
    )
    def groups(self, offset: int = 0, limit: int = DEFAULT_LIMIT) -> list[GroupType]:
        return list(Group.objects.order_by("name", "pk")[window(offset, limit)])  # type: ignore[arg-type]

    @authenticated()
    @strawberry.field(  # type: ignore[untyped-decorator]
        description="The caller: the bearer token's user, client and scopes."
    )
    def me(self, info: strawberry.Info) -> Viewer:
        credentials = credentials_of(info)
        assert credentials is not None  # authenticated() guarantees it
        return Viewer(
            user=credentials.user,  # type: ignore[arg-type]
            client_id=credentials.client_id,
            scopes=credentials.token.scopes,
            expires_at=credentials.expires_at,
        )
