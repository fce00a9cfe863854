"""Settings of the test suite (pytest, mypy): the project's, in its production shape.

``project.settings`` refuses to load without ``SECRET_KEY`` when DEBUG is off, its default; the
suite supplies a throwaway key and the issuer, so tests (and the commands they start as
subprocesses, which inherit the environment) run with DEBUG off, as a deployment does.
"""

from __future__ import annotations

import os

os.environ.setdefault("SECRET_KEY", "test-suite-only-key-" + "x" * 40)
os.environ.setdefault("OAUTH2_ISSUER", "http://127.0.0.1:8000")

from project.settings import *  # noqa: F403
