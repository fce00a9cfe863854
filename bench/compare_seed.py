"""Fill gqlauth's side of bench/compare.py (after ``manage.py migrate``); prints one JSON line.

The same users and groups as the comparison site (bench/tutorial_data.py), a confidential client
with the password grant, an access token and refresh tokens for the refresh chains.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SCOPES = ["read", "write", "groups"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--refresh-tokens", type=int, default=16)
    args = parser.parse_args()
    sys.path[:0] = [str(BENCH.parent), str(BENCH)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

    import django

    django.setup()
    from tutorial_data import create_users_and_groups

    from gqlauth import digests, tokens
    from gqlauth.models import Application, ClientType, GrantType

    password = secrets.token_urlsafe(16)
    data = create_users_and_groups(password)
    owner = data["owner"]
    client_secret = digests.new_client_secret()
    app = Application(
        client_id=digests.new_client_id(),
        name="bench",
        user=owner,
        client_type=ClientType.CONFIDENTIAL,
        grant_types=[GrantType.PASSWORD],
    )
    app.set_client_secret(client_secret)
    app.save()
    access = tokens.issue(app, owner, SCOPES, with_refresh=False).access_token
    refresh = [tokens.issue(app, owner, SCOPES).refresh_token for _ in range(args.refresh_tokens)]
    print(
        json.dumps(
            {
                "client_id": app.client_id,
                "client_secret": client_secret,
                "username": owner.username,
                "password": password,
                "access_token": access,
                "refresh_tokens": refresh,
                "detail_id": data["detail_id"],
            }
        )
    )


if __name__ == "__main__":
    main()
