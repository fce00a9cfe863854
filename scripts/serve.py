"""Serve the project in production mode: what ``make serve`` runs.

    SECRET_KEY=... ALLOWED_HOSTS=auth.example.com OAUTH2_ISSUER=https://auth.example.com \\
        python scripts/serve.py [--bind HOST:PORT] [--workers N]

1. Refuses to start, with one message naming every missing variable, unless ``SECRET_KEY``,
   ``ALLOWED_HOSTS`` and ``OAUTH2_ISSUER`` are set in the environment (exit status 2).
2. Runs with ``DEBUG=0``, whatever the environment says.
3. Runs ``manage.py check --deploy`` (an error stops start-up; warnings are printed: with no
   TLS-terminating proxy configured, the four about HTTPS), ``migrate`` and ``collectstatic``.
4. Replaces itself with gunicorn: N sync workers (``--workers``, else ``WEB_CONCURRENCY``, else
   2 per core plus one) forked from a master that loaded ``project.wsgi`` once (``--preload``),
   on ``--bind`` (default 127.0.0.1:8000), with the access log on stdout.

The database is ``DATABASE_URL`` (a SQLite file next to ``manage.py`` when unset), as for every
other command. Workers keep no state of their own: run as many hosts as needed against one
database (README, "Serving in production").
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

REQUIRED = {
    "SECRET_KEY": "a long random string, the same on every host, e.g. the output of "
    "python -c 'import secrets; print(secrets.token_urlsafe(50))'",
    "ALLOWED_HOSTS": "the host names this server answers to, comma separated, "
    "e.g. auth.example.com",
    "OAUTH2_ISSUER": "the public URL of the server, e.g. https://auth.example.com",
}


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
    if args.check_env:
        return 0
    workers = args.workers if args.workers is not None else default_workers(os.environ)
    if workers < 1:
        parser.error("--workers must be positive")
    os.environ["DEBUG"] = "0"
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
