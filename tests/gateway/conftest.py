"""Fixtures of the gateway tests: gqlauth on a live gunicorn, behind a live Hive Gateway.

``federation()`` starts, in order: gunicorn on the test database (``gunicorn_server``, with a
signing key so the token endpoint issues JWT access tokens to applications that ask for them),
the references subgraph (``gateway/references-subgraph.mjs``), composes the supergraph from our
server's own ``_service { sdl }`` and the references subgraph's SDL (``gateway/compose.mjs``),
and starts Hive Gateway with ``gateway/gateway.config.ts`` pointed at our issuer, audience and
``/o/jwks/``. Every process it started is killed at teardown. Each test module here is marked
``gateway``: tests/conftest.py deselects them unless ``GQLAUTH_GATEWAY=1`` (``make test
GATEWAY=1``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gqlauth import signingkeys
from gqlauth.models import SigningKey
from tests.gateway import stack
from tests.load.conftest import gunicorn_server  # noqa: F401  (the fixture, for this package)
from tests.load.server import GunicornServer

# Two workers on a two-core machine: enough for a multi-worker server, little contention.
WORKERS = 2


@dataclass
class Federation:
    """Our server (the subgraph), the references subgraph and the gateway in front of both."""

    server: GunicornServer
    references: stack.NodeProcess
    gateway: stack.NodeProcess
    supergraph: Path

    @property
    def issuer(self) -> str:
        return self.server.url

    @property
    def audience(self) -> str:
        # The default JWT audience: the absolute URL of /graphql/ on the issuer's origin.
        return f"{self.server.url}/graphql/"


@pytest.fixture
def gateway_installed() -> None:
    """Fail, never skip, when the packages are missing: these tests run only when asked for."""
    if not stack.installed():
        pytest.fail(stack.INSTALL_HINT)


@pytest.fixture
def active_signing_key(transactional_db: None) -> SigningKey:
    """A key that signs at once, committed where the server reads it (and sealed with the
    ``SECRET_KEY`` the server shares with this process)."""
    return signingkeys.create(activate_now=True)


@pytest.fixture
def federation(
    gateway_installed: None,
    active_signing_key: SigningKey,
    gunicorn_server: Callable[..., GunicornServer],  # noqa: F811
    tmp_path: Path,
) -> Iterator[Callable[[], Federation]]:
    """``federation()`` -> a running :class:`Federation`; killed at teardown."""
    started: list[stack.NodeProcess] = []

    def start() -> Federation:
        server = gunicorn_server(workers=WORKERS)
        references = stack.start_references_subgraph(tmp_path / "references.log")
        started.append(references)
        references_sdl = tmp_path / "references.graphql"
        references_sdl.write_text(stack.references_sdl())
        supergraph = tmp_path / "supergraph.graphql"
        composed = stack.compose(
            {
                "gqlauth": f"{server.url}/graphql/",
                "references": f"{references.url}/graphql@{references_sdl}",
            },
            supergraph,
        )
        assert (composed.returncode, composed.stderr) == (0, ""), composed.stderr
        gateway = stack.start_gateway(
            supergraph,
            issuer=server.url,
            audience=f"{server.url}/graphql/",
            jwks_url=f"{server.url}/o/jwks/",
            log=tmp_path / "gateway.log",
        )
        started.append(gateway)
        return Federation(server, references, gateway, supergraph)

    try:
        yield start
    finally:
        for process in started:
            process.stop()
