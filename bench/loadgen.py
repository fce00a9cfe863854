"""A closed-loop load generator: C threads, each with its own HTTP/1.1 connection.

A connection is reused while the server keeps it open; gunicorn's sync workers close it after each
answer, and ``http.client`` then reconnects.

Every run is bounded twice: it stops after ``requests`` requests or ``duration`` seconds, whichever
comes first. Traffic goes only to 127.0.0.1. A request counts as an error when the connection
fails or the client's ``check`` rejects the answer (a status other than 200, a GraphQL ``errors``
entry, a token response without ``access_token``).
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

HOST = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    body: bytes
    headers: dict[str, str]


class Client(Protocol):
    """One simulated client, driven by one thread; it may carry state between requests
    (the refresh grant sends the refresh token that the previous answer returned)."""

    def next_request(self) -> Request | None:
        """The next request to send, or None when this client has run out of inputs."""

    def check(self, status: int, body: bytes) -> str | None:
        """None for a good answer, else a short error label such as ``"HTTP 500"``."""


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    errors: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0
    server_cpu: float = 0.0  # seconds of server CPU (all processes) during the run

    @property
    def cpu_per_request(self) -> float:
        """Server CPU milliseconds per request, a figure that other load on the machine
        barely moves, unlike latency and throughput."""
        return self.server_cpu / self.total * 1000 if self.total else float("nan")

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def total(self) -> int:
        return self.ok + sum(self.errors.values())

    @property
    def rate(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the successful requests' latency, in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(1, round(p / 100 * len(ordered) + 0.5))
        return ordered[min(rank, len(ordered)) - 1] * 1000


class _Budget:
    """Hands out request tickets until the count or the deadline runs out."""

    def __init__(self, requests: int, duration: float) -> None:
        self._left = requests
        self._deadline = time.monotonic() + duration
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._left <= 0 or time.monotonic() >= self._deadline:
                return False
            self._left -= 1
            return True


def run(
    name: str,
    port: int,
    clients: list[Client],
    *,
    requests: int,
    duration: float,
    timeout: float = 30.0,
) -> Result:
    """Drive the clients concurrently, one thread each, until the budget runs out."""
    result = Result(name)
    budget = _Budget(requests, duration)
    lock = threading.Lock()

    def drive(client: Client) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        latencies: list[float] = []
        errors: Counter[str] = Counter()
        try:
            while budget.take():
                request = client.next_request()
                if request is None:
                    errors["client ran out of inputs"] += 1
                    break
                start = time.perf_counter()
                try:
                    conn.request(request.method, request.path, request.body, request.headers)
                    response = conn.getresponse()
                    body = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    errors[type(exc).__name__] += 1
                    conn.close()  # the next request reconnects
                    continue
                elapsed = time.perf_counter() - start
                problem = client.check(response.status, body)
                if problem:
                    errors[problem] += 1
                else:
                    latencies.append(elapsed)
        finally:
            conn.close()
            with lock:
                result.latencies.extend(latencies)
                result.errors.update(errors)

    threads = [threading.Thread(target=drive, args=(c,), daemon=True) for c in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + timeout + 5)
    result.elapsed = time.perf_counter() - started
    return result
