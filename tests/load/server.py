"""Start, probe and kill a gunicorn server on the test database (``gunicorn_server``'s parts).

:func:`start_gunicorn` runs scripts/serve.py's gunicorn command line (what ``make serve`` runs)
on a free loopback port with the test database's ``DATABASE_URL`` and the test process's
``SECRET_KEY``; :class:`GunicornServer` waits for it, finds its workers in /proc and kills its
process group.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.db import connection

from scripts.serve import gunicorn_command

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def database_url(settings_dict: Mapping[str, Any]) -> str:
    """A ``DATABASE_URL`` naming the database of ``settings_dict`` (the test database)."""
    engine = settings_dict["ENGINE"]
    name = str(settings_dict["NAME"])
    if engine == "django.db.backends.sqlite3":
        if name == ":memory:" or name.startswith("file:"):
            raise RuntimeError(
                "a server in another process needs a file test database; "
                "project/settings.py names one in DATABASES['default']['TEST']"
            )
        return f"sqlite:///{name}"
    if engine == "django.db.backends.postgresql":
        user = quote(settings_dict.get("USER") or "", safe="")
        password = quote(settings_dict.get("PASSWORD") or "", safe="")
        credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "localhost"
        port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
        return f"postgres://{credentials}{host}{port}/{quote(name, safe='')}"
    raise RuntimeError(f"no DATABASE_URL form for {engine}")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields 3 (state) and 4 (ppid) follow the parenthesised command name, which may hold
        # spaces; an exited child not yet reaped is a zombie ("Z").
        state, ppid = stat.rpartition(")")[2].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.append(int(entry.name))
    return found


class ServerStartError(RuntimeError):
    """The server exited or did not answer in time; the message carries its log's tail."""


@dataclass
class GunicornServer:
    process: subprocess.Popen[bytes]
    port: int
    workers: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def wait_ready(self, timeout: float) -> None:
        """Until the token endpoint answers (GET: 405) and every worker has booted."""
        deadline = time.monotonic() + timeout
        answered = False
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerStartError(
                    f"gunicorn exited with code {self.process.returncode}:\n{self.log_tail()}"
                )
            if not answered:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
                try:
                    conn.request("GET", "/o/token/")
                    status = conn.getresponse().status
                except (OSError, http.client.HTTPException):
                    time.sleep(0.2)
                    continue
                finally:
                    conn.close()
                if status != 405:
                    raise ServerStartError(
                        f"GET /o/token/ answered {status}, expected 405:\n{self.log_tail()}"
                    )
                answered = True
            if len(self.worker_pids()) >= self.workers:
                return
            time.sleep(0.2)
        raise ServerStartError(f"gunicorn was not ready within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGKILL the server's process group, then reap the master. Idempotent.

        A test server has nothing to save (the test database outlives it, and both databases
        survive a killed client), while gunicorn's orderly exit takes seconds: each worker
        tears down the heap it shares with the preloading master, copying it page by page.
        """
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def server_environment(port: int, settings: Any) -> dict[str, str]:
    """The environment of a server on the test database, with the test process's keys."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "OAUTH2_ISSUER")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.load.server_settings",
        DATABASE_URL=database_url(connection.settings_dict),
        SECRET_KEY=settings.SECRET_KEY,
        DEBUG="0",
        ALLOWED_HOSTS=HOST,
        OAUTH2_ISSUER=f"http://{HOST}:{port}",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def start_gunicorn(
    settings: Any,
    log: Path,
    workers: int = 3,
    timeout: float = 90.0,
    extra_env: dict[str, str] | None = None,
) -> GunicornServer:
    """Start gunicorn as ``make serve`` does (its command line) on the test database."""
    port = free_port()
    command = [
        *gunicorn_command(f"{HOST}:{port}", workers),
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
    ]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**server_environment(port, settings), **(extra_env or {})},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = GunicornServer(process, port, workers, log)
    try:
        server.wait_ready(timeout)
    except BaseException:
        server.stop()
        raise
    return server
