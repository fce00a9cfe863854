"""Factory fixtures shared by every test package."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User

from gqlauth import digests, jwtaccess, signingkeys, tokens
from gqlauth.models import AccessToken, Application, ClientType, GrantType, SigningKey

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


@dataclass
class Client:
    """A registered application with the plaintext secret the test knows."""

    app: Application
    secret: str

    @property
    def client_id(self) -> str:
        return self.app.client_id

    @property
    def basic(self) -> tuple[str, str]:
        return (self.app.client_id, self.secret)


def pytest_configure(config: pytest.Config) -> None:
    # Registered here rather than in pyproject.toml so that tests/test_packaging.py owns it.
    config.addinivalue_line(
        "markers",
        "packaging: builds and installs the distribution (runs with GQLAUTH_PACKAGING=1)",
    )
    config.addinivalue_line(
        "markers", "postgresql: needs the suite to run on PostgreSQL (CI's second leg)"
    )
    config.addinivalue_line(
        "markers",
        "gateway: runs Hive Gateway from gateway/node_modules (runs with GQLAUTH_GATEWAY=1)",
    )


def _other_leg(item: pytest.Item, on_postgresql: bool) -> str | None:
    """Why ``item`` belongs to the other CI leg, or None when it runs here."""
    if item.get_closest_marker("packaging") and os.environ.get("GQLAUTH_PACKAGING") != "1":
        return "packaging tests need GQLAUTH_PACKAGING=1 (make test PACKAGING=1; CI's first leg)"
    if item.get_closest_marker("gateway") and os.environ.get("GQLAUTH_GATEWAY") != "1":
        return "gateway tests need GQLAUTH_GATEWAY=1 (make test GATEWAY=1; CI's second leg)"
    if item.get_closest_marker("postgresql") and not on_postgresql:
        return "PostgreSQL tests need DATABASE_URL=postgres://... (CI's second leg)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect, never skip, the tests that belong to the other CI leg, and say why.

    Each runs on exactly one leg of CI (.ci/run), where nothing may be skipped.
    """
    from django.db import connection

    on_postgresql = connection.vendor == "postgresql"
    kept, deselected, reasons = [], [], set()
    for item in items:
        reason = _other_leg(item, on_postgresql)
        if reason is None:
            kept.append(item)
        else:
            deselected.append(item)
            reasons.add(reason)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            for reason in sorted(reasons):
                reporter.write_line(f"deselected: {reason}")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    """PBKDF2's deliberate slowness tests nothing here; MD5 keeps the suite fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _no_connection_outlives_the_suite(
    django_db_setup: Any, django_db_blocker: Any
) -> Iterator[None]:
    """End every other session on the PostgreSQL test database before it is dropped.

    Live-server request threads and subprocesses (gunicorn, the browser's server) may still hold
    a connection when the suite ends; PostgreSQL then refuses to drop the database ("being
    accessed by other users"), which pytest reports as a teardown error. Runs after the last
    test and before pytest-django's own teardown (it depends on ``django_db_setup``).
    """
    yield
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    connections.close_all()


@pytest.fixture(autouse=True)
def _issuer(settings: Any) -> None:
    """Tests run with DEBUG off, where the issuer must be configured (gqlauth.E011)."""
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ISSUER": "http://testserver"}


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    """``make_user(username=None, password=PASSWORD, groups=(), permissions=(), **fields)``.

    ``permissions`` are Django permission strings (``"auth.view_user"``) given to the user
    directly.
    """

    def make(
        username: str | None = None,
        password: str = PASSWORD,
        groups: tuple[str, ...] = (),
        permissions: tuple[str, ...] = (),
        **fields: Any,
    ) -> User:
        user = User.objects.create_user(
            username=username or f"user{next(_seq)}", password=password, **fields
        )
        for name in groups:
            user.groups.add(Group.objects.get_or_create(name=name)[0])
        for permission in permissions:
            app_label, codename = permission.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        return user

    return make


@pytest.fixture
def make_application(db: Any, make_user: Callable[..., User]) -> Callable[..., Client]:
    """``make_application(client_type="confidential", grant_types=("password",), **fields)``."""

    def make(
        client_type: str = ClientType.CONFIDENTIAL,
        grant_types: tuple[str, ...] = (GrantType.PASSWORD,),
        user: User | None = None,
        **fields: Any,
    ) -> Client:
        secret = digests.new_client_secret() if client_type == ClientType.CONFIDENTIAL else ""
        app = Application(
            client_id=fields.pop("client_id", None) or digests.new_client_id(),
            name=fields.pop("name", f"app{next(_seq)}"),
            user=user or make_user(),
            client_type=client_type,
            grant_types=list(grant_types),
            **fields,
        )
        if secret:
            app.set_client_secret(secret)
        app.save()
        return Client(app, secret)

    return make


@pytest.fixture
def make_tokens(
    db: Any, make_user: Callable[..., User], make_application: Callable[..., Client]
) -> Callable[..., tokens.IssuedTokens]:
    """``make_tokens(scopes=("read",), user=None, application=None, expires_in=None)``.

    Issues a stored token pair directly (no HTTP); ``user=False`` gives a client token.
    """

    def make(
        scopes: tuple[str, ...] = ("read", "write", "groups"),
        user: User | bool | None = None,
        application: Application | None = None,
        expires_in: int | None = None,
        with_refresh: bool = True,
    ) -> tokens.IssuedTokens:
        owner = None if user is False else (user or make_user())
        app = application or make_application().app
        return tokens.issue(
            app, owner, list(scopes), with_refresh=with_refresh, expires_in=expires_in
        )

    return make


@pytest.fixture(autouse=True)
def _fresh_signing_key_caches() -> Any:
    """Every test starts without this process's copies of signing keys: the database rolls back
    between tests, and a cache would keep what it held."""
    signingkeys.clear_caches()
    yield
    signingkeys.clear_caches()


@pytest.fixture
def signing_key(db: Any) -> SigningKey:
    """An ES256 signing key that signs from now on."""
    return signingkeys.create(activate_now=True)


@pytest.fixture
def jwt_format(settings: Any, signing_key: SigningKey) -> SigningKey:
    """JWT access tokens by default (ACCESS_TOKEN_FORMAT "jwt") and an active key to sign them."""
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ACCESS_TOKEN_FORMAT": "jwt"}
    return signing_key


@pytest.fixture
def make_jwt(
    signing_key: SigningKey,
    make_user: Callable[..., User],
    make_application: Callable[..., Client],
) -> Callable[..., tuple[str, AccessToken]]:
    """``make_jwt(scopes=("read",), user=None, application=None, now=None, expires_in=300)``.

    A JWT access token signed by the active key (``signing_key``, or a newer one the test made)
    and stored as the token endpoint stores it; returns ``(value, row)``. ``user=False`` gives a
    client token.
    """

    def make(
        scopes: tuple[str, ...] = ("read", "write", "groups"),
        user: User | bool | None = None,
        application: Application | None = None,
        now: datetime | None = None,
        expires_in: int = 300,
    ) -> tuple[str, AccessToken]:
        owner = None if user is False else (user or make_user())
        app = application or make_application().app
        signed = jwtaccess.sign_access_token(
            application=app,
            user=owner,
            scopes=list(scopes),
            issuer="http://testserver",
            expires_in=expires_in,
            now=now,
        )
        issued = tokens.store(
            application=app,
            user=owner,
            scopes=list(scopes),
            access_token=signed.value,
            refresh_token=None,
            expires_in=expires_in,
            signed=signed,
        )
        return signed.value, issued.access

    return make
