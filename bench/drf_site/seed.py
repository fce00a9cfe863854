"""Migrate and fill the comparison site's database; prints the credentials as one JSON line.

Run by bench/compare.py with the comparison virtualenv's Python, from bench/, with
``DJANGO_SETTINGS_MODULE=drf_site.settings``. Tokens are created as DOT stores them (its models
compute the lookup checksum; the application's secret is hashed on save, DOT's default).
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import uuid
from datetime import timedelta
from pathlib import Path

SCOPE = "read write groups"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--refresh-tokens", type=int, default=16)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone
    from oauth2_provider.models import AccessToken, Application, RefreshToken
    from tutorial_data import create_users_and_groups

    call_command("migrate", interactive=False, verbosity=0)
    password = secrets.token_urlsafe(16)
    data = create_users_and_groups(password)
    owner = data["owner"]
    client_secret = secrets.token_urlsafe(48)
    app = Application.objects.create(
        name="bench",
        user=owner,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_PASSWORD,
        client_secret=client_secret,
    )
    expires = timezone.now() + timedelta(hours=10)

    def access_token() -> tuple[str, AccessToken]:
        value = secrets.token_urlsafe(32)
        token = AccessToken.objects.create(
            user=owner, application=app, token=value, expires=expires, scope=SCOPE
        )
        return value, token

    access, _ = access_token()
    refresh = []
    for _ in range(args.refresh_tokens):
        value = secrets.token_urlsafe(32)
        RefreshToken.objects.create(
            user=owner,
            application=app,
            token=value,
            access_token=access_token()[1],
            token_family=uuid.uuid4(),
        )
        refresh.append(value)
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
