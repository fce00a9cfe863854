"""``bootstrapdemo``: first-run data and output, idempotent re-runs, credential reset, atomicity,
and the public client GraphiQL signs in with."""

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

GraphiQL's Sign in button uses application 'GraphiQL' (public, no secret; grant types: \
authorization_code):
  client_id:     graphiql
  redirect URIs: http://127.0.0.1:8123/graphql/ http://localhost:8123/graphql/
  Open http://127.0.0.1:8123/graphql/, click Sign in, sign in as admin and approve.

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

GraphiQL's Sign in button uses application 'GraphiQL' (public, no secret; grant types: \
authorization_code):
  client_id:     graphiql
  redirect URIs: {redirect_uris}
  Open http://127.0.0.1:{port}/graphql/, click Sign in, sign in as admin and approve.
"""
REDIRECT_URIS_8123 = "http://127.0.0.1:8123/graphql/ http://localhost:8123/graphql/"


def expected_rerun(client_id: str, redirect_uris: str = REDIRECT_URIS_8123, port: int = 8123):
    return EXPECTED_RERUN.format(client_id=client_id, redirect_uris=redirect_uris, port=port)


def run(*args: str, port: str = "8123") -> str:
    out = StringIO()
    call_command("bootstrapdemo", "--port", port, *args, stdout=out)
    return out.getvalue()


def tutorial_app() -> Application:
    return Application.objects.get(name="Tutorial demo")


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
    app = tutorial_app()
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

    assert output == expected_rerun(creds["client_id"])
    assert creds["password"] not in output
    assert creds["secret"] not in output
    assert User.objects.count() == 3
    assert Group.objects.count() == 2
    assert User.objects.get(username="admin").check_password(creds["password"])
    assert tutorial_app().check_client_secret(creds["secret"])
    assert Application.objects.count() == 2


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
    app = tutorial_app()
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
    assert tutorial_app().check_client_secret(secret)


def test_missing_demo_rows_are_recreated_without_touching_credentials():
    creds = credentials(run())
    User.objects.filter(username="bob").delete()
    Group.objects.filter(name="ops").delete()

    assert run() == expected_rerun(creds["client_id"])
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


# --- GraphiQL's Sign in client --------------------------------------------------------------


def graphiql_app() -> Application:
    return Application.objects.get(client_id="graphiql")


def test_first_run_registers_graphiql_as_a_public_authorization_code_client():
    run()

    app = graphiql_app()
    assert (app.name, app.user.username, app.client_type, app.grant_types) == (
        "GraphiQL",
        "admin",
        "public",
        ["authorization_code"],
    )
    assert app.redirect_uri_list() == [
        "http://127.0.0.1:8123/graphql/",
        "http://localhost:8123/graphql/",
    ]
    assert app.skip_authorization is False
    assert app.client_secret_digest == ""
    assert app.active


def test_graphiql_client_is_the_one_the_settings_name(settings):
    settings.GQLAUTH_GRAPHQL = {"GRAPHIQL_CLIENT_ID": "my-ide"}

    output = run()

    assert Application.objects.get(name="GraphiQL").client_id == "my-ide"
    assert "  client_id:     my-ide\n" in output


def test_no_graphiql_client_without_the_setting(settings):
    settings.GQLAUTH_GRAPHQL = {"GRAPHIQL_CLIENT_ID": None}

    output = run()

    creds = credentials(output)
    graphiql_block = EXPECTED_FIRST_RUN[
        EXPECTED_FIRST_RUN.index("GraphiQL's Sign in") : EXPECTED_FIRST_RUN.index("Step 4")
    ]
    assert output == EXPECTED_FIRST_RUN.replace(graphiql_block, "").format(**creds)
    assert list(Application.objects.values_list("name", flat=True)) == ["Tutorial demo"]
    assert run() == EXPECTED_RERUN[: EXPECTED_RERUN.index("\nGraphiQL")].format(
        client_id=creds["client_id"]
    )


def test_rerun_on_another_port_adds_its_redirect_uris_and_keeps_the_rest():
    creds = credentials(run())
    app = graphiql_app()
    app.redirect_uris += " https://ide.example/graphql/"
    app.save()

    output = run(port="9000")

    uris = (
        "http://127.0.0.1:8123/graphql/ http://localhost:8123/graphql/ "
        "https://ide.example/graphql/ http://127.0.0.1:9000/graphql/ http://localhost:9000/graphql/"
    )
    assert output == expected_rerun(creds["client_id"], uris, port=9000)
    assert graphiql_app().redirect_uris == uris
    assert run(port="9000") == output  # nothing more to add
    assert Application.objects.count() == 2


def test_an_existing_graphiql_client_keeps_its_fields(make_application):
    existing = make_application(
        client_type="public",
        grant_types=("authorization_code",),
        client_id="graphiql",
        name="Our IDE",
        redirect_uris="http://127.0.0.1:8123/graphql/",
        allowed_scopes="read",
    ).app

    run()

    app = graphiql_app()
    assert app.pk == existing.pk
    assert (app.name, app.user, app.allowed_scopes) == ("Our IDE", existing.user, "read")
    assert app.redirect_uri_list() == [
        "http://127.0.0.1:8123/graphql/",
        "http://localhost:8123/graphql/",
    ]


def test_graphiql_client_creation_is_part_of_the_first_run_transaction(monkeypatch):
    def fail(port: int) -> list[str]:
        raise RuntimeError("boom")

    monkeypatch.setattr(bootstrapdemo, "graphiql_redirect_uris", fail)
    with pytest.raises(RuntimeError, match="boom"):
        run()
    assert not User.objects.exists()
    assert not Application.objects.exists()


def test_the_graphiql_client_gets_the_consent_page_from_its_page(client):
    """Its registered redirect URI and grant pass the authorization endpoint's checks."""
    run()
    client.force_login(User.objects.get(username="admin"))

    response = client.get(
        "/o/authorize/",
        {
            "response_type": "code",
            "client_id": "graphiql",
            "redirect_uri": "http://localhost:8123/graphql/",
            "scope": "read groups",
            "state": "s",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
        },
    )

    assert response.status_code == HTTPStatus.OK
    assert "Authorize GraphiQL?" in response.content.decode()
