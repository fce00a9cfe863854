"""The distribution works in someone else's Django project.

Builds the sdist from this checkout and the wheel from that sdist with no npm on ``PATH``, checks
both with twine, installs the wheel into a fresh virtualenv outside the repository, creates a new
project there with ``django-admin startproject``, adds gqlauth and a small schema of its own, and
drives that project's ``runserver`` over HTTP: a password grant, a scope-guarded field, the
application pages and GraphiQL's assets.

It takes a minute or two (pip fetches the dependencies from PyPI), so it runs only with
``GQLAUTH_PACKAGING=1`` (``make test PACKAGING=1``; ``.ci/run`` sets it on its first run, where a
skip fails the run) and otherwise skips, saying so.
"""

from __future__ import annotations

import base64
import email
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tarfile
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from http import HTTPStatus
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENDOR = "gqlauth/static/gqlauth/vendor"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]

# Deselected by tests/conftest.py unless GQLAUTH_PACKAGING=1 (make test PACKAGING=1): it builds
# the sdist and wheel, installs the wheel into a fresh virtualenv and serves a new project with
# it (a minute or two; needs PyPI).
pytestmark = pytest.mark.packaging

# Variables of this test run that must not leak into the user's project.
FOREIGN_ENV = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")

USERNAME = "admin"
PASSWORD = "a-long-passphrase-42"
CLIENT_ID = "my-client"
CLIENT_SECRET = "a-client-secret-of-at-least-32-characters"

# What a user adds to the settings.py that startproject wrote.
SETTINGS = """
INSTALLED_APPS += ["axes", "gqlauth"]
# The README's Throttling section (gqlauth.W004/W005 ask for these).
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "gqlauth.attempts.DatabaseHandler"
AXES_CLIENT_IP_CALLABLE = "gqlauth.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "gqlauth.throttling.lockout_response"
AXES_LOCK_OUT_AT_FAILURE = False
AXES_SENSITIVE_PARAMETERS = [
    "username", "ip_address", "client_secret", "refresh_token", "code", "code_verifier", "token"
]
TEMPLATES[0]["DIRS"] = [BASE_DIR / "templates"]
OAUTH2_PROVIDER = {
    "SCOPES": {"read": "Read scope", "write": "Write scope", "greet": "Be greeted"},
}
"""

# The user's own API: one field, guarded by a scope of the user's own.
SCHEMA = """
import strawberry

from gqlauth.graphql.context import credentials_of
from gqlauth.graphql.permissions import authenticated, requires_scope
from gqlauth.graphql.schema import Schema


@strawberry.type
class Query:
    @requires_scope("greet")
    @strawberry.field
    def greeting(self, info: strawberry.Info) -> str:
        return f"Hello, {credentials_of(info).user.get_username()}!"

    @authenticated()  # any valid token, whatever its scopes
    @strawberry.field
    def whoami(self, info: strawberry.Info) -> str:
        return credentials_of(info).client_id


schema = Schema(query=Query)
"""

URLS = """
from django.contrib import admin
from django.urls import include, path

from gqlauth.graphql.views import GraphQLView
from mysite.schema import schema

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("o/", include("gqlauth.urls", namespace="oauth2_provider")),
    path("graphql/", GraphQLView.as_view(schema=schema), name="graphql"),
]
"""

# Django's LoginView needs a registration/login.html; the site provides it, not gqlauth.
LOGIN_TEMPLATE = """
<form method="post">{% csrf_token %}{{ form }}
  <input type="hidden" name="next" value="{{ next }}"><button type="submit">Sign in</button>
</form>
"""


def run(*args: str | Path, timeout: float, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run a command; on failure, fail the test with its output."""
    command = [str(arg) for arg in args]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}",
            pytrace=False,
        )
    return result


# --- the distributions ------------------------------------------------------------------------


@dataclass(frozen=True)
class Dists:
    sdist: Path
    wheel: Path

    def wheel_names(self) -> list[str]:
        with zipfile.ZipFile(self.wheel) as archive:
            return archive.namelist()

    def wheel_file(self, name: str) -> bytes:
        with zipfile.ZipFile(self.wheel) as archive:
            return archive.read(name)

    def sdist_names(self) -> list[str]:
        with tarfile.open(self.sdist) as archive:
            # Paths inside the sdist's single top folder (django_gqlauth-VERSION/...).
            return [m.name.split("/", 1)[1] for m in archive.getmembers() if "/" in m.name]

    def metadata(self) -> Message:
        (name,) = [n for n in self.wheel_names() if n.endswith(".dist-info/METADATA")]
        return email.message_from_bytes(self.wheel_file(name))


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    """The sdist built from this checkout, and the wheel built from the sdist without npm."""
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--sdist", "--outdir", out, ROOT, timeout=300)
    (sdist,) = out.glob("*.tar.gz")

    unpacked = tmp_path_factory.mktemp("sdist")
    with tarfile.open(sdist) as archive:
        archive.extractall(unpacked, filter="data")
    (source,) = unpacked.iterdir()
    # Only this interpreter's folder on PATH: a build that needed npm would fail here.
    no_node = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    run(sys.executable, "-m", "build", "--wheel", "--outdir", out, source, env=no_node, timeout=300)
    (wheel,) = out.glob("*.whl")
    return Dists(sdist=sdist, wheel=wheel)


def test_twine_accepts_both(dists: Dists) -> None:
    result = run(
        sys.executable, "-m", "twine", "check", "--strict", dists.sdist, dists.wheel, timeout=60
    )
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_the_wheel_holds_the_reusable_app_only(dists: Dists) -> None:
    names = dists.wheel_names()
    top_level = {name.split("/", 1)[0] for name in names}

    assert top_level == {"gqlauth", f"django_gqlauth-{VERSION}.dist-info"}
    assert not [n for n in names if n.startswith(("project/", "schema/", "tests/"))]
    # Every file of the app's tree is in it: templates, static files, migrations, py.typed,
    # and the git-ignored GraphiQL bundles.
    tree = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "gqlauth").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert tree - set(names) == set()
    manifest = json.loads(dists.wheel_file(f"{VENDOR}/assets.json"))
    for name in [*manifest["files"], "assets.json"]:
        assert f"{VENDOR}/{name}" in names
    for name in [
        "gqlauth/py.typed",
        "gqlauth/migrations/0001_initial.py",
        "gqlauth/templates/gqlauth/graphiql.html",
        f"{VENDOR}/graphiql.min.js",
    ]:
        assert name in names


def test_the_sdist_carries_the_bundles_and_their_sources(dists: Dists) -> None:
    names = set(dists.sdist_names())
    wheel_app = {n for n in dists.wheel_names() if n.startswith("gqlauth/")}

    assert wheel_app <= names
    assert {"package.json", "package-lock.json", "tools/ide-assets.mjs", "setup.py"} <= names
    assert not [
        n for n in names if n.startswith(("project/", "schema/", "tests/", "node_modules/"))
    ]


def test_the_metadata_describes_the_app(dists: Dists) -> None:
    meta = dists.metadata()
    classifiers = meta.get_all("Classifier") or []

    assert meta["Name"] == "django-gqlauth"
    assert meta["Version"] == VERSION
    assert meta["Requires-Python"] == ">=3.11"
    assert meta["License-Expression"] == "BSD-3-Clause"
    assert meta["Summary"]
    assert meta["Description-Content-Type"] == "text/markdown"
    assert {"Framework :: Django :: 5.2", "Framework :: Django :: 6.1"} <= set(classifiers)
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert "postgres" in (meta.get_all("Provides-Extra") or [])
    # What installing it pulls in: the app's own imports, not the example site's.
    required = {
        re.split(r"[<>=;\[ ]", requirement, maxsplit=1)[0]
        for requirement in meta.get_all("Requires-Dist") or []
        if "extra ==" not in requirement
    }
    assert required == {
        "django",
        "oauthlib",
        "strawberry-graphql",
        "django-axes",  # gqlauth.attempts: the throttle's AXES_HANDLER
        "pyjwt",  # gqlauth.jose: JWT access tokens (RFC 9068)
        "cryptography",  # signing keys, and their encryption at rest
    }


# --- someone else's project -------------------------------------------------------------------


@dataclass
class Site:
    """The user's project, served by its own runserver."""

    url: str
    python: Path
    folder: Path

    def opener(self) -> urllib.request.OpenerDirector:
        """A client with its own cookies that ignores proxy settings (the server is local)."""
        return urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(CookieJar())
        )

    def request(
        self,
        path: str,
        *,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        opener: urllib.request.OpenerDirector | None = None,
    ) -> tuple[int, Message, bytes]:
        request = urllib.request.Request(self.url + path, data=data, headers=headers or {})
        try:
            with (opener or self.opener()).open(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            with error:  # an unclosed response would be a ResourceWarning, an error here
                return error.code, error.headers, error.read()

    def token(self, scope: str) -> tuple[int, Message, dict[str, object]]:
        body = urllib.parse.urlencode(
            {"grant_type": "password", "username": USERNAME, "password": PASSWORD, "scope": scope}
        ).encode()
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        status, headers, content = self.request(
            "/o/token/", data=body, headers={"Authorization": f"Basic {basic}"}
        )
        return status, headers, json.loads(content)

    def graphql(self, query: str, token: str | None = None) -> dict[str, object]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        status, _, content = self.request(
            "/graphql/", data=json.dumps({"query": query}).encode(), headers=headers
        )
        assert status == HTTPStatus.OK, content
        return json.loads(content)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_serving(server: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"runserver exited {server.returncode}:\n{log.read_text()}", pytrace=False)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(
        f"runserver did not listen on port {port} in 60 s:\n{log.read_text()}", pytrace=False
    )


def _stop(server: subprocess.Popen[bytes]) -> None:
    """End the server's process group (only the server and anything it started)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


@pytest.fixture(scope="module")
def site(dists: Dists, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A fresh venv with the wheel, a startproject site using gqlauth, its runserver running."""
    base = tmp_path_factory.mktemp("user")
    assert ROOT not in base.parents
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}

    venv = base / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, timeout=120)
    python = venv / "bin" / "python"
    # This interpreter's pip installs into the new venv; dependencies come from the index.
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "--quiet"]
    run(*pip, dists.wheel, env=env, timeout=600)

    folder = base / "site"
    folder.mkdir()
    run(venv / "bin" / "django-admin", "startproject", "mysite", folder, env=env, timeout=60)
    with (folder / "mysite" / "settings.py").open("a") as settings:
        settings.write(SETTINGS)
    (folder / "mysite" / "schema.py").write_text(SCHEMA)
    (folder / "mysite" / "urls.py").write_text(URLS)
    (folder / "templates" / "registration").mkdir(parents=True)
    (folder / "templates" / "registration" / "login.html").write_text(LOGIN_TEMPLATE)

    def manage(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return run(python, "manage.py", *args, cwd=folder, env={**env, **extra_env}, timeout=120)

    manage("check", "--fail-level", "WARNING")
    manage("migrate", "--noinput")
    manage("makemigrations", "--check", "--dry-run")  # the packaged migrations are complete
    manage(
        "createsuperuser",
        "--noinput",
        f"--username={USERNAME}",
        "--email=a@example.com",
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
    )
    manage(
        "createapplication",
        "confidential",
        "password",
        "--name=My app",
        f"--client-id={CLIENT_ID}",
        f"--client-secret={CLIENT_SECRET}",
        f"--user={USERNAME}",
    )

    port = _free_port()
    log = base / "runserver.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=folder,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_serving(server, port, log)
        yield Site(url=f"http://127.0.0.1:{port}", python=python, folder=folder)
    finally:
        _stop(server)


def test_the_project_imports_gqlauth_from_the_wheel(site: Site) -> None:
    result = run(
        site.python, "-c", "import gqlauth; print(gqlauth.__file__)", cwd=site.folder, timeout=60
    )
    path = Path(result.stdout.strip())
    assert "site-packages" in path.parts
    assert ROOT not in path.parents


def test_a_password_grant_returns_the_token_json(site: Site) -> None:
    status, headers, body = site.token("greet")

    assert status == HTTPStatus.OK, body
    assert set(body) == {"access_token", "expires_in", "token_type", "scope", "refresh_token"}
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("Bearer", 36000, "greet")
    assert headers["Cache-Control"] == "no-store"


def test_the_guarded_field_needs_its_scope(site: Site) -> None:
    greet = site.token("greet")[2]["access_token"]
    read = site.token("read")[2]["access_token"]

    assert site.graphql("{ greeting }", greet) == {"data": {"greeting": "Hello, admin!"}}
    assert site.graphql("{ whoami }", read) == {"data": {"whoami": CLIENT_ID}}
    denied = site.graphql("{ greeting }", read)
    assert denied["data"] is None
    assert [e["extensions"] for e in denied["errors"]] == [
        {"code": "FORBIDDEN", "requiredScopes": [["greet"]]}
    ]
    anonymous = site.graphql("{ greeting }")
    assert [e["extensions"]["code"] for e in anonymous["errors"]] == ["UNAUTHENTICATED"]


def test_the_application_pages_render(site: Site) -> None:
    browser = site.opener()
    status, _, page = site.request("/accounts/login/", opener=browser)
    assert status == HTTPStatus.OK
    (csrf,) = re.findall(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    form = {
        "username": USERNAME,
        "password": PASSWORD,
        "csrfmiddlewaretoken": csrf.decode(),
        "next": "/o/applications/",
    }

    status, headers, page = site.request(
        "/accounts/login/", data=urllib.parse.urlencode(form).encode(), opener=browser
    )

    assert status == HTTPStatus.OK, page  # redirected to the list
    assert b"My app" in page
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    (detail,) = set(re.findall(rb'href="(/o/applications/\d+/)"', page))
    for path in (detail.decode(), "/o/applications/register/", "/admin/gqlauth/application/"):
        status, _, page = site.request(path, opener=browser)
        assert status == HTTPStatus.OK, (path, page[:2000])


def test_graphiql_and_its_assets_are_served(site: Site, dists: Dists) -> None:
    status, headers, page = site.request("/graphql/", headers={"Accept": "text/html"})

    assert status == HTTPStatus.OK
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.decode())
    assert f"/static/{VENDOR.removeprefix('gqlauth/static/')}/graphiql.min.js" in assets
    for url in assets:
        status, _, content = site.request(url)
        assert status == HTTPStatus.OK, url
        # The very bytes the wheel carries.
        assert content == dists.wheel_file("gqlauth/static/" + url.removeprefix("/static/")), url
