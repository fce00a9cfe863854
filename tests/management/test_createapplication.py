"""``createapplication``: DOT's arguments, printed credentials, refusals that write nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from gqlauth.models import Application

pytestmark = pytest.mark.django_db

LONG_SECRET = "s" * 40


def run(*args: str) -> str:
    out = StringIO()
    call_command("createapplication", *args, stdout=out)
    return out.getvalue()


def printed(output: str, key: str) -> str:
    match = re.search(rf"^{key}: (\S+)$", output, re.MULTILINE)
    assert match, output
    return match.group(1)


def test_confidential_password_prints_id_and_generated_secret_once_stored_as_digest():
    output = run("confidential", "password", "--name", "Tutorial")

    app = Application.objects.get()
    secret = printed(output, "client_secret")
    assert output == (
        "Created application 'Tutorial' (confidential; grant types: password).\n"
        f"client_id: {app.client_id}\n"
        f"client_secret: {secret}\n"
        "Store the client secret now: only its digest is kept, so it cannot be shown again.\n"
    )
    assert len(secret) == 64
    assert app.check_client_secret(secret)
    assert secret not in app.client_secret_digest
    assert (app.name, app.client_type, app.grant_types) == (
        "Tutorial",
        "confidential",
        ["password"],
    )
    assert app.allows_grant("refresh_token")


def test_public_client_prints_no_secret_and_stores_none():
    output = run("public", "password", "--client-id", "mobile-app")

    app = Application.objects.get()
    assert output == (
        "Created application 'mobile-app' (public; grant types: password).\nclient_id: mobile-app\n"
    )
    assert app.client_secret_digest == ""


@pytest.mark.parametrize(
    ("spelling", "stored"),
    [
        ("client-credentials", ["client_credentials"]),
        ("client_credentials", ["client_credentials"]),
        ("Password,CLIENT-CREDENTIALS", ["password", "client_credentials"]),
        ("client_credentials,password,password", ["password", "client_credentials"]),
    ],
)
def test_grant_type_spellings(spelling, stored):
    run("confidential", spelling)
    assert Application.objects.get().grant_types == stored


def test_all_options(make_user):
    owner = make_user(username="carol")
    output = run(
        "confidential",
        "authorization-code",
        "--name=Web",
        "--client-id=web-client",
        f"--client-secret={LONG_SECRET}",
        "--user=carol",
        "--redirect-uris=https://a.example/cb https://b.example/cb",
        "--scopes=write read",
        "--skip-authorization",
    )

    app = Application.objects.get()
    assert printed(output, "client_id") == "web-client"
    assert printed(output, "client_secret") == LONG_SECRET
    assert app.check_client_secret(LONG_SECRET)
    assert app.user == owner
    assert app.grant_types == ["authorization_code"]
    assert app.redirect_uris == "https://a.example/cb https://b.example/cb"
    assert app.allowed_scopes == "read write"  # SCOPES order
    assert app.skip_authorization is True


def test_application_type_and_default_scopes():
    run(
        "public",
        "authorization-code",
        "--redirect-uris=http://127.0.0.1/cb",
        "--application-type=NATIVE",
        "--scopes=read groups",
        "--default-scopes=groups read",
    )

    app = Application.objects.get()
    assert (app.application_type, app.allowed_scopes, app.default_scopes) == (
        "native",
        "read groups",
        "read groups",
    )


def test_application_type_defaults_to_web_and_default_scopes_to_the_setting():
    run("confidential", "password")

    app = Application.objects.get()
    assert (app.application_type, app.default_scopes, app.active) == ("web", "", True)


def test_user_by_id(make_user):
    owner = make_user()
    run("confidential", "password", "--user", str(owner.pk))
    assert Application.objects.get().user == owner


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("secret", "password"),
            "Unknown client type 'secret'; use confidential or public.",
        ),
        (("confidential", " , "), "Give at least one grant type."),
        (
            ("confidential", "implicit"),
            "Unknown grant type 'implicit'; use one of: authorization-code, password, "
            "client-credentials, refresh-token (several separated by commas).",
        ),
        (
            ("confidential", "password", "--user", "nobody"),
            "No user with id or username 'nobody'.",
        ),
        (
            ("confidential", "password", "--client-secret", "too-short"),
            "Application not created. --client-secret: A client secret must be at least 32 "
            "characters long; leave it empty to have a strong one generated.",
        ),
        (
            ("public", "password", "--client-secret", LONG_SECRET),
            "Application not created. --client-secret: A public client has no secret: leave it "
            "empty or make the client confidential.",
        ),
        (
            ("public", "client-credentials"),
            "Application not created. GRANT_TYPE: The client_credentials grant needs a "
            "confidential client (RFC 6749 §4.4).",
        ),
        (
            ("confidential", "password", "--scopes", "read admin"),
            "Application not created. --scopes: Unknown scope admin; the scopes in "
            "OAUTH2_PROVIDER are: read, write, groups.",
        ),
        (
            ("confidential", "authorization-code"),
            "Application not created. --redirect-uris: The authorization_code grant needs at "
            "least one redirect URI (RFC 6749 §3.1.2).",
        ),
        (
            ("confidential", "authorization-code", "--redirect-uris", "/relative https://x/#f"),
            "Application not created. --redirect-uris: Not a valid redirect URI: /relative. Use "
            "absolute http:// or https:// URIs without a #fragment. --redirect-uris: Not a valid "
            "redirect URI: https://x/#f. Use absolute http:// or https:// URIs without a "
            "#fragment.",
        ),
        (
            ("confidential", "password", "--application-type", "desktop"),
            "Unknown application type 'desktop'; use web or native.",
        ),
        (
            ("confidential", "password", "--default-scopes", "read admin"),
            "Application not created. --default-scopes: Unknown scope admin; the scopes in "
            "OAUTH2_PROVIDER are: read, write, groups.",
        ),
        (
            ("confidential", "password", "--scopes", "read", "--default-scopes", "read write"),
            "Application not created. --default-scopes: Default scopes must be among the "
            "allowed scopes; not allowed: write.",
        ),
        (
            ("confidential", "password", "--client-id", "has:colon"),
            "Application not created. --client-id: A client id may use only letters, digits and "
            ". _ ~ - characters.",
        ),
    ],
)
def test_bad_input_raises_command_error_and_writes_nothing(make_user, args, message):
    with pytest.raises(CommandError) as raised:
        run(*args)
    assert str(raised.value) == message
    assert not Application.objects.exists()


def test_duplicate_client_id_is_refused():
    run("confidential", "password", "--client-id", "taken")
    with pytest.raises(CommandError) as raised:
        run("public", "password", "--client-id", "taken")
    assert str(raised.value) == (
        "Application not created. --client-id: Application with this Client id already exists."
    )
    assert Application.objects.count() == 1


@override_settings(OAUTH2_PROVIDER={"SCOPES": {"profile": "Profile"}})
def test_scopes_are_read_from_settings_at_use_time():
    run("confidential", "password", "--scopes", "profile")
    assert Application.objects.get().allowed_scopes == "profile"


def test_command_line_exit_status_is_non_zero(tmp_path):
    # The real command line, as `make` or a script sees it (no database needed for this error).
    done = subprocess.run(
        [sys.executable, "manage.py", "createapplication", "public", "nope"],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("CommandError: Unknown grant type 'nope'")


def test_command_line_exit_status_for_a_bad_application_type(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "createapplication",
            "public",
            "password",
            "--application-type",
            "tv",
        ],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == "CommandError: Unknown application type 'tv'; use web or native.\n"
