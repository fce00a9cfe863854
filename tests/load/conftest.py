"""Fixtures of the load tests: ``gunicorn_server``, a live multi-worker server on the test database.

``gunicorn_server(workers=3)`` starts gunicorn as ``make serve`` does (scripts/serve.py's command
line: sync workers forked from a master that preloaded ``project.wsgi``) as a subprocess on a
free loopback port, pointed at pytest-django's test database, and returns a
:class:`~tests.load.server.GunicornServer`. The test must use
``@pytest.mark.django_db(transaction=True)`` so that its rows are committed where the server sees
them. The server runs with DEBUG off and the test process's ``SECRET_KEY`` (token digests are
keyed with it), under ``tests.load.server_settings`` (the project's settings with the suite's fast
password hasher). Every server the fixture started is killed at teardown, before the test
database is flushed, whatever the test did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.load.server import GunicornServer, start_gunicorn


@pytest.fixture
def gunicorn_server(
    transactional_db: None, settings: Any, tmp_path: Path
) -> Iterator[Callable[..., GunicornServer]]:
    """``gunicorn_server(workers=3, timeout=90.0, extra_env=None)`` -> a running
    :class:`GunicornServer`; ``extra_env`` reaches the server's settings."""
    started: list[GunicornServer] = []

    def start(
        workers: int = 3, timeout: float = 90.0, extra_env: dict[str, str] | None = None
    ) -> GunicornServer:
        log = tmp_path / f"gunicorn-{len(started)}.log"
        server = start_gunicorn(
            settings, log, workers=workers, timeout=timeout, extra_env=extra_env
        )
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()
