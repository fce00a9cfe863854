"""Settings of the gunicorn server that the load tests start: the project's, with a fast hasher.

The test process hashes its users' passwords with MD5 (tests/conftest.py), so the server must
accept that hash; PBKDF2's deliberate slowness would also swamp two cores under load. Everything
else is ``project.settings`` as ``make serve`` runs it, driven by the same environment variables.
"""

from __future__ import annotations

import os

from project.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A test of refresh without rotation (tests/load/test_reissue_race.py) asks for it.
if os.environ.get("GQLAUTH_TEST_ROTATE_REFRESH_TOKEN") == "0":
    OAUTH2_PROVIDER = {**OAUTH2_PROVIDER, "ROTATE_REFRESH_TOKEN": False}  # noqa: F405
