"""Benchmark ``manage.py cleartokens`` on a million expired tokens: time, progress, peak memory.

    .venv/bin/python bench/cleartokens.py [--expired N] [--revoked N] [--live N] [--batch-size B]

Makes a throwaway SQLite database in a temporary directory (``manage.py migrate``, the project's
own SQLite settings), bulk-inserts N expired tokens (60 % access tokens past their expiry, 40 %
refresh tokens past the idle limit), revoked refresh tokens of ended families (families of 5),
and live rows that must survive (live access tokens, and live refresh families each holding two
rotated members, which are kept to recognise a replay), then runs ``manage.py cleartokens`` as a
child process, relays its progress lines with the elapsed time, and prints its wall time, CPU
time and peak resident memory (from ``wait4``), next to the peak of a second run that finds
nothing to delete: the difference is what the million rows cost in memory. Checks that exactly
the live rows are left. The directory is removed on every exit.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from machine import describe as describe_machine

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CHUNK = 50_000  # rows per executemany and per transaction while filling
FAMILY = 5  # revoked refresh tokens per ended family


# --- filling (in a child process with Django set up) ------------------------------------------


def _fill(expired: int, revoked: int, live: int) -> dict[str, int]:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from gqlauth import digests
    from gqlauth.models import AccessToken, Application, ClientType, GrantType, RefreshToken

    user = get_user_model().objects.create_user("bench", password=None)
    app = Application(
        client_id=digests.new_client_id(),
        name="bench",
        user=user,
        client_type=ClientType.CONFIDENTIAL,
        grant_types=[GrantType.PASSWORD],
    )
    app.set_client_secret(digests.new_client_secret())
    app.save()

    now = datetime.now(UTC)

    def when(delta: timedelta) -> Any:
        return connection.ops.adapt_datetimefield_value(now + delta)

    counter = iter(range(10**12))

    def digest() -> str:
        return f"{next(counter):064x}"  # unique; nothing ever looks these up

    fingerprint = digests.password_fingerprint(user.password)

    def access_rows(count: int, expires: timedelta) -> Iterator[tuple[Any, ...]]:
        created, ends = when(expires - timedelta(hours=10)), when(expires)
        for _ in range(count):
            yield (digest(), user.pk, app.pk, "read", fingerprint, created, ends)

    def refresh_rows(
        count: int, age: timedelta, *, revoked: bool, family_size: int
    ) -> Iterator[tuple[Any, ...]]:
        created = when(-age)
        revoked_at = when(-age + timedelta(minutes=1)) if revoked else None
        family = uuid.uuid4().hex
        for i in range(count):
            if i % family_size == 0:
                family = uuid.uuid4().hex
            yield (
                digest(),
                user.pk,
                app.pk,
                "read",
                fingerprint,
                created,
                None,
                family,
                created,
                revoked_at,
            )

    def live_families(count: int) -> Iterator[tuple[Any, ...]]:
        """Each family: two rotated (revoked) members and a live head."""
        created = when(-timedelta(hours=1))
        for i in range(count):
            if i % 3 == 0:
                family = uuid.uuid4().hex
            yield (
                digest(),
                user.pk,
                app.pk,
                "read",
                fingerprint,
                created,
                None,
                family,
                created,
                created if i % 3 < 2 else None,
            )

    def insert(model: Any, rows: Iterator[tuple[Any, ...]]) -> int:
        columns = [f.column for f in model._meta.concrete_fields if f.column != "id"]
        sql = (
            f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
            f"VALUES ({', '.join('%s' for _ in columns)})"
        )
        total = 0
        while True:
            chunk = [row for _, row in zip(range(CHUNK), rows, strict=False)]
            if not chunk:
                return total
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, chunk)
            total += len(chunk)

    expired_access = expired * 6 // 10
    live_access, live_refresh = live // 2, live - live // 2 - (live - live // 2) % 3
    return {
        "expired access tokens": insert(AccessToken, access_rows(expired_access, -timedelta(1))),
        "expired refresh tokens": insert(
            RefreshToken,
            refresh_rows(
                expired - expired_access, timedelta(days=40), revoked=False, family_size=1
            ),
        ),
        "revoked refresh tokens of ended families": insert(
            RefreshToken,
            refresh_rows(revoked, timedelta(hours=2), revoked=True, family_size=FAMILY),
        ),
        "live access tokens (kept)": insert(AccessToken, access_rows(live_access, timedelta(1))),
        "refresh tokens of live families (kept)": insert(RefreshToken, live_families(live_refresh)),
    }


# --- the run ---------------------------------------------------------------------------------


def _run(command: list[str], env: dict[str, str], relay: bool) -> tuple[float, float, int, str]:
    """Run ``command``; (wall s, CPU s, peak RSS KiB, output), relaying lines with timestamps."""
    start = time.monotonic()
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if relay:
            print(f"  [{time.monotonic() - start:7.1f} s] {line.rstrip()}", flush=True)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - start
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:3])} failed:\n{''.join(lines)[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, "".join(lines)


def _count_left(env: dict[str, str]) -> dict[str, int]:
    code = (
        "import django, json; django.setup()\n"
        "from gqlauth.models import AccessToken, RefreshToken\n"
        "print(json.dumps({'access': AccessToken.objects.count(), "
        "'refresh': RefreshToken.objects.count()}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    counts: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--expired", type=int, default=1_000_000, help="expired tokens")
    parser.add_argument(
        "--revoked", type=int, default=100_000, help="revoked refresh tokens of ended families"
    )
    parser.add_argument("--live", type=int, default=10_000, help="live rows, kept")
    parser.add_argument("--batch-size", type=int, default=None, help="cleartokens --batch-size")
    parser.add_argument("--fill", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.expired, args.revoked, args.live) < 0:
        parser.error("counts must not be negative")
    if args.fill:
        sys.path.insert(0, str(REPO))
        print(json.dumps(_fill(args.expired, args.revoked, args.live)))
        return 0

    print(f"machine: {describe_machine()}")
    with tempfile.TemporaryDirectory(prefix="gqlauth-cleartokens-") as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "OAUTH2_ISSUER": "http://127.0.0.1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        python = sys.executable
        _run([python, "manage.py", "migrate", "--noinput", "-v0"], env, relay=False)
        start = time.monotonic()
        fill = [python, str(Path(__file__).resolve()), "--fill"]
        fill += ["--expired", str(args.expired), "--revoked", str(args.revoked)]
        fill += ["--live", str(args.live)]
        _, _, _, output = _run(fill, env, relay=False)
        inserted: dict[str, int] = json.loads(output.strip().splitlines()[-1])
        size = (Path(tmp) / "bench.sqlite3").stat().st_size
        print(f"inserted in {time.monotonic() - start:.1f} s ({size / 2**20:.0f} MiB database):")
        for label, count in inserted.items():
            print(f"  {count:>9,} {label}")

        clear = [python, "manage.py", "cleartokens"]
        if args.batch_size is not None:
            clear += ["--batch-size", str(args.batch_size)]
        print(f"\n$ {' '.join(clear[1:])}")
        wall, cpu, peak, _ = _run(clear, env, relay=True)
        _, _, idle_peak, _ = _run(clear, env, relay=False)
        left = _count_left(env)

    deleted = sum(n for label, n in inserted.items() if "kept" not in label)
    kept = sum(n for label, n in inserted.items() if "kept" in label)
    print(
        f"\ncleartokens: {deleted:,} rows deleted in {wall:.1f} s "
        f"({deleted / wall:,.0f} rows/s), {cpu:.1f} s of CPU"
    )
    print(
        f"peak RSS: {peak / 1024:.0f} MiB; a run with nothing to delete: "
        f"{idle_peak / 1024:.0f} MiB (+{(peak - idle_peak) / 1024:.0f} MiB for the rows)"
    )
    print(f"left: {left['access']:,} access + {left['refresh']:,} refresh tokens (kept {kept:,})")
    if left["access"] + left["refresh"] != kept:
        print("error: cleartokens did not leave exactly the live rows", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
