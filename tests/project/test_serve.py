"""``make serve``: production mode (scripts/serve.py), and the settings a TLS proxy needs."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db import connection

from scripts.serve import (
    REQUIRED,
    NoIssuerError,
    choose_issuer,
    default_workers,
    derived_issuer,
    missing_settings,
)
from tests.load.server import children, database_url, free_port

ROOT = Path(__file__).resolve().parents[2]
# Variables of the suite's own environment that must not leak into a served "fresh" system.
OWN = ("DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "OAUTH2_ISSUER")
CHECK_ID = re.compile(r"\(([a-z_]+\.[CEW]\d{3})\)")  # "(security.W004)"
PROXY = {
    "SECURE_SSL_REDIRECT": "1",
    "SESSION_COOKIE_SECURE": "1",
    "CSRF_COOKIE_SECURE": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
}


def clean_environment(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in OWN and key not in PROXY and key != "DJANGO_SETTINGS_MODULE"
    }
    env.update(PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def production_environment(port: int, database: str, **extra: str) -> dict[str, str]:
    return clean_environment(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        OAUTH2_ISSUER=f"http://127.0.0.1:{port}",
        DATABASE_URL=database,
        **extra,
    )


# --- the environment check -----------------------------------------------------------------


def test_missing_settings_names_every_missing_variable_with_an_example():
    message = missing_settings({"ALLOWED_HOSTS": "  ", "OAUTH2_ISSUER": "https://a.example"})
    assert message is not None
    assert message.splitlines() == [
        "serve: set SECRET_KEY, ALLOWED_HOSTS in the environment (production mode runs with "
        "DEBUG off):",
        f"  SECRET_KEY: {REQUIRED['SECRET_KEY']}",
        f"  ALLOWED_HOSTS: {REQUIRED['ALLOWED_HOSTS']}",
    ]
    assert "secrets.token_urlsafe(50)" in message


def test_only_secret_key_and_allowed_hosts_are_required():
    assert list(REQUIRED) == ["SECRET_KEY", "ALLOWED_HOSTS"]
    assert missing_settings({"SECRET_KEY": "x", "ALLOWED_HOSTS": "auth.example.com"}) is None


# --- the issuer --------------------------------------------------------------------------------


def test_a_real_host_gives_an_https_issuer_whatever_the_bind():
    # Production sits behind a TLS-terminating proxy whose public name is the first host.
    assert (
        derived_issuer("Auth.Example.com,api.example.com", "0.0.0.0:9000")
        == "https://auth.example.com"
    )
    assert derived_issuer(" 203.0.113.7 ,*", "127.0.0.1:8000") == "https://203.0.113.7"


@pytest.mark.parametrize(
    ("allowed_hosts", "bind", "issuer"),
    [
        ("127.0.0.1", "127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("127.0.0.1,auth.example.com", "127.0.0.1:9123", "http://127.0.0.1:9123"),
        ("localhost", "0.0.0.0:8765", "http://localhost:8765"),
        # gunicorn's default port when --bind names none.
        ("LOCALHOST", "127.0.0.1", "http://localhost:8000"),
    ],
)
def test_a_loopback_host_gives_an_http_issuer_on_the_bind_port(allowed_hosts, bind, issuer):
    assert derived_issuer(allowed_hosts, bind) == issuer


@pytest.mark.parametrize("allowed_hosts", ["[::1]", "::1"])
def test_the_ipv6_loopback_gives_a_bracketed_http_issuer(allowed_hosts):
    assert derived_issuer(allowed_hosts, "[::1]:8443") == "http://[::1]:8443"


@pytest.mark.parametrize("first", ["*", ".example.com"])
def test_a_wildcard_first_host_is_refused_asking_for_the_issuer(first):
    with pytest.raises(NoIssuerError) as refused:
        derived_issuer(f"{first},auth.example.com", "127.0.0.1:8000")

    assert str(refused.value) == (
        f"serve: set OAUTH2_ISSUER in the environment: the first ALLOWED_HOSTS entry, {first!r}, "
        "is a wildcard and names no host to derive the issuer from:\n"
        "  OAUTH2_ISSUER: the public URL of the server, e.g. https://auth.example.com"
    )


def test_a_loopback_host_on_a_unix_socket_is_refused():
    with pytest.raises(NoIssuerError) as refused:
        derived_issuer("localhost", "unix:/run/gqlauth.sock")

    assert str(refused.value).splitlines()[0] == (
        "serve: set OAUTH2_ISSUER in the environment: the loopback host localhost is served on "
        "unix:/run/gqlauth.sock, which has no port:"
    )


def test_an_explicit_issuer_wins_and_is_not_announced():
    environ = {"ALLOWED_HOSTS": "*", "OAUTH2_ISSUER": " https://id.example.com/tenant "}

    assert choose_issuer(environ, "127.0.0.1:8000") == ("https://id.example.com/tenant", None)


@pytest.mark.parametrize("unset", [{}, {"OAUTH2_ISSUER": "  "}])
def test_a_derived_issuer_is_announced_with_how_to_override_it(unset):
    environ = {"ALLOWED_HOSTS": "auth.example.com", **unset}

    assert choose_issuer(environ, "127.0.0.1:8000") == (
        "https://auth.example.com",
        "serve: issuer https://auth.example.com, from the first ALLOWED_HOSTS entry "
        "(set OAUTH2_ISSUER to choose another)",
    )


def test_default_workers_follow_web_concurrency_else_the_cores():
    assert default_workers({"WEB_CONCURRENCY": "3"}) == 3
    cores = os.cpu_count() or 1
    assert default_workers({}) == default_workers({"WEB_CONCURRENCY": "0"}) == 2 * cores + 1


def test_serve_without_secret_key_stops_with_a_clear_message():
    port = free_port()
    env = production_environment(port, "sqlite:////nonexistent/never-created.sqlite3")
    del env["SECRET_KEY"]

    done = subprocess.run(
        [sys.executable, "scripts/serve.py", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("serve: set SECRET_KEY in the environment")
    assert "Traceback" not in done.stderr


def test_make_serve_checks_the_environment_before_any_setup():
    make = shutil.which("make")
    assert make is not None
    env = clean_environment(ALLOWED_HOSTS="127.0.0.1")

    refused = subprocess.run(
        [make, "-s", "serve-env", f"PYTHON={sys.executable}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    wildcard = subprocess.run(
        [make, "-s", "serve-env", f"PYTHON={sys.executable}"],
        cwd=ROOT,
        env={**env, "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "*"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    derived = subprocess.run(
        [make, "-s", "serve-env", f"PYTHON={sys.executable}"],
        cwd=ROOT,
        env={**env, "SECRET_KEY": "k" * 50},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    planned = subprocess.run(
        [make, "-n", "serve", f"PYTHON={sys.executable}", "HOST=0.0.0.0", "PORT=9000", "WORKERS=3"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert refused.returncode != 0
    assert "serve: set SECRET_KEY in the environment" in refused.stderr
    assert wildcard.returncode != 0
    assert "serve: set OAUTH2_ISSUER in the environment: the first ALLOWED_HOSTS entry, '*'," in (
        wildcard.stderr
    )
    # The issuer can be derived: the check passes quietly; serve.py announces it when it starts.
    assert (derived.returncode, derived.stdout, derived.stderr) == (0, "", "")
    lines = planned.stdout.splitlines()
    check = next(i for i, line in enumerate(lines) if "scripts/serve.py --check-env" in line)
    serve = next(i for i, line in enumerate(lines) if "scripts/serve.py --bind" in line)
    assert check < serve
    assert lines[check].endswith("scripts/serve.py --check-env --bind 0.0.0.0:9000")
    assert lines[serve].endswith("scripts/serve.py --bind 0.0.0.0:9000 --workers 3")


def test_serve_with_a_wildcard_first_host_and_no_issuer_stops_with_a_clear_message():
    env = clean_environment(SECRET_KEY="k" * 50, ALLOWED_HOSTS=".example.com")

    done = subprocess.run(
        [sys.executable, "scripts/serve.py", "--bind", "127.0.0.1:8000"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "serve: set OAUTH2_ISSUER in the environment: the first ALLOWED_HOSTS entry, "
        "'.example.com', is a wildcard and names no host to derive the issuer from:\n"
        "  OAUTH2_ISSUER: the public URL of the server, e.g. https://auth.example.com\n"
    )


# --- the proxy settings and the deployment checks --------------------------------------------


def _deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_warns_only_about_what_the_tls_proxy_settings_turn_on(tmp_path):
    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env = production_environment(8000, database, DEBUG="0")

    bare = _deploy_check(env)
    proxied = _deploy_check({**env, **PROXY})

    assert bare.returncode != 0
    assert sorted(set(CHECK_ID.findall(bare.stderr))) == [
        "security.W004",
        "security.W008",
        "security.W012",
        "security.W016",
    ]
    assert proxied.returncode == 0, proxied.stderr
    assert proxied.stdout.strip() == "System check identified no issues (0 silenced)."


def _settings_value(env: dict[str, str], expression: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", f"import project.settings as s; print(repr({expression}))"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_proxy_settings_come_from_the_environment():
    env = clean_environment(DEBUG="0", SECRET_KEY="k" * 50)

    off = _settings_value(
        env, "(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER)"
    )
    on = _settings_value(
        {**env, **PROXY, "CSRF_TRUSTED_ORIGINS": "https://a.example,https://b.example"},
        "(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, "
        "s.SECURE_PROXY_SSL_HEADER, s.CSRF_TRUSTED_ORIGINS)",
    )
    key = _settings_value(
        {**env, "OAUTH2_TOKEN_DIGEST_KEY": "d" * 40}, "s.OAUTH2_PROVIDER['TOKEN_DIGEST_KEY']"
    )

    assert off.stdout.strip() == "(False, 0, None)"
    assert on.stdout.strip() == repr(
        (
            True,
            True,
            True,
            31536000,
            True,
            True,
            ("HTTP_X_FORWARDED_PROTO", "https"),
            ["https://a.example", "https://b.example"],
        )
    )
    assert key.stdout.strip() == repr("d" * 40)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SECURE_SSL_REDIRECT", "yes", "SECURE_SSL_REDIRECT must be 1 or 0, not 'yes'."),
        (
            "SECURE_HSTS_SECONDS",
            "1y",
            "SECURE_HSTS_SECONDS must be a whole number of seconds, not '1y'.",
        ),
    ],
)
def test_a_malformed_proxy_setting_stops_start_up(name, value, message):
    env = clean_environment(DEBUG="0", SECRET_KEY="k" * 50, **{name: value})

    done = _settings_value(env, "s.DEBUG")

    assert done.returncode != 0
    assert message in done.stderr


# --- make serve from a fresh state -------------------------------------------------------------


def _post(url: str, data: dict[str, str], headers: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=urlencode(data).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def _wait_until_serving(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            status, _, _ = _get(f"http://127.0.0.1:{port}/o/token/")
        except OSError:
            time.sleep(0.3)
            continue
        assert status == 405
        return
    pytest.fail(f"serve did not answer within 180 s:\n{log.read_text()[-4000:]}")


@contextlib.contextmanager
def _fresh_postgres_database() -> Iterator[str]:
    """A new, empty database on the suite's PostgreSQL server, dropped afterwards."""
    import psycopg

    params = connection.settings_dict
    name = f"gqlauth_serve_{os.getpid()}"
    admin = {
        "host": params.get("HOST") or "localhost",
        "port": params.get("PORT") or 5432,
        "user": params.get("USER") or None,
        "password": params.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url({**params, "NAME": name})
    finally:
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def fresh_database(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    else:
        with _fresh_postgres_database() as url:
            yield url


def test_serve_starts_a_working_server_from_a_fresh_state_given_only_the_key_and_hosts(
    fresh_database, tmp_path
):
    port = free_port()
    # Only SECRET_KEY and ALLOWED_HOSTS (and the test's own database): the issuer is derived.
    # DEBUG=1 in the environment too: production mode turns it off regardless.
    env = clean_environment(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=fresh_database,
        DEBUG="1",
    )
    issuer = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "scripts/serve.py", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_serving(process, port, log)
        base = f"http://127.0.0.1:{port}"
        # gunicorn replaced serve.py in the same process, and forked two workers.
        assert len(children(process.pid)) == 2
        output = log.read_text()
        assert output.startswith(
            f"serve: issuer {issuer}, from the first ALLOWED_HOSTS entry "
            "(set OAUTH2_ISSUER to choose another)\n"
        )
        assert "Applying gqlauth.0001" in output
        status, _, body = _get(f"{base}/.well-known/oauth-authorization-server")
        assert status == 200
        metadata = json.loads(body)
        assert (metadata["issuer"], metadata["token_endpoint"]) == (issuer, f"{issuer}/o/token/")
        # The deployment checks ran: only the TLS-proxy warnings, as nothing here sets them.
        assert sorted(set(CHECK_ID.findall(output))) == [
            "security.W004",
            "security.W008",
            "security.W012",
            "security.W016",
        ]

        password = secrets.token_urlsafe(16)
        client_secret = secrets.token_urlsafe(40)
        for command in (
            ["createsuperuser", "--noinput", "--username", "admin", "--email", "a@example.com"],
            [
                "createapplication",
                "confidential",
                "password",
                "--name",
                "serve",
                "--client-id",
                "serve-client",
                # One argument: a urlsafe secret may begin with "-", which argparse would
                # take for an option.
                f"--client-secret={client_secret}",
                "--user",
                "admin",
            ],
        ):
            done = subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                # manage.py reads the settings without serve.py: give it the issuer serve printed.
                env={
                    **env,
                    "DEBUG": "0",
                    "OAUTH2_ISSUER": issuer,
                    "DJANGO_SUPERUSER_PASSWORD": password,
                },
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert done.returncode == 0, done.stderr

        basic = base64.b64encode(f"serve-client:{client_secret}".encode()).decode()
        status, token = _post(
            f"{base}/o/token/",
            {"grant_type": "password", "username": "admin", "password": password},
            {"Authorization": f"Basic {basic}"},
        )
        assert status == 200, token
        assert (token["token_type"], token["scope"]) == ("Bearer", "read write groups")

        request = urllib.request.Request(
            f"{base}/graphql/",
            data=json.dumps({"query": "{ users { username } me { scopes } }"}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {token['access_token']}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
            answer = json.loads(response.read())
        assert answer == {
            "data": {
                "users": [{"username": "admin"}],
                "me": {"scopes": ["read", "write", "groups"]},
            }
        }

        # Static files: collected at start-up and served by whitenoise with DEBUG off.
        status, headers, body = _get(f"{base}/static/gqlauth/gqlauth.css")
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert body == (ROOT / "gqlauth" / "static" / "gqlauth" / "gqlauth.css").read_bytes()
        # DEBUG is off: a 404 shows no URL patterns or settings.
        status, _, body = _get(f"{base}/no-such-page/")
        assert status == 404
        assert b"URLconf" not in body
        assert b"DEBUG" not in body
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
