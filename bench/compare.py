"""gqlauth against django-oauth-toolkit + Django REST framework side by side: CPU per request.

    .venv/bin/python bench/compare.py [--rounds R] [--duration S] [--requests N] [--concurrency C]

Serves the same tutorial API twice on 127.0.0.1, each with gunicorn and the same number of sync
workers, on the same Django release, Python, gunicorn, SQLite settings and data (101 users in 10
groups, bench/tutorial_data.py): gqlauth (this project, ``project.settings``) and
django-oauth-toolkit's "Getting started" site (``bench/drf_site``), which runs from its own
virtualenv (made on first use, under ``~/.cache/gqlauth-bench/``, with bench/drf_site's pinned
packages plus this Django and gunicorn; never the project's). Then, R rounds: for each workload,
both servers in turn (the order swaps every round), each for N requests or S seconds from C
client threads, reading the server's CPU time (all its processes, /proc) before and after.
Prints a table of the median CPU milliseconds per request and the ratio DOT+DRF / gqlauth
(above 1: gqlauth costs less), with every round's figures below it.

Exit status: 0 done, 1 setup failed, 2 a server did not start, 3 a measurement had an error.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlencode

from loadgen import Client, Request, Result, run
from machine import describe as describe_machine
from server import Server, ServerStartError

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
LIST_QUERY = "{ users(limit: 100) { username email firstName lastName } }"
DETAIL_QUERY = "query ($id: ID!) { user(id: $id) { username email firstName lastName } }"
GROUPS_QUERY = "{ groups { name } }"
BOGUS = "bogus-" + "x" * 37  # well-formed, unknown


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


# --- clients (one object per load thread) -----------------------------------------------------


class Fixed:
    """The same request every time; ``check`` validates the answer."""

    def __init__(self, request: Request, check: Callable[[int, Any], str | None]) -> None:
        self._request = request
        self._check = check

    def next_request(self) -> Request:
        return self._request

    def check(self, status: int, body: bytes) -> str | None:
        return self._check(status, _json(body))


class RefreshChain:
    """Follows one refresh-token chain; takes a spare token when the chain breaks."""

    def __init__(self, basic: str, spares: list[str]) -> None:
        self._basic = basic
        self._spares = spares  # shared by the threads; list.pop is atomic under the GIL
        self._token: str | None = None

    def next_request(self) -> Request | None:
        if self._token is None:
            try:
                self._token = self._spares.pop()
            except IndexError:
                return None
        return _token_request(
            self._basic, {"grant_type": "refresh_token", "refresh_token": self._token}
        )

    def check(self, status: int, body: bytes) -> str | None:
        answer = _json(body)
        problem = _token_answer(status, answer)
        self._token = answer["refresh_token"] if problem is None else None
        return problem


def _token_request(basic: str, params: dict[str, str]) -> Request:
    return Request(
        "POST",
        "/o/token/",
        urlencode(params).encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {basic}"},
    )


def _token_answer(status: int, answer: Any) -> str | None:
    if status != 200:
        error = answer.get("error") if isinstance(answer, dict) else None
        return f"HTTP {status} {error or ''}".strip()
    if not isinstance(answer, dict) or not answer.get("access_token"):
        return "no access_token"
    if not answer.get("refresh_token"):
        return "no refresh_token"
    return None


def _status(expected: int) -> Callable[[int, Any], str | None]:
    def check(status: int, answer: Any) -> str | None:
        return None if status == expected else f"HTTP {status}, expected {expected}"

    return check


def _rows(
    count: int, unwrap: Callable[[Any], Any], fields: set[str]
) -> Callable[[int, Any], str | None]:
    """A 200 whose unwrapped answer is ``count`` objects (or one, for None) with ``fields``."""

    def check(status: int, answer: Any) -> str | None:
        if status != 200:
            return f"HTTP {status}"
        try:
            rows = unwrap(answer)
        except (KeyError, TypeError, IndexError):
            return "unexpected answer"
        rows = [rows] if isinstance(rows, dict) else rows
        if not isinstance(rows, list) or len(rows) != (count or 1):
            return f"{len(rows) if isinstance(rows, list) else '?'} rows, expected {count or 1}"
        if any(not isinstance(row, dict) or set(row) != fields for row in rows):
            return "unexpected fields"
        return None

    return check


def _graphql(
    query: str, token: str, variables: dict[str, Any] | None = None
) -> tuple[Request, Callable[[Any], Any]]:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def unwrap(answer: Any) -> Any:
        if answer.get("errors"):
            raise KeyError("errors")
        data = answer["data"]
        return next(iter(data.values()))

    return Request("POST", "/graphql/", body, headers), unwrap


def _rest(path: str, token: str | None) -> Request:
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return Request("GET", path, b"", headers)


# --- workloads ------------------------------------------------------------------------------

GQL_USER = {"username", "email", "firstName", "lastName"}
REST_USER = {"username", "email", "first_name", "last_name"}


@dataclass
class Side:
    """One server under test and the credentials its seed printed."""

    name: str
    server: Server
    creds: dict[str, Any]
    spares: list[str] = field(default_factory=list)

    @property
    def basic(self) -> str:
        pair = f"{self.creds['client_id']}:{self.creds['client_secret']}"
        return base64.b64encode(pair.encode()).decode()


@dataclass(frozen=True)
class Workload:
    name: str
    per_100_users: bool  # lists: CPU ms per 100 listed users (DRF's list has 101), not per request
    clients: dict[str, Callable[[Side], Client]]  # side name -> factory of one client


def _workloads() -> list[Workload]:
    def password(side: Side) -> Client:
        params = {
            "grant_type": "password",
            "username": side.creds["username"],
            "password": side.creds["password"],
            "scope": "read write groups",
        }
        return Fixed(_token_request(side.basic, params), lambda s, a: _token_answer(s, a))

    def refresh(side: Side) -> Client:
        return RefreshChain(side.basic, side.spares)

    def gql(query: str, count: int, fields: set[str], variables: Any = None) -> Any:
        def make(side: Side) -> Client:
            values = variables(side) if callable(variables) else variables
            request, unwrap = _graphql(query, side.creds["access_token"], values)
            return Fixed(request, _rows(count, unwrap, fields))

        return make

    def rest(path: Any, count: int, fields: set[str], token: bool = True) -> Any:
        def make(side: Side) -> Client:
            where = path(side) if callable(path) else path
            request = _rest(where, side.creds["access_token"] if token else None)
            return Fixed(request, _rows(count, lambda answer: answer, fields))

        return make

    def detail_id(side: Side) -> Any:
        return side.creds["detail_id"]

    def bogus_gql(side: Side) -> Client:
        request, _ = _graphql(LIST_QUERY, BOGUS)
        return Fixed(request, _status(401))

    def bogus_rest(side: Side) -> Client:
        return Fixed(_rest("/users/", BOGUS), _status(401))

    return [
        Workload("password grant", False, {"drf": password, "gqlauth": password}),
        Workload("refresh grant", False, {"drf": refresh, "gqlauth": refresh}),
        Workload(
            "list 100 users (4 fields), per 100 users",
            True,
            {
                "drf": rest("/users/", 101, REST_USER),
                "bare": rest("/bare/users/", 100, REST_USER, token=False),
                "gqlauth": gql(LIST_QUERY, 100, GQL_USER),
            },
        ),
        Workload(
            "user detail",
            False,
            {
                "drf": rest(lambda side: f"/users/{detail_id(side)}/", 0, REST_USER),
                "gqlauth": gql(DETAIL_QUERY, 0, GQL_USER, lambda s: {"id": detail_id(s)}),
            },
        ),
        Workload(
            "groups (10)",
            False,
            {
                "drf": rest("/groups/", 10, {"name"}),
                "gqlauth": gql(GROUPS_QUERY, 10, {"name"}),
            },
        ),
        Workload("invalid token (401)", False, {"drf": bogus_rest, "gqlauth": bogus_gql}),
    ]


# --- measuring --------------------------------------------------------------------------------

ROWS_LISTED = {"drf": 101, "bare": 100, "gqlauth": 100}


@dataclass
class Cell:
    """Every round's figure for one workload on one side."""

    figures: list[float] = field(default_factory=list)  # CPU ms per request (per 100 users)
    requests: list[int] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.figures) if self.figures else float("nan")


def _measure(
    side: Side, workload: Workload, args: argparse.Namespace, clients: list[Client]
) -> tuple[float, Result]:
    cpu = side.server.cpu_seconds()
    result = run(
        f"{workload.name} {side.name}",
        side.server.port,
        clients,
        requests=args.requests,
        duration=args.duration,
    )
    result.server_cpu = side.server.cpu_seconds() - cpu
    figure = result.cpu_per_request
    if workload.per_100_users:
        figure = figure * 100 / ROWS_LISTED[side.name]
    return figure, result


def _rounds(sides: dict[str, Side], args: argparse.Namespace) -> dict[tuple[str, str], Cell]:
    cells: dict[tuple[str, str], Cell] = {}
    workloads = _workloads()
    # Clients persist across rounds (a refresh chain goes on); one set per workload and side.
    clients = {
        (w.name, name): [make(sides[name]) for _ in range(args.concurrency)]
        for w in workloads
        for name, make in w.clients.items()
    }
    print("warm-up: a few requests of every workload on every server", flush=True)
    for w in workloads:
        for name in w.clients:
            warm = clients[(w.name, name)]
            run("warm-up", sides[name].server.port, warm, requests=2 * len(warm), duration=30)
    for number in range(1, args.rounds + 1):
        print(f"round {number}/{args.rounds}", flush=True)
        for w in workloads:
            order = list(w.clients)
            if number % 2 == 0:
                order.reverse()
            for name in order:
                figure, result = _measure(sides[name], w, args, clients[(w.name, name)])
                cell = cells.setdefault((w.name, name), Cell())
                cell.figures.append(figure)
                cell.requests.append(result.total)
                for label, count in result.errors.items():
                    cell.errors[label] = cell.errors.get(label, 0) + count
                errors = f"  ERRORS {dict(result.errors)}" if result.errors else ""
                print(
                    f"  {w.name:<42} {name:<8} {result.total:>5} requests "
                    f"{figure:>9.2f} ms CPU{errors}",
                    flush=True,
                )
    return cells


def _table(cells: dict[tuple[str, str], Cell]) -> str:
    lines = [
        "| workload | DOT + DRF, CPU ms | gqlauth, CPU ms | ratio DRF / gqlauth |",
        "|---|---:|---:|---:|",
    ]
    for w in _workloads():
        drf, ours = cells[(w.name, "drf")], cells[(w.name, "gqlauth")]
        ratio = drf.median / ours.median
        lines.append(f"| {w.name} | {drf.median:.2f} | {ours.median:.2f} | x{ratio:.2f} |")
        if (w.name, "bare") in cells:
            bare = cells[(w.name, "bare")]
            lines.append(
                f"| same list, bare Django view (one `.values()` query, no auth) | "
                f"{bare.median:.2f} (bare) | {ours.median:.2f} | "
                f"x{bare.median / ours.median:.2f} (bare / gqlauth) |"
            )
    lines.append("(ratio above 1: gqlauth costs less CPU than the other)")
    return "\n".join(lines)


def _rounds_detail(cells: dict[tuple[str, str], Cell]) -> str:
    lines = ["every round (CPU ms; requests in brackets):"]
    for (workload, side), cell in cells.items():
        rounds = ", ".join(
            f"{f:.2f} ({n})" for f, n in zip(cell.figures, cell.requests, strict=True)
        )
        lines.append(f"  {workload:<42} {side:<8} {rounds}")
    return "\n".join(lines)


# --- set-up -----------------------------------------------------------------------------------


def _versions() -> tuple[str, str]:
    from importlib.metadata import version

    return version("django"), version("gunicorn")


def _comparison_venv(path: Path) -> Path:
    """The comparison site's virtualenv: made (once) with bench/drf_site's packages."""
    django, gunicorn = _versions()
    requirements = (BENCH / "drf_site" / "requirements.txt").read_text()
    stamp_text = f"{sys.version}\ndjango=={django}\ngunicorn=={gunicorn}\n{requirements}"
    python = path / "bin" / "python"
    stamp = path / ".gqlauth-bench"
    if python.exists() and stamp.exists() and stamp.read_text() == stamp_text:
        return python
    print(f"making the comparison virtualenv in {path} (once)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(path)], check=True)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"django=={django}",
            f"gunicorn=={gunicorn}",
            "-r",
            str(BENCH / "drf_site" / "requirements.txt"),
        ],
        check=True,
    )
    stamp.write_text(stamp_text)
    return python


def _call(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run a set-up command; its stdout, or RuntimeError with its stderr's tail."""
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:3])} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def _seed(command: list[str], cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run a seed script; the credentials it printed as its last line."""
    creds: dict[str, Any] = json.loads(_call(command, cwd, env).strip().splitlines()[-1])
    return creds


def _package_versions(python: Path, packages: tuple[str, ...]) -> str:
    code = (
        "import sys; from importlib.metadata import version as v; "
        "print(', '.join(f'{p} {v(p)}' for p in sys.argv[1:]))"
    )
    return subprocess.run(
        [str(python), "-c", code, *packages], capture_output=True, text=True, check=True
    ).stdout.strip()


def _load_average() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per measurement")
    parser.add_argument("--requests", type=int, default=500, help="requests per measurement")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument(
        "--venv",
        type=Path,
        default=Path.home() / ".cache" / "gqlauth-bench" / "drf-venv",
        help="the comparison site's virtualenv (made when missing or stale)",
    )
    args = parser.parse_args(argv)
    if min(args.rounds, args.requests, args.concurrency, args.workers) < 1 or args.duration <= 0:
        parser.error("every count and the duration must be positive")
    signal.signal(signal.SIGTERM, _interrupt)

    try:
        drf_python = _comparison_venv(args.venv)
    except subprocess.CalledProcessError as exc:
        print(f"compare: making the comparison virtualenv failed: {exc}", file=sys.stderr)
        return 1
    print(f"machine: {describe_machine()}; load average {_load_average()} before the run")
    shared = ("django", "gunicorn", "oauthlib")
    ours_packages = ("strawberry-graphql",)
    theirs_packages = ("django-oauth-toolkit", "djangorestframework")
    print(f"gqlauth: {_package_versions(Path(sys.executable), shared + ours_packages)}")
    print(f"DOT+DRF: {_package_versions(drf_python, shared + theirs_packages)}")

    spares = args.concurrency * (args.rounds + 2) + 8
    with tempfile.TemporaryDirectory(prefix="gqlauth-compare-") as tmp:
        key = secrets.token_urlsafe(50)
        base = {**os.environ, "DEBUG": "0", "SECRET_KEY": key, "PYTHONDONTWRITEBYTECODE": "1"}
        base.pop("DATABASE_URL", None)
        ours_env = {
            **base,
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "DATABASE_URL": f"sqlite:///{Path(tmp) / 'gqlauth.sqlite3'}",
            "ALLOWED_HOSTS": "127.0.0.1",
            "OAUTH2_ISSUER": "http://127.0.0.1",
        }
        drf_env = {
            **base,
            "DJANGO_SETTINGS_MODULE": "drf_site.settings",
            "DRF_DATABASE": str(Path(tmp) / "drf.sqlite3"),
        }
        python = sys.executable
        try:
            _call([python, "manage.py", "migrate", "--noinput", "-v0"], REPO, ours_env)
            ours = _seed(
                [python, str(BENCH / "compare_seed.py"), "--refresh-tokens", str(spares)],
                REPO,
                ours_env,
            )
            theirs = _seed(
                [str(drf_python), "drf_site/seed.py", "--refresh-tokens", str(spares)],
                BENCH,
                drf_env,
            )
        except (RuntimeError, subprocess.TimeoutExpired, ValueError, IndexError) as exc:
            print(f"compare: setup failed: {exc}", file=sys.stderr)
            return 1

        servers: list[Server] = []
        try:
            try:
                servers.append(
                    Server.start(
                        repo=REPO,
                        env=ours_env,
                        workers=args.workers,
                        log=Path(tmp) / "gqlauth.log",
                        prefer="gunicorn",
                    )
                )
                servers.append(
                    Server.start(
                        repo=BENCH,
                        env=drf_env,
                        workers=args.workers,
                        log=Path(tmp) / "drf.log",
                        prefer="gunicorn",
                        python=str(drf_python),
                        app="drf_site.wsgi:application",
                    )
                )
            except ServerStartError as exc:
                print(f"compare: a server failed to start: {exc}", file=sys.stderr)
                return 2
            ours_server, drf_server = servers
            sides = {
                "gqlauth": Side("gqlauth", ours_server, ours, list(ours["refresh_tokens"])),
                "drf": Side("drf", drf_server, theirs, list(theirs["refresh_tokens"])),
                "bare": Side("bare", drf_server, theirs),
            }
            print(
                f"servers: gunicorn, {args.workers} sync workers each, DEBUG off, SQLite "
                f"(WAL, synchronous=NORMAL) in {tmp}; load: {args.concurrency} clients, "
                f"{args.requests} requests or {args.duration:g} s per measurement, "
                f"{args.rounds} rounds\n",
                flush=True,
            )
            started = time.monotonic()
            cells = _rounds(sides, args)
            print(f"\n{_rounds_detail(cells)}")
            print(
                f"\nmedian of {args.rounds} rounds, server CPU (user + system, all its "
                f"processes) per request; {time.monotonic() - started:.0f} s; load average "
                f"{_load_average()} after the run:\n"
            )
            print(_table(cells))
            failed = {k: c.errors for k, c in cells.items() if c.errors}
            if failed:
                print(f"\nerrors: {failed}")
                for side in servers:
                    print(f"\nlast lines of a server log:\n{side.log_tail(15)}")
                return 3
        finally:
            for side in servers:
                side.stop()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("compare: interrupted; the servers were stopped", file=sys.stderr)
        sys.exit(130)
