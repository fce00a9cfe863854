"""Start and stop the WSGI server under test, and read its processes' memory from /proc.

gunicorn with sync workers when it is installed (``pip install -r bench/requirements.txt``),
else Django's ``runserver --noreload`` (threaded, one process). The server runs in its own
session, so stopping it signals exactly its process group and nothing else.
"""

from __future__ import annotations

import http.client
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"


class ServerStartError(RuntimeError):
    """The server exited or did not answer in time; the message carries its log's tail."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def gunicorn_available() -> bool:
    return importlib.util.find_spec("gunicorn") is not None


def _gunicorn_command(
    port: int, workers: int, repo: Path, log: Path, python: str, app: str
) -> list[str]:
    command = [
        python,
        "-m",
        "gunicorn",
        app,
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--chdir",
        str(repo),
        "--error-logfile",
        str(log),
        "--log-level",
        "warning",
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
    ]
    # Newer gunicorn opens a control socket by default; the bench has no use for it.
    help_text = subprocess.run(
        [python, "-m", "gunicorn", "--help"], capture_output=True, text=True, check=False
    ).stdout
    if "--no-control-socket" in help_text:
        command.append("--no-control-socket")
    return command


@dataclass
class Server:
    """A running server: ``kind`` is ``"gunicorn"`` or ``"runserver"``."""

    kind: str
    workers: int
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(
        cls,
        *,
        repo: Path,
        env: dict[str, str],
        workers: int,
        log: Path,
        prefer: str = "auto",
        python: str = sys.executable,
        app: str = "project.wsgi:application",
    ) -> Server:
        """Start the server in ``repo``; ``python`` and ``app`` name another site's interpreter
        (a virtualenv with gunicorn) and WSGI application (only with gunicorn)."""
        port = free_port()
        has_gunicorn = gunicorn_available() if python == sys.executable else True
        kind = "gunicorn" if prefer != "runserver" and has_gunicorn else "runserver"
        if prefer == "gunicorn" and kind != "gunicorn":
            raise ServerStartError(
                "gunicorn is not installed: pip install -r bench/requirements.txt"
            )
        if kind == "gunicorn":
            command = _gunicorn_command(port, workers, repo, log, python, app)
        else:
            workers = 1
            command = [sys.executable, "manage.py", "runserver", "--noreload", f"{HOST}:{port}"]
        with log.open("ab") as out:
            process = subprocess.Popen(
                command,
                cwd=repo,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = cls(kind, workers, port, process, log)
        try:
            server._wait_ready(timeout=60.0)
            server._wait_settled(timeout=60.0)
        except BaseException:
            server.stop()
            raise
        return server

    def _wait_ready(self, timeout: float) -> None:
        """Wait until every worker could have booted: the token endpoint answers GET with 405."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerStartError(
                    f"{self.kind} exited with code {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
                conn.request("GET", "/o/token/")
                status = conn.getresponse().status
                conn.close()
            except OSError:
                time.sleep(0.1)
                continue
            if status == 405:
                return
            raise ServerStartError(
                f"GET /o/token/ answered {status}, expected 405:\n{self.log_tail()}"
            )
        raise ServerStartError(
            f"{self.kind} did not answer within {timeout:.0f} s:\n{self.log_tail()}"
        )

    def _wait_settled(self, timeout: float) -> None:
        """Wait until every worker exists and has used no CPU for half a second.

        Workers import Django and the app after the first one already answers; measuring
        before they finish would time the imports, not the requests.
        """
        deadline = time.monotonic() + timeout
        expected = self.workers + 1 if self.kind == "gunicorn" else 1
        before: dict[int, int] = {}
        while time.monotonic() < deadline:
            now = self._ticks()
            if len(now) >= expected and now == before:
                return
            before = now
            time.sleep(0.5)
        raise ServerStartError(
            f"{self.kind} workers did not settle within {timeout:.0f} s:\n{self.log_tail()}"
        )

    def _ticks(self) -> dict[int, int]:
        """``pid -> utime + stime`` in clock ticks for the server's processes."""
        ticks: dict[int, int] = {}
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            # utime and stime are fields 14 and 15 of stat(5); index 0 here is field 3.
            ticks[pid] = int(fields[11]) + int(fields[12])
        return ticks

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def pids(self) -> list[int]:
        """The server's process and its direct children (gunicorn's workers)."""
        root = self.process.pid
        found = [root]
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # Field 4 (ppid) follows the parenthesised command name, which may hold spaces.
            if int(stat.rpartition(")")[2].split()[1]) == root:
                found.append(int(entry.name))
        return found

    def cpu_seconds(self) -> float:
        """User plus system CPU time used so far by the server's processes (from /proc)."""
        return sum(self._ticks().values()) / os.sysconf("SC_CLK_TCK")

    def memory(self) -> dict[int, tuple[int, int]]:
        """``pid -> (VmRSS, VmHWM)`` in KiB; VmHWM is the process's peak resident set."""
        result: dict[int, tuple[int, int]] = {}
        for pid in self.pids():
            fields: dict[str, int] = {}
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    key, _, value = line.partition(":")
                    if key in ("VmRSS", "VmHWM"):
                        fields[key] = int(value.split()[0])
            except (OSError, ValueError):
                continue
            if len(fields) == 2:
                result[pid] = (fields["VmRSS"], fields["VmHWM"])
        return result

    def stop(self) -> None:
        """SIGINT the server's process group (gunicorn's quick shutdown), SIGKILL it after 10 s.

        Idempotent.
        """
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGINT)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
