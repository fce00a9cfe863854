"""Throttling holds across worker processes: a live gunicorn with two workers shares the counts.

gunicorn runs ``project.settings`` (DEBUG off, the real password hasher) on this test's database:
the test database of pytest-django, SQLite file or PostgreSQL, whose rows a ``transaction=True``
test commits. Requests come through a trusted proxy (127.0.0.1) naming the client in
``X-Forwarded-For``. The access log records which worker (pid) answered each request.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.conf import global_settings
from django.db import connection

from tests.conftest import PASSWORD

pytest.importorskip("gunicorn")
pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"
LIMIT = 5  # LOGIN_FAILURE_LIMIT's default: project.settings does not change it
BOOT_SECONDS = 60.0


def _database_url() -> str:
    """The URL of the database this test uses, for the server's DATABASE_URL."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        user = quote(db["USER"] or "")
        password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
        port = f":{db['PORT']}" if db["PORT"] else ""
        return f"postgres://{user}{password}@{db['HOST'] or 'localhost'}{port}/{db['NAME']}"
    pytest.skip(reason=f"the live server needs a DATABASE_URL, and {db['ENGINE']} has none here")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def gunicorn(settings, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Serve the project with two sync workers; yields (base URL, access log). Always stopped."""
    port = _free_port()
    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "DATABASE_URL": _database_url(),
        "SECRET_KEY": settings.SECRET_KEY,  # the client secret's digest is keyed with it
        "OAUTH2_ISSUER": f"http://{HOST}:{port}",
        "OAUTH2_TRUSTED_PROXIES": HOST,
    }
    command = [
        sys.executable, "-m", "gunicorn", "project.wsgi:application",
        "--workers", "2", "--worker-class", "sync", "--bind", f"{HOST}:{port}",
        "--access-logfile", str(access), "--access-logformat", "%(p)s %(s)s",
        "--error-logfile", str(errors), "--log-level", "info", "--timeout", "60",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # so stopping it signals its workers and nothing else
    )
    try:
        _wait_until_both_workers_answer(process, port, errors)
        yield f"http://{HOST}:{port}", access
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)


def _wait_until_both_workers_answer(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + BOOT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        booted = log.read_text().count("Booting worker") if log.exists() else 0
        if booted >= 2:
            try:
                with urllib.request.urlopen(f"http://{HOST}:{port}/o/token/", timeout=5):
                    pass
            except urllib.error.HTTPError as exc:
                if exc.code == HTTPStatus.METHOD_NOT_ALLOWED:
                    time.sleep(1.0)  # let the second worker finish importing Django
                    return
            except OSError:
                pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer within {BOOT_SECONDS:.0f} s:\n{log.read_text()[-3000:]}")


def _token(url: str, client, username: str, password: str, client_ip: str) -> tuple[int, dict, str]:
    """One password-grant request through "the proxy"; (status, JSON body, Retry-After)."""
    body = urlencode(
        {
            "grant_type": "password",
            "username": username,
            "password": password,
            "client_id": client.client_id,
            "client_secret": client.secret,
        }
    ).encode()
    request = urllib.request.Request(
        f"{url}/o/token/", data=body, headers={"X-Forwarded-For": client_ip}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response), response.headers.get("Retry-After", "")
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc), exc.headers.get("Retry-After", "")


def _answers(log: Path) -> list[tuple[int, int]]:
    """(worker pid, status) of every answered request, in the access log."""
    lines = log.read_text().split()
    return [
        (int(pid.strip("<>")), int(status))
        for pid, status in zip(lines[::2], lines[1::2], strict=True)
    ]


def test_two_workers_share_the_count_and_both_refuse(
    settings, tmp_path, make_application, make_user
):
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS  # the server's: PBKDF2
    client = make_application()
    user = make_user()

    with gunicorn(settings, tmp_path) as (url, access), ThreadPoolExecutor(2) as pool:

        def both(password: str, client_ip: str) -> list[tuple[int, dict, str]]:
            """Two attempts at once: while one worker hashes, the other accepts the second."""
            return list(
                pool.map(lambda _: _token(url, client, user.username, password, client_ip), [0, 1])
            )

        failures = both("wrong-1", ATTACKER) + both("wrong-2", ATTACKER)
        failures.append(_token(url, client, user.username, "wrong-3", ATTACKER))
        assert [(status, body["error"]) for status, body, _ in failures] == [
            (HTTPStatus.BAD_REQUEST, "invalid_grant")
        ] * LIMIT
        checked_by = {pid for pid, _ in _answers(access)}
        assert len(checked_by) == 2, "both workers should have checked a wrong password"

        # Past the limit, the right password is refused by whichever worker answers.
        refused_by: set[int] = set()
        for _ in range(15):
            for status, body, retry_after in both(PASSWORD, ATTACKER):
                assert status == HTTPStatus.TOO_MANY_REQUESTS, body
                assert body["error"] == "temporarily_unavailable"
                assert 0 < int(retry_after) <= 60
            refused_by = {pid for pid, status in _answers(access) if status == 429}
            if len(refused_by) == 2:
                break
        assert refused_by == checked_by, "each worker must refuse, whichever counted"

        # The account's owner, at another address, is not locked out.
        status, body, _ = _token(url, client, user.username, PASSWORD, OWNER)
        assert status == HTTPStatus.OK, body
        assert body["token_type"] == "Bearer"
