"""The GraphQL-over-HTTP server audit of the spec's authors, against the endpoint over real HTTP.

``tools/graphql-http-audit.mjs`` runs npm ``graphql-http``'s ``serverAudits`` (the version pinned
in ``package-lock.json``; ``make test`` installs it with ``npm ci``) against pytest-django's live
server. Every audit must be ``ok``: a ``warn`` (a SHOULD not met), an ``error`` (a MUST) or a
``notice`` (a MAY) fails the test, naming the audit. The audits send anonymous requests that
select only ``__typename`` and ``__type``, which need no scope.

Without Node.js or the package the test skips and prints why, except under ``CI=true``, where it
fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "graphql-http-audit.mjs"
PACKAGE = ROOT / "node_modules" / "graphql-http" / "package.json"


def _unavailable(reason: str) -> None:
    message = f"the graphql-http audit needs {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true: not skipping)", pytrace=False)
    print(f"SKIPPING the graphql-http audit: {message}")
    pytest.skip(reason=message)


def test_every_graphql_over_http_audit_is_ok(live_server, transactional_db):
    node = shutil.which("node")
    if node is None:
        _unavailable("Node.js: no node on PATH (e.g. apt-get install nodejs npm)")
    if not PACKAGE.is_file():
        _unavailable(f"graphql-http installed in {PACKAGE.parent.parent} (run npm ci)")
    version = json.loads(PACKAGE.read_text())["version"]

    run = subprocess.run(
        [node, str(SCRIPT), f"{live_server.url}/graphql/"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )

    assert run.returncode == 0, f"the audit script failed:\n{run.stderr}"
    results = json.loads(run.stdout)
    assert results, "the audit script reported no audits"
    failures = [
        f"{r['id']} {r['status']}: {r['name']}: {r['reason']}; got {r['response']}"
        for r in results
        if r["status"] != "ok"
    ]
    if failures:
        pytest.fail(
            f"graphql-http {version}: {len(failures)} of {len(results)} audits not ok:\n"
            + "\n".join(failures),
            pytrace=False,
        )
    print(f"graphql-http {version}: all {len(results)} server audits ok")
