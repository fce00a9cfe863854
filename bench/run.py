"""Benchmark gqlauth over real HTTP: GraphQL queries and the token endpoint's grants.

    .venv/bin/python bench/run.py [--requests N] [--concurrency C] [--duration S] [--workers W]

Builds a throwaway SQLite database in a temporary directory (``manage.py migrate`` and
``bench/seed.py``), starts gunicorn (sync workers; ``runserver --noreload`` without gunicorn) on
127.0.0.1 with ``DEBUG=0``, drives each bench with C client threads until N requests or S
seconds, whichever comes first, prints a table, then stops the server and deletes the directory.

Exit status: 0 when every bench ran, 1 when setup failed, 2 when the server did not start,
3 when a bench had no successful request.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlencode

from loadgen import Client, Request, Result, run
from machine import describe as describe_machine
from server import Server, ServerStartError

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent

ME_QUERY = "{ me { scopes } }"
USERS_QUERY = "{ users(limit: 50) { username groups { name } } }"


# --- clients: one object per load thread -------------------------------------------------------


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


class GraphQLClient:
    """POSTs one query with the bearer token; ``expect`` checks the ``data`` object."""

    def __init__(self, query: str, access_token: str, expect: Callable[[Any], bool]) -> None:
        self._request = Request(
            "POST",
            "/graphql/",
            json.dumps({"query": query}).encode(),
            {"Content-Type": "application/json", "Authorization": f"Bearer {access_token}"},
        )
        self._expect = expect

    def next_request(self) -> Request:
        return self._request

    def check(self, status: int, body: bytes) -> str | None:
        if status != 200:
            return f"HTTP {status}"
        answer = _json(body)
        if not isinstance(answer, dict):
            return "not JSON"
        if answer.get("errors"):
            return f"GraphQL error: {answer['errors'][0].get('message', '?')}"
        return None if self._expect(answer.get("data")) else "unexpected data"


class TokenClient:
    """POSTs a fixed grant to ``/o/token/`` with HTTP Basic client authentication."""

    def __init__(self, basic: str, params: dict[str, str]) -> None:
        self._basic = basic
        self._params = params

    def _token_request(self, params: dict[str, str]) -> Request:
        return Request(
            "POST",
            "/o/token/",
            urlencode(params).encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Authorization": f"Basic {self._basic}",
            },
        )

    def next_request(self) -> Request | None:
        return self._token_request(self._params)

    def check(self, status: int, body: bytes) -> str | None:
        answer = _json(body)
        if status != 200:
            error = answer.get("error") if isinstance(answer, dict) else None
            return f"HTTP {status} {error or ''}".strip()
        if not isinstance(answer, dict) or not answer.get("access_token"):
            return "no access_token"
        return None


class RefreshClient(TokenClient):
    """Follows one refresh-token chain: each answer's rotated token is the next request's.

    When a chain breaks (an error answer), the client takes a fresh token from ``spares``.
    """

    def __init__(self, basic: str, token: str, spares: list[str]) -> None:
        super().__init__(basic, {})
        self._token: str | None = token
        self._spares = spares  # shared; list.pop is atomic under the GIL

    def next_request(self) -> Request | None:
        if self._token is None:
            try:
                self._token = self._spares.pop()
            except IndexError:
                return None
        return self._token_request({"grant_type": "refresh_token", "refresh_token": self._token})

    def check(self, status: int, body: bytes) -> str | None:
        problem = super().check(status, body)
        answer = _json(body)
        new = answer.get("refresh_token") if isinstance(answer, dict) else None
        self._token = new if problem is None and isinstance(new, str) else None
        if problem is None and self._token is None:
            return "no refresh_token"
        return problem


# --- benches ---------------------------------------------------------------------------------


def _benches(creds: dict[str, Any]) -> dict[str, tuple[str, Callable[[], Client]]]:
    """Name -> (description, factory of one client)."""
    basic = base64.b64encode(f"{creds['client_id']}:{creds['client_secret']}".encode()).decode()
    access = creds["access_token"]
    spares: list[str] = list(creds["refresh_tokens"])

    def refresh_client() -> Client:
        if not spares:
            raise SystemExit("bench: not enough refresh tokens seeded for this concurrency")
        return RefreshClient(basic, spares.pop(), spares)

    return {
        "me": (
            f"GraphQL {ME_QUERY}",
            lambda: GraphQLClient(ME_QUERY, access, lambda d: bool(d and d["me"]["scopes"])),
        ),
        "users": (
            f"GraphQL {USERS_QUERY}",
            lambda: GraphQLClient(USERS_QUERY, access, lambda d: bool(d and len(d["users"]) == 50)),
        ),
        "password": (
            "POST /o/token/ grant_type=password (PBKDF2 password check)",
            lambda: TokenClient(
                basic,
                {
                    "grant_type": "password",
                    "username": creds["username"],
                    "password": creds["password"],
                    "scope": "read write groups",
                },
            ),
        ),
        "client_credentials": (
            "POST /o/token/ grant_type=client_credentials",
            lambda: TokenClient(basic, {"grant_type": "client_credentials", "scope": "read"}),
        ),
        "refresh": ("POST /o/token/ grant_type=refresh_token (rotation)", refresh_client),
    }


# --- setup and report -------------------------------------------------------------------------


def _setup(env: dict[str, str], refresh_tokens: int) -> dict[str, Any]:
    """Migrate and seed; returns the seed's credentials and ``database`` (the journal mode)."""
    python = sys.executable
    for command in (
        [python, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        [python, str(BENCH / "seed.py"), "--refresh-tokens", str(refresh_tokens)],
    ):
        done = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command[1:3])} failed:\n{done.stderr[-3000:]}")
    creds: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return creds


def _cpu_busy(seconds: float = 1.0) -> float:
    """Fraction of all cores' time spent not idle over ``seconds``, from /proc/stat."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
        return sum(fields), fields[3] + fields[4]  # idle + iowait

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return 0.0
    total = total1 - total0
    return 1 - (idle1 - idle0) / total if total else 0.0


def _mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def _print_table(results: list[Result]) -> None:
    header = (
        f"| {'bench':<18} | {'ok':>6} | {'errors':>6} | {'req/s':>8} "
        f"| {'p50 ms':>7} | {'p95 ms':>7} | {'p99 ms':>7} | {'CPU ms/req':>10} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    for r in results:
        print(
            f"| {r.name:<18} | {r.ok:>6} | {r.total - r.ok:>6} | {r.rate:>8.1f} "
            f"| {r.percentile(50):>7.1f} | {r.percentile(95):>7.1f} | {r.percentile(99):>7.1f} "
            f"| {r.cpu_per_request:>10.1f} |"
        )
    for r in results:
        for label, count in r.errors.most_common():
            print(f"  {r.name}: {count} x {label}")


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _run_benches(server: Server, creds: dict[str, Any], args: argparse.Namespace) -> list[Result]:
    benches = _benches(creds)
    results: list[Result] = []
    for name in args.bench or list(benches):
        description, make = benches[name]
        print(f"{name}: {description}", flush=True)
        clients = [make() for _ in range(args.concurrency)]
        # Warm-up: every worker loads the URLconf, schema and oauthlib server lazily.
        run(
            name,
            server.port,
            clients,
            requests=max(4 * server.workers, args.concurrency),
            duration=10,
        )
        cpu = server.cpu_seconds()
        result = run(name, server.port, clients, requests=args.requests, duration=args.duration)
        result.server_cpu = server.cpu_seconds() - cpu
        results.append(result)
    return results


def _print_memory(
    server: Server, idle: dict[int, tuple[int, int]], peak: dict[int, tuple[int, int]]
) -> None:
    print("\nserver memory (from /proc/PID/status; peak = VmHWM, the process's high-water RSS):")
    for pid, (_, hwm) in sorted(peak.items()):
        role = "master" if pid == server.process.pid and server.kind == "gunicorn" else "worker"
        before = idle.get(pid, (0, 0))[0]
        print(f"  pid {pid} {role:<6}: RSS after start {_mib(before)}, peak {_mib(hwm)}")
    print(f"  sum of peaks: {_mib(sum(h for _, h in peak.values()))}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark gqlauth over HTTP on 127.0.0.1.")
    parser.add_argument("--requests", type=int, default=2000, help="per bench (default 2000)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per bench cap")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--server", choices=["auto", "gunicorn", "runserver"], default="auto")
    parser.add_argument(
        "--bench",
        action="append",
        choices=["me", "users", "password", "client_credentials", "refresh"],
        help="run only these (repeatable); default all",
    )
    args = parser.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1 or args.duration <= 0 or args.workers < 1:
        parser.error("--requests, --concurrency, --workers and --duration must be positive")
    signal.signal(signal.SIGTERM, _interrupt)
    # Measured before our own setup and server boot, over one second: the load average would
    # still count earlier runs for minutes.
    busy = _cpu_busy()
    print(f"machine: {describe_machine()}, CPU {busy:.0%} busy before setup")
    if busy > 0.15:
        print("warning: other processes keep this machine busy; figures will be low and noisy")

    with tempfile.TemporaryDirectory(prefix="gqlauth-bench-") as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            # Required with DEBUG off (gqlauth.E011); no bench reads it.
            "OAUTH2_ISSUER": "http://127.0.0.1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        try:
            creds = _setup(env, refresh_tokens=args.concurrency * 2 + 8)
        except (RuntimeError, subprocess.TimeoutExpired, ValueError) as exc:
            print(f"bench: setup failed: {exc}", file=sys.stderr)
            return 1
        log = Path(tmp) / "server.log"
        try:
            server = Server.start(
                repo=REPO, env=env, workers=args.workers, log=log, prefer=args.server
            )
        except ServerStartError as exc:
            print(f"bench: the server failed to start: {exc}", file=sys.stderr)
            return 2
        try:
            idle = server.memory()
            print(
                f"server:  {server.kind}, {server.workers} worker(s), DEBUG=0, "
                f"{creds['database']} in {tmp}\n"
                f"load:    {args.concurrency} clients, up to {args.requests} requests "
                f"or {args.duration:g} s per bench, after a warm-up\n"
            )
            results = _run_benches(server, creds, args)
            peak = server.memory()
            print()
            _print_table(results)
            _print_memory(server, idle, peak)
            if any(r.errors for r in results):
                print(f"\nlast lines of the server log:\n{server.log_tail(15)}")
        finally:
            server.stop()
    return 3 if any(r.ok == 0 for r in results) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("bench: interrupted; the server was stopped", file=sys.stderr)
        sys.exit(130)
