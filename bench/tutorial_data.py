"""The data both servers of ``bench/compare.py`` serve: 101 users in 10 groups.

Plain Django (no gqlauth, no DOT), imported by both seeds, so each database gets the same rows
in the same order. The owner signs in with a password hashed by Django's default hasher (the
same release on both sides); the 100 listed users get an unusable password (hashing them would
only slow the set-up down).
"""

from __future__ import annotations

from typing import Any

GROUPS = 10
LISTED_USERS = 100
OWNER = "owner"
DETAIL = "user-042"


def create_users_and_groups(password: str) -> dict[str, Any]:
    """Create the rows; returns the owner and the id of the user the detail bench reads."""
    from django.contrib.auth.models import Group, User

    groups = Group.objects.bulk_create(Group(name=f"group-{i}") for i in range(GROUPS))
    owner = User.objects.create_superuser(
        OWNER, f"{OWNER}@example.com", password, first_name="Olive", last_name="Owner"
    )
    users = User.objects.bulk_create(
        User(
            username=f"user-{i:03d}",
            email=f"user-{i:03d}@example.com",
            first_name=f"First{i}",
            last_name=f"Last{i}",
            password="!",
        )
        for i in range(LISTED_USERS)
    )
    owner.groups.add(*groups)
    through = User.groups.through
    through.objects.bulk_create(
        through(user_id=user.pk, group_id=groups[(i + k) % GROUPS].pk)
        for i, user in enumerate(users)
        for k in range(2)
    )
    return {"owner": owner, "detail_id": User.objects.get(username=DETAIL).pk}
