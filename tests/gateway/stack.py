"""Node processes of the gateway tests: the composer, the references subgraph and Hive Gateway.

Everything comes from ``gateway/`` (its own ``package-lock.json``, installed by
``make gateway-packages``): :func:`compose` runs ``gateway/compose.mjs``, :func:`start_node`
starts ``gateway/references-subgraph.mjs`` or ``hive-gateway`` with ``gateway/gateway.config.ts``
on a free loopback port and waits, within a bounded time, until it answers.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.load.server import HOST, ROOT, free_port

GATEWAY_DIR = ROOT / "gateway"
HIVE_GATEWAY = GATEWAY_DIR / "node_modules" / "@graphql-hive" / "gateway" / "dist" / "bin.js"
COMPOSE = GATEWAY_DIR / "compose.mjs"
REFERENCES_SUBGRAPH = GATEWAY_DIR / "references-subgraph.mjs"
INSTALL_HINT = (
    "Hive Gateway is not installed in gateway/node_modules: run `make gateway-packages` "
    "(or `make test GATEWAY=1`, which installs it first)."
)


class NodeStartError(RuntimeError):
    """A Node process exited or did not answer in time; the message carries its log's tail."""


def node() -> str:
    """The ``node`` executable; the gateway packages were verified with Node 20."""
    found = shutil.which("node")
    if found is None:
        raise NodeStartError("node (Node.js 20 or newer) is not on PATH")
    return found


def installed() -> bool:
    return HIVE_GATEWAY.is_file()


def compose(
    subgraphs: Mapping[str, str], out: Path, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """Run compose.mjs on ``{name: "URL" or "URL@SDL_FILE"}``, writing the supergraph to ``out``."""
    arguments = [f"{name}={source}" for name, source in subgraphs.items()]
    return subprocess.run(
        [node(), str(COMPOSE), "--out", str(out), *arguments],
        cwd=GATEWAY_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def references_sdl(timeout: float = 30.0) -> str:
    """The references subgraph's SDL (``references-subgraph.mjs --print-sdl``)."""
    return subprocess.run(
        [node(), str(REFERENCES_SUBGRAPH), "--print-sdl"],
        cwd=GATEWAY_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    ).stdout


@dataclass
class NodeProcess:
    """A Node server on ``HOST:port`` in its own process group, logging to ``log``."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def wait_ready(self, path: str, ready: Callable[[int], bool], timeout: float) -> None:
        """Until ``GET path`` answers a status ``ready`` accepts, or ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise NodeStartError(
                    f"{self.process.args!r} exited with code {self.process.returncode}:\n"
                    f"{self.log_tail()}"
                )
            conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
            try:
                conn.request("GET", path)
                if ready(conn.getresponse().status):
                    return
            except (OSError, http.client.HTTPException):
                pass
            finally:
                conn.close()
            time.sleep(0.2)
        raise NodeStartError(f"not ready within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGKILL the process group, then reap the process. Idempotent."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def _inherited() -> dict[str, str]:
    # The gateway's CLI reads these itself (they would override gateway.config.ts).
    ignored = ("PORT", "HOST", "CONFIG_PATH", "FORK", "POLLING")
    return {key: value for key, value in os.environ.items() if key not in ignored}


def start_node(
    arguments: list[str],
    log: Path,
    *,
    port: int,
    env: Mapping[str, str] | None = None,
    ready_path: str,
    ready: Callable[[int], bool],
    timeout: float,
) -> NodeProcess:
    """Start ``node *arguments`` in ``gateway/`` and wait until it is ready (else kill it)."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [node(), *arguments],
            cwd=GATEWAY_DIR,
            env={**_inherited(), **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    started = NodeProcess(process, port, log)
    try:
        started.wait_ready(ready_path, ready, timeout)
    except BaseException:
        started.stop()
        raise
    return started


def start_references_subgraph(log: Path, timeout: float = 30.0) -> NodeProcess:
    """The second subgraph that hands out ``User`` and ``Group`` references (any answer: up)."""
    port = free_port()
    return start_node(
        [str(REFERENCES_SUBGRAPH), str(port)],
        log,
        port=port,
        ready_path="/",
        ready=lambda status: True,
        timeout=timeout,
    )


def start_gateway(
    supergraph: Path, *, issuer: str, audience: str, jwks_url: str, log: Path, timeout: float = 60.0
) -> NodeProcess:
    """Hive Gateway with gateway/gateway.config.ts, serving ``supergraph``; ready when its
    ``/readiness`` answers 200 (the supergraph is loaded)."""
    port = free_port()
    return start_node(
        [str(HIVE_GATEWAY), "supergraph"],
        log,
        port=port,
        env={
            "GATEWAY_SUPERGRAPH": str(supergraph),
            "GATEWAY_HOST": HOST,
            "GATEWAY_PORT": str(port),
            "GATEWAY_JWKS_URL": jwks_url,
            "GATEWAY_JWT_ISSUER": issuer,
            "GATEWAY_JWT_AUDIENCE": audience,
            # No colour codes in the log the test prints on failure.
            "NO_COLOR": "1",
            "FORCE_COLOR": "0",
        },
        ready_path="/readiness",
        ready=lambda status: status == 200,
        timeout=timeout,
    )
