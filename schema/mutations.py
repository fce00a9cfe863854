"""Root ``Mutation`` of the tutorial's API: creating users (the tutorial's POST to ``users/``)."""

from __future__ import annotations

import strawberry

from gqlauth.graphql.hardening import hashes_password
from gqlauth.graphql.permissions import requires_permission, requires_scope
from schema import accounts
from schema.types import UserType


@strawberry.type
class Mutation:
    # read too: the User it returns requires it (a type-level rule). Said on the field as well,
    # so that a gateway reading type-level rules as rules on the type's own fields (Hive
    # Gateway does) refuses this field as a whole, exactly as this server does.
    @requires_scope("read", "write")
    @requires_permission("auth.add_user")
    @hashes_password()
    # strawberry types mutation(description=...) without a resolver as Any (strawberry#1929).
    @strawberry.mutation(  # type: ignore[untyped-decorator]
        description=(
            "Create a user. Invalid input fails with BAD_USER_INPUT naming the argument. "
            "It hashes a password, so one request may run only as many as the server's "
            "MAX_PASSWORD_HASHES (1 by default); more fail with TOO_MANY_PASSWORD_HASHES "
            "and nothing runs."
        )
    )
    def create_user(
        self,
        username: str,
        password: str,
        email: str | None = strawberry.UNSET,
        first_name: str | None = strawberry.UNSET,
        last_name: str | None = strawberry.UNSET,
    ) -> UserType:
        # UserType is not the model: its fields resolve from the User's attributes.
        return accounts.create_user(  # type: ignore[return-value]
            username=username,
            password=password,
            email=email or "",
            first_name=first_name or "",
            last_name=last_name or "",
        )
