"""Serve the project in production mode: what ``make serve`` runs.

    SECRET_KEY=... ALLOWED_HOSTS=auth.example.com \\
        python scripts/serve.py [--bind HOST:PORT] [--workers N]

1. Refuses to start, with one message naming every missing variable, unless ``SECRET_KEY`` and
   ``ALLOWED_HOSTS`` are set in the environment (exit status 2).
2. Takes the issuer from ``OAUTH2_ISSUER`` when it is set; otherwise derives it from the first
   ``ALLOWED_HOSTS`` entry (:func:`derived_issuer`: ``https://<host>``, or
   ``http://<host>:<port of --bind>`` for a loopback host), prints one line naming it, and sets
   ``OAUTH2_ISSUER`` for everything it starts. A wildcard first entry (``*``, ``.example.com``)
   names no issuer: it refuses then, asking for ``OAUTH2_ISSUER`` (exit status 2).
   ``--check-env`` stops after these two steps.
3. Runs with ``DEBUG=0``, whatever the environment says.
4. Runs ``manage.py check --deploy`` (an error stops start-up; warnings are printed: with no
   TLS-terminating proxy configured, the four about HTTPS), ``migrate`` and ``collectstatic``.
5. Replaces itself with gunicorn: N sync workers (``--workers``, else ``WEB_CONCURRENCY``, else
   2 per core plus one) forked from a master that loaded ``project.wsgi`` once (``--preload``),
   on ``--bind`` (default 127.0.0.1:8000), with the access log on stdout.

The database is ``DATABASE_URL`` (a SQLite file next to ``manage.py`` when unset), as for every
other command. Workers keep no state of their own: run as many hosts as needed against one
database (README, "Serving in production").
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

REQUIRED = {
    "SECRET_KEY": "a long random string, the same on every host, e.g. the output of "
    "python -c 'import secrets; print(secrets.token_urlsafe(50))'",
    "ALLOWED_HOSTS": "the host names this server answers to, comma separated, "
    "e.g. auth.example.com",
}
ISSUER_HINT = "the public URL of the server, e.g. https://auth.example.com"
# The hosts that an issuer may name over plain http (system check gqlauth.E012): this machine.
# IPv6 as a URL writes it, which is how ALLOWED_HOSTS must list it too (Django compares the
# Host header's "[::1]").
LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]"})
# gunicorn's --bind: HOST, HOST:PORT or [IPv6]:PORT (port 8000 when left out); unix:PATH and
# fd://N do not match, as they have no port.
BIND = re.compile(r"(\[[^\]]*\]|[^:]*)(?::(\d+))?")


class NoIssuerError(ValueError):
    """The issuer cannot be derived; the message (serve's refusal) asks for ``OAUTH2_ISSUER``."""


def missing_settings(environ: Mapping[str, str]) -> str | None:
    """The refusal message when a required variable is unset or empty, else None."""
    missing = [name for name in REQUIRED if not environ.get(name, "").strip()]
    if not missing:
        return None
    lines = [
        f"serve: set {', '.join(missing)} in the environment (production mode runs with DEBUG off):"
    ]
    lines += [f"  {name}: {REQUIRED[name]}" for name in missing]
    return "\n".join(lines)


def _refusal(reason: str) -> NoIssuerError:
    return NoIssuerError(
        f"serve: set OAUTH2_ISSUER in the environment: {reason}:\n  OAUTH2_ISSUER: {ISSUER_HINT}"
    )


def derived_issuer(allowed_hosts: str, bind: str) -> str:
    """The issuer for ``ALLOWED_HOSTS`` (its raw, comma-separated value) when none is set.

    From the first entry, lower-cased: ``https://<host>`` for a host name or a non-loopback
    address, since production sits behind a TLS-terminating proxy whose public name that is;
    ``http://<host>:<port>`` for a loopback host (127.0.0.1, ``localhost``, ``::1`` or
    ``[::1]``, written ``[::1]`` in the URL), where clients on this machine reach gunicorn
    directly over plain http on ``bind``'s port (gqlauth.E012 allows http for loopback hosts
    only). Raises :class:`NoIssuerError` when the first entry is a wildcard (``*``, or a leading
    ``.``), which names no single host, when there is no entry, and for a loopback host when
    ``bind`` has no port (``unix:PATH``, ``fd://N``).
    """
    hosts = [entry.strip().lower() for entry in allowed_hosts.split(",") if entry.strip()]
    if not hosts:
        raise _refusal("ALLOWED_HOSTS names no host")
    host = hosts[0]
    if host == "*" or host.startswith("."):
        raise _refusal(
            f"the first ALLOWED_HOSTS entry, {host!r}, is a wildcard and names no host to "
            "derive the issuer from"
        )
    if host.count(":") > 1 and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address, bracketed as in a URL
    if host not in LOOPBACK:
        return f"https://{host}"
    match = BIND.fullmatch(bind)
    if match is None:
        raise _refusal(f"the loopback host {host} is served on {bind}, which has no port")
    return f"http://{host}:{match.group(2) or '8000'}"


def choose_issuer(environ: Mapping[str, str], bind: str) -> tuple[str, str | None]:
    """The issuer to serve with, and the line announcing it when it was derived (else None).

    A non-blank ``OAUTH2_ISSUER`` always wins, as given (the system checks judge it at
    start-up); otherwise :func:`derived_issuer` from ``ALLOWED_HOSTS``, which may raise
    :class:`NoIssuerError`.
    """
    configured = environ.get("OAUTH2_ISSUER", "").strip()
    if configured:
        return configured, None
    issuer = derived_issuer(environ.get("ALLOWED_HOSTS", ""), bind)
    return issuer, (
        f"serve: issuer {issuer}, from the first ALLOWED_HOSTS entry "
        "(set OAUTH2_ISSUER to choose another)"
    )


def default_workers(environ: Mapping[str, str]) -> int:
    """``WEB_CONCURRENCY`` when set, else gunicorn's rule of thumb: 2 per core plus one."""
    configured = environ.get("WEB_CONCURRENCY", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return 2 * (os.cpu_count() or 1) + 1


def _has_control_socket() -> bool:
    """gunicorn 25.1+ opens a control socket at one path per user by default."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        major, minor = (int(part) for part in version("gunicorn").split(".")[:2])
    except (PackageNotFoundError, ValueError):
        return False
    return (major, minor) >= (25, 1)


def gunicorn_command(bind: str, workers: int) -> list[str]:
    """The gunicorn command line (the load tests start the same one)."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "project.wsgi:application",
        "--chdir",
        str(ROOT),
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        # Load the application once, in the master, then fork the workers: they boot at once
        # and share its memory until they write to it, and an application that fails to load
        # stops the server with its error instead of a loop of failing workers.
        "--preload",
        "--access-logfile",
        "-",
    ]
    if _has_control_socket():
        # Its default path is shared by every gunicorn of the user: a second server on the
        # host would take it over. Nothing here uses it.
        command.append("--no-control-socket")
    return command


def prepare() -> None:
    """System checks with the deployment checks, migrations, static files."""
    import django
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError
    from django.db import connections

    django.setup()
    try:
        call_command("check", deploy=True, fail_level="ERROR")
    except SystemCheckError as error:
        sys.exit(f"serve: the system checks failed:\n{error}")
    call_command("migrate", interactive=False, verbosity=1)
    call_command("collectstatic", interactive=False, verbosity=0)
    connections.close_all()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve gqlauth in production mode (gunicorn).")
    parser.add_argument("--bind", default="127.0.0.1:8000", help="HOST:PORT (default %(default)s)")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn sync workers")
    parser.add_argument(
        "--check-env", action="store_true", help="only check the environment, then exit"
    )
    args = parser.parse_args(argv)
    problem = missing_settings(os.environ)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    try:
        issuer, announcement = choose_issuer(os.environ, args.bind)
    except NoIssuerError as refusal:
        print(refusal, file=sys.stderr)
        return 2
    if args.check_env:
        return 0
    workers = args.workers if args.workers is not None else default_workers(os.environ)
    if workers < 1:
        parser.error("--workers must be positive")
    os.environ["DEBUG"] = "0"
    # The settings, and every worker gunicorn forks, read the issuer from here.
    os.environ["OAUTH2_ISSUER"] = issuer
    if announcement:
        print(announcement, flush=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    prepare()
    command = gunicorn_command(args.bind, workers)
    print(f"serve: gunicorn, {workers} workers, http://{args.bind}/", flush=True)
    sys.stderr.flush()
    os.execv(command[0], command)  # noqa: S606 (a fixed argument list, no shell)


if __name__ == "__main__":
    sys.exit(main())
