"""``bootstrapdemo``: first-run data and output, idempotent re-runs, credential reset, atomicity."""

from __future__ import annotations

import base64
import json
import re
import shlex
from http import HTTPStatus
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from gqlauth.models import Application
from project.management.commands import bootstrapdemo

pytestmark = pytest.mark.django_db

EXPECTED_FIRST_RUN = """\
gqlauth demo

Admin user (sign in at http://127.0.0.1:8123/admin/; also the user in the commands below):
  username: admin
  password: {password}

Application 'Tutorial demo' (confidential; grant types: password, client_credentials):
  client_id:     {client_id}
  client_secret: {secret}

Save these now: only hashes are stored, so they cannot be shown again.
Demo users: alice (developers), bob (developers, ops).

Step 4, get a token (password grant):
  curl -X POST -d "grant_type=password&username=admin&password={password}" \
-u"{client_id}:{secret}" http://127.0.0.1:8123/o/token/

Refresh it (paste refresh_token from the answer):
  curl -X POST -d "grant_type=refresh_token&refresh_token=<refresh_token>" \
-u"{client_id}:{secret}" http://127.0.0.1:8123/o/token/

Step 5, a token with only the read scope:
  curl -X POST -d "grant_type=password&username=admin&password={password}&scope=read" \
-u"{client_id}:{secret}" http://127.0.0.1:8123/o/token/

A token for the application itself (client_credentials grant):
  curl -X POST -d "grant_type=client_credentials" -u"{client_id}:{secret}" \
http://127.0.0.1:8123/o/token/

Query the GraphQL API (paste access_token from an answer):
  curl -H "Authorization: Bearer <access_token>" -H "Content-Type: application/json" \
-d '{{"query":"{{ users {{ username }} }}"}}' http://127.0.0.1:8123/graphql/
"""

EXPECTED_RERUN = """\
The demo exists: user 'admin', application 'Tutorial demo' (client_id {client_id}).
Its password and client secret are stored only as hashes and cannot be shown again;
`python manage.py bootstrapdemo --reset-credentials` issues a new admin password and client secret.
"""


def run(*args: str) -> str:
    out = StringIO()
    call_command("bootstrapdemo", "--port", "8123", *args, stdout=out)
    return out.getvalue()


def credentials(output: str) -> dict[str, str]:
    return {
        "password": re.search(r"^  password: (\S+)$", output, re.MULTILINE).group(1),
        "client_id": re.search(r"^  client_id: +(\S+)$", output, re.MULTILINE).group(1),
        "secret": re.search(r"^  client_secret: (\S+)$", output, re.MULTILINE).group(1),
    }


def curl_request(output: str, after: str) -> tuple[str, str, str]:
    """(body, client_id, secret) of the curl command printed on the line after ``after``."""
    lines = output.splitlines()
    words = shlex.split(lines[lines.index(after) + 1])
    body = words[words.index("-d") + 1]
    client_id, secret = next(w for w in words if w.startswith("-u"))[2:].split(":")
    return body, client_id, secret


def test_first_run_creates_the_demo_and_prints_credentials_once():
    output = run()

    creds = credentials(output)
    assert output == EXPECTED_FIRST_RUN.format(**creds)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    assert admin.is_active
    assert admin.check_password(creds["password"])
    assert len(creds["password"]) >= 24
    app = Application.objects.get()
    assert (app.name, app.user, app.client_type, app.grant_types) == (
        "Tutorial demo",
        admin,
        "confidential",
        ["password", "client_credentials"],
    )
    assert app.client_id == creds["client_id"]
    assert app.check_client_secret(creds["secret"])
    assert len(creds["secret"]) == 64
    assert creds["secret"] not in app.client_secret_digest
    memberships = {
        user.username: sorted(user.groups.values_list("name", flat=True))
        for user in User.objects.exclude(username="admin")
    }
    assert memberships == {"alice": ["developers"], "bob": ["developers", "ops"]}
    assert not User.objects.get(username="alice").has_usable_password()


def test_rerun_keeps_data_and_prints_no_secret():
    creds = credentials(run())

    output = run()

    assert output == EXPECTED_RERUN.format(client_id=creds["client_id"])
    assert creds["password"] not in output
    assert creds["secret"] not in output
    assert User.objects.count() == 3
    assert Group.objects.count() == 2
    assert User.objects.get(username="admin").check_password(creds["password"])
    assert Application.objects.get().check_client_secret(creds["secret"])


def test_reset_credentials_issues_new_password_and_secret():
    old = credentials(run())

    output = run("--reset-credentials")

    new = credentials(output)
    assert output == EXPECTED_FIRST_RUN.format(**new)
    assert new["client_id"] == old["client_id"]
    assert new["password"] != old["password"]
    assert new["secret"] != old["secret"]
    admin = User.objects.get(username="admin")
    assert admin.check_password(new["password"])
    assert not admin.check_password(old["password"])
    app = Application.objects.get()
    assert app.check_client_secret(new["secret"])
    assert not app.check_client_secret(old["secret"])
    assert User.objects.count() == 3


def test_existing_admin_keeps_its_password(make_user):
    make_user(username="admin", password="chosen-by-a-person")

    output = run()

    assert "  password: (unchanged; not known to this command)\n" in output
    assert "password=<admin password>" in output
    assert User.objects.get(username="admin").check_password("chosen-by-a-person")
    secret = re.search(r"^  client_secret: (\S+)$", output, re.MULTILINE).group(1)
    assert Application.objects.get().check_client_secret(secret)


def test_missing_demo_rows_are_recreated_without_touching_credentials():
    creds = credentials(run())
    User.objects.filter(username="bob").delete()
    Group.objects.filter(name="ops").delete()

    assert run() == EXPECTED_RERUN.format(client_id=creds["client_id"])
    bob = User.objects.get(username="bob")
    assert sorted(bob.groups.values_list("name", flat=True)) == ["developers", "ops"]


def test_first_run_is_atomic(monkeypatch):
    def fail() -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(bootstrapdemo.digests, "new_client_id", fail)
    with pytest.raises(RuntimeError, match="boom"):
        run()
    assert not User.objects.exists()
    assert not Group.objects.exists()
    assert not Application.objects.exists()


def test_printed_step_4_and_5_commands_get_tokens(client):
    output = run()

    for after, scope in [
        ("Step 4, get a token (password grant):", "read write groups"),
        ("Step 5, a token with only the read scope:", "read"),
    ]:
        body, client_id, secret = curl_request(output, after)
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        response = client.post(
            "/o/token/",
            data=body,
            content_type="application/x-www-form-urlencoded",
            HTTP_AUTHORIZATION=f"Basic {basic}",
        )
        assert response.status_code == HTTPStatus.OK, response.content
        answer = json.loads(response.content)
        assert answer["token_type"] == "Bearer"
        assert answer["scope"] == scope
        assert set(answer) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
