"""Fill the bench database: a user who may read users, a confidential client, 50 users in groups,
and tokens.

Run by ``bench/run.py`` in a subprocess whose environment already names the temporary database
(``DATABASE_URL``) and the server's ``SECRET_KEY`` (token digests are keyed with it). Prints one
JSON object on stdout with the plaintext credentials the load generator needs, and the SQLite
journal mode and ``synchronous`` level that a connection opened with the project's settings (as
the server's are) runs in.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

USERNAME = "bench"
# Users created with bulk_create get an unusable password: hashing 50 passwords with PBKDF2
# would cost the setup tens of seconds and the benches never sign them in.
LIST_USERS = 50
GROUPS = 5
SCOPES = ["read", "write", "groups"]


def seed(refresh_tokens: int) -> dict[str, Any]:
    """Create the data and return the credentials (plaintext, shown to the bench only)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission

    from gqlauth import digests, tokens
    from gqlauth.models import Application, ClientType, GrantType

    user_model = get_user_model()
    password = digests.new_token()
    user = user_model.objects.create_user(USERNAME, f"{USERNAME}@example.com", password)
    # Reading other users takes auth.view_user besides the read scope; given directly (not as
    # a superuser, who skips the permission lookup), so `users` pays what a real reader pays.
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="auth", codename="view_user")
    )

    secret = digests.new_client_secret()
    app = Application(
        client_id=digests.new_client_id(),
        name="bench",
        user=user,
        client_type=ClientType.CONFIDENTIAL,
        grant_types=[GrantType.PASSWORD, GrantType.CLIENT_CREDENTIALS],
    )
    app.set_client_secret(secret)
    app.save()

    groups = Group.objects.bulk_create(Group(name=f"group-{i}") for i in range(GROUPS))
    users = user_model.objects.bulk_create(
        user_model(username=f"user-{i:03d}", email=f"user-{i:03d}@example.com", password="!")
        for i in range(LIST_USERS)
    )
    # Each listed user is in two groups, so `groups { name }` has real rows to join.
    through = user_model.groups.through
    through.objects.bulk_create(
        through(user_id=u.pk, group_id=groups[(i + k) % GROUPS].pk)
        for i, u in enumerate(users)
        for k in range(2)
    )

    access = tokens.issue(app, user, SCOPES, with_refresh=False).access_token
    refresh = [tokens.issue(app, user, SCOPES).refresh_token for _ in range(refresh_tokens)]
    return {
        "client_id": app.client_id,
        "client_secret": secret,
        "username": USERNAME,
        "password": password,
        "access_token": access,
        "refresh_tokens": refresh,
    }


def database_mode() -> str:
    """The journal mode and sync level of a connection opened with the project's settings.

    Asked of SQLite itself rather than read from the settings: ``init_command`` applies them to
    every connection, and ``journal_mode=WAL`` also persists in the file.
    """
    from django.db import connection

    if connection.vendor != "sqlite":
        return connection.vendor
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous")
        level = cursor.fetchone()[0]
    sync = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(level, str(level))
    return f"SQLite (journal_mode={journal}, synchronous={sync})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--refresh-tokens", type=int, default=16)
    args = parser.parse_args()

    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    import django

    django.setup()
    print(json.dumps({**seed(args.refresh_tokens), "database": database_mode()}))


if __name__ == "__main__":
    main()
