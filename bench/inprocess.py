"""CPU per request of the comparison's GraphQL reads, in-process: no HTTP, no gunicorn.

    .venv/bin/python bench/inprocess.py [--requests N] [--workload NAME] [--profile N]

For quick iterations on the GraphQL layer: makes a throwaway SQLite database (migrate, then
bench/compare_seed.py's data: 101 users in 10 groups, a superuser's token with "read write
groups"), then sends each workload of bench/compare.py through Django's test client, after a
warm-up, and prints the median of five batches of CPU milliseconds per request
(``time.process_time``). With ``--profile N`` it prints the N most expensive functions of one
more batch (cProfile, cumulative time). Django's warning per 4xx answer is not logged.
Figures only: it asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent

LIST_QUERY = "{ users(limit: 100) { username email firstName lastName } }"
LIST_GROUPS_QUERY = "{ users(limit: 100) { username groups { name } } }"
DETAIL_QUERY = "query ($id: ID!) { user(id: $id) { username email firstName lastName } }"
GROUPS_QUERY = "{ groups { name } }"
BOGUS = "bogus-" + "x" * 37  # well-formed, unknown


def _workloads(creds: dict[str, Any]) -> dict[str, Callable[[Any], Any]]:
    token = {"HTTP_AUTHORIZATION": f"Bearer {creds['access_token']}"}
    bogus = {"HTTP_AUTHORIZATION": f"Bearer {BOGUS}"}

    def graphql(query: str, variables: Any = None, headers: Any = token) -> Callable[[Any], Any]:
        body = json.dumps({"query": query, "variables": variables})

        def send(client: Any) -> Any:
            return client.post("/graphql/", body, content_type="application/json", **headers)

        return send

    return {
        "list": graphql(LIST_QUERY),
        "list+groups": graphql(LIST_GROUPS_QUERY),
        "detail": graphql(DETAIL_QUERY, {"id": str(creds["detail_id"])}),
        "groups": graphql(GROUPS_QUERY),
        "typename": graphql("{ __typename }", headers={}),
        "invalid token": graphql(GROUPS_QUERY, headers=bogus),
    }


def _batch(send: Callable[[Any], Any], client: Any, requests: int) -> float:
    start = time.process_time()
    for _ in range(requests):
        send(client)
    return (time.process_time() - start) * 1000 / requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per batch")
    parser.add_argument("--workload", action="append", help="run only these (repeatable)")
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="gqlauth-inprocess-")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "testserver",
            "DATABASE_URL": f"sqlite:///{Path(tmp) / 'db.sqlite3'}",
            "OAUTH2_ISSUER": "http://127.0.0.1",
        }
    )
    env = {**os.environ}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, env=env, check=True
    )
    seeded = subprocess.run(
        [sys.executable, str(BENCH / "compare_seed.py"), "--refresh-tokens", "1"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    creds = json.loads(seeded.stdout.strip().splitlines()[-1])

    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    import logging

    from django.test import Client

    # Django logs each 4xx answer ("Unauthorized: /graphql/"); keep the figures readable.
    logging.getLogger("django.request").setLevel(logging.ERROR)

    client = Client()
    workloads = _workloads(creds)
    for name in args.workload or list(workloads):
        send = workloads[name]
        answer = send(client)
        status = answer.status_code
        errors = json.loads(answer.content).get("errors")
        _batch(send, client, max(20, args.requests // 5))  # warm-up
        batches = [_batch(send, client, args.requests) for _ in range(5)]
        print(
            f"{name:14} status {status}{' with errors' if errors else '':12} "
            f"CPU ms/req median {statistics.median(batches):6.3f}  "
            f"(batches {', '.join(f'{b:.3f}' for b in batches)})",
            flush=True,
        )
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            _batch(send, client, args.requests)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
