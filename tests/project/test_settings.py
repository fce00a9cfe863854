"""project/settings.py is safe by default: DEBUG off unless asked for, and then no start-up
without a SECRET_KEY (checked in subprocesses, as a server or manage.py starts)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``args`` with project.settings and an environment free of DEBUG and SECRET_KEY."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "SECRET_KEY", "OAUTH2_ISSUER", "DJANGO_SETTINGS_MODULE")
    }
    clean.setdefault("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "project.settings", **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_without_secret_key_manage_py_stops_with_a_clear_message(tmp_path):
    done = _run(["manage.py", "check"], tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith(
        "ImproperlyConfigured: SECRET_KEY is not set. With DEBUG off (the default), set the "
        "SECRET_KEY environment variable"
    )
    assert "DEBUG=1" in done.stderr
    assert "Traceback" not in done.stderr


def test_without_secret_key_the_wsgi_application_does_not_load(tmp_path):
    # gunicorn runs no system checks: the refusal must happen when the settings load.
    done = _run(["-c", "import project.wsgi"], tmp_path)
    assert done.returncode == 1
    assert "ImproperlyConfigured: SECRET_KEY is not set." in done.stderr


def test_debug_is_off_unless_asked_for(tmp_path):
    code = "from django.conf import settings; print(settings.DEBUG)"
    done = _run(["-c", code], tmp_path, SECRET_KEY="k" * 50)
    assert (done.returncode, done.stdout, done.stderr) == (0, "False\n", "")
    done = _run(["-c", code], tmp_path, DEBUG="1")
    assert (done.returncode, done.stdout, done.stderr) == (0, "True\n", "")


def test_a_configured_deployment_passes_its_checks(tmp_path):
    done = _run(
        ["manage.py", "check"], tmp_path, SECRET_KEY="k" * 50, OAUTH2_ISSUER="https://auth.test"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "System check identified no issues (0 silenced).\n"


def test_development_needs_no_secret_key(tmp_path):
    # What `make run` does: DEBUG=1, no SECRET_KEY, no issuer.
    done = _run(["manage.py", "check"], tmp_path, DEBUG="1")
    assert done.returncode == 0, done.stderr
