"""System checks for OAUTH2_PROVIDER: every id fires on its bad value and only then."""

from __future__ import annotations

import pytest

from gqlauth.checks import check_oauth2_settings

SCOPES = {"read": "Read scope", "write": "Write scope", "groups": "Access to your groups"}


def _ids(settings, **overrides):
    settings.OAUTH2_PROVIDER = {"SCOPES": SCOPES, "ISSUER": "https://auth.example.com", **overrides}
    return [message.id for message in check_oauth2_settings()]


def test_tutorial_settings_are_clean(settings):
    assert _ids(settings) == []


def test_not_a_dict(settings):
    settings.OAUTH2_PROVIDER = ["read"]
    assert [m.id for m in check_oauth2_settings()] == ["gqlauth.E001"]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"SCOPES": {}}, ["gqlauth.E002"]),
        ({"SCOPES": {"two words": "x"}}, ["gqlauth.E002"]),
        ({"SCOPES": {"__all__": "x"}}, ["gqlauth.E002"]),
        ({"SCOPES": ["read"]}, ["gqlauth.E002"]),
        ({"DEFAULT_SCOPES": "read"}, ["gqlauth.E003"]),
        ({"DEFAULT_SCOPES": ["read", "admin"]}, ["gqlauth.E004"]),
        ({"READ_SCOPE": "reading"}, ["gqlauth.E005"]),
        ({"WRITE_SCOPE": "admin"}, ["gqlauth.E005"]),
        ({"ACCESS_TOKEN_EXPIRE_SECONDS": 0}, ["gqlauth.E006"]),
        ({"ACCESS_TOKEN_EXPIRE_SECONDS": "36000"}, ["gqlauth.E006"]),
        ({"ACCESS_TOKEN_EXPIRE_SECONDS": True}, ["gqlauth.E006"]),
        ({"MIN_CLIENT_SECRET_LENGTH": -1}, ["gqlauth.E006"]),
        ({"REFRESH_TOKEN_EXPIRE_SECONDS": -5}, ["gqlauth.E007"]),
        (
            {"ROTATE_REFRESH_TOKEN": "yes", "REFRESH_TOKEN_REUSE_PROTECTION": False},
            ["gqlauth.E008"],
        ),
        ({"REFRESH_TOKEN_REUSE_PROTECTION": 1}, ["gqlauth.E008"]),
        ({"CLIENT_SECRET_GENERATOR_LENGTH": 16}, ["gqlauth.E009"]),
        ({"TOKEN_DIGEST_KEY": "short"}, ["gqlauth.E010"]),
        ({"ROTATE_REFRESH_TOKEN": False}, ["gqlauth.W002"]),
        ({"ACCESS_TOKEN_EXPIRE_SECOND": 10}, ["gqlauth.W001"]),
        ({"AUTHORIZATION_CODE_EXPIRE_SECONDS": 0}, ["gqlauth.E006"]),
        ({"PKCE_REQUIRED": "no"}, ["gqlauth.E008"]),
        ({"ALLOW_PLAIN_PKCE": None}, ["gqlauth.E008"]),
        ({"ISSUER": None}, ["gqlauth.E011"]),
        ({"ISSUER": "http://auth.example.com"}, ["gqlauth.E012"]),
        ({"ISSUER": "https://auth.example.com/?tenant=1"}, ["gqlauth.E012"]),
        ({"ISSUER": "auth.example.com"}, ["gqlauth.E012"]),
        ({"ISSUER": 42}, ["gqlauth.E012"]),
        ({"REGISTER_APPLICATIONS": "everyone"}, ["gqlauth.E013"]),
        ({"LOGIN_FAILURE_LIMIT": 0}, ["gqlauth.E023"]),
        ({"LOGIN_FAILURE_LIMIT_PER_IP": "50"}, ["gqlauth.E023"]),
        ({"LOGIN_FAILURE_LIMIT_PER_USERNAME": None}, ["gqlauth.E023"]),
        ({"LOGIN_BACKOFF_SECONDS": -1}, ["gqlauth.E023"]),
        ({"LOGIN_SLOWDOWN_SECONDS": 1.5}, ["gqlauth.E023"]),
        ({"LOGIN_FAILURE_WINDOW_SECONDS": True}, ["gqlauth.E023"]),
        ({"LOGIN_BACKOFF_SECONDS": 7200}, ["gqlauth.E024"]),
        ({"LOGIN_BACKOFF_MAX_SECONDS": 90000}, ["gqlauth.E024"]),
        ({"LOGIN_SLOWDOWN_SECONDS": 90000}, ["gqlauth.E024"]),
        ({"TRUSTED_PROXIES": "10.0.0.1"}, ["gqlauth.E025"]),
        ({"TRUSTED_PROXIES": ["10.0.0.0/33"]}, ["gqlauth.E025"]),
        ({"TRUSTED_PROXIES": ["proxy.internal"]}, ["gqlauth.E025"]),
        ({"TRUSTED_PROXIES": [167772161]}, ["gqlauth.E025"]),
        ({"ACCESS_TOKEN_FORMAT": "JWT"}, ["gqlauth.E015"]),
        ({"ACCESS_TOKEN_FORMAT": None}, ["gqlauth.E015"]),
        ({"JWT_SIGNING_ALGORITHM": "HS256"}, ["gqlauth.E016"]),
        ({"JWT_SIGNING_ALGORITHM": "none"}, ["gqlauth.E016"]),
        ({"JWT_ACCESS_TOKEN_EXPIRE_SECONDS": 0}, ["gqlauth.E017"]),
        ({"JWT_ACCESS_TOKEN_EXPIRE_SECONDS": "300"}, ["gqlauth.E017"]),
        ({"JWT_KEY_ACTIVATION_SECONDS": -1}, ["gqlauth.E018"]),
        ({"JWT_KEY_ACTIVATION_SECONDS": False}, ["gqlauth.E018"]),
        ({"JWT_KEY_ACTIVATION_SECONDS": 0.0}, ["gqlauth.E018"]),
        ({"JWT_AUDIENCE": ""}, ["gqlauth.E019"]),
        ({"JWT_AUDIENCE": ["https://api.example"]}, ["gqlauth.E019"]),
        ({"JWT_KEY_ENCRYPTION_KEY": "short"}, ["gqlauth.E021"]),
        ({"JWT_KEY_ENCRYPTION_KEY_FALLBACKS": "k" * 40}, ["gqlauth.E022"]),
        ({"JWT_KEY_ENCRYPTION_KEY_FALLBACKS": ["short"]}, ["gqlauth.E022"]),
        ({"JWT_KEY_ACTIVATION_SECONDS": 0}, ["gqlauth.W003"]),
        ({"JWT_KEY_ACTIVATION_SECONDS": 299}, ["gqlauth.W003"]),
    ],
)
def test_bad_values(settings, overrides, expected):
    assert _ids(settings, **overrides) == expected


def test_good_optional_values(settings):
    assert (
        _ids(
            settings,
            DEFAULT_SCOPES=["read"],
            REFRESH_TOKEN_EXPIRE_SECONDS=3600,
            TOKEN_DIGEST_KEY="k" * 40,
            ROTATE_REFRESH_TOKEN=False,
            REFRESH_TOKEN_REUSE_PROTECTION=False,
            TRUSTED_PROXIES=["10.0.0.1", "192.168.0.0/16", "fd00::/8"],
            LOGIN_BACKOFF_SECONDS=5,
            LOGIN_BACKOFF_MAX_SECONDS=5,
            LOGIN_FAILURE_WINDOW_SECONDS=5,
            LOGIN_SLOWDOWN_SECONDS=5,
        )
        == []
    )


def test_good_jwt_values(settings):
    assert (
        _ids(
            settings,
            ACCESS_TOKEN_FORMAT="jwt",
            JWT_SIGNING_ALGORITHM="RS256",
            JWT_ACCESS_TOKEN_EXPIRE_SECONDS=60,
            JWT_KEY_ACTIVATION_SECONDS=300,
            JWT_AUDIENCE="https://api.example",
            JWT_KEY_ENCRYPTION_KEY="k" * 40,
            JWT_KEY_ENCRYPTION_KEY_FALLBACKS=["m" * 32],
        )
        == []
    )


def test_jwt_access_tokens_need_an_audience(settings):
    # The project names its GraphQL URL "graphql": the default audience.
    assert _ids(settings, ACCESS_TOKEN_FORMAT="jwt") == []
    settings.ROOT_URLCONF = "tests.views.test_metadata"  # no "graphql" URL there
    assert _ids(settings, ACCESS_TOKEN_FORMAT="jwt") == ["gqlauth.E020"]
    assert _ids(settings, ACCESS_TOKEN_FORMAT="jwt", JWT_AUDIENCE="https://api.example") == []
    assert _ids(settings) == []  # opaque tokens need none


@pytest.mark.parametrize("issuer", [None, "http://127.0.0.1:8000", "https://a.example/tenant"])
def test_issuer_may_be_derived_only_with_debug_and_loopback_may_use_http(settings, issuer):
    settings.DEBUG = True
    assert _ids(settings, ISSUER=issuer) == []


@pytest.mark.parametrize("who", ["authenticated", "staff", "gqlauth.add_application"])
def test_who_may_register_applications(settings, who):
    assert _ids(settings, REGISTER_APPLICATIONS=who) == []


def test_registered_with_django(settings):
    from django.core import checks

    settings.OAUTH2_PROVIDER = {"SCOPES": {}}
    ids = [m.id for m in checks.run_checks(tags=[checks.Tags.security])]
    assert "gqlauth.E002" in ids


# -- throttling is wired (gqlauth.W004, W005) -------------------------------------------------


def _throttling_messages():
    from gqlauth.throttlingchecks import check_throttling

    return [(m.id, m.msg) for m in check_throttling()]


def test_the_project_wires_throttling():
    assert _throttling_messages() == []


def test_axes_not_installed(monkeypatch):
    from gqlauth import throttlingchecks

    monkeypatch.setattr(throttlingchecks.apps, "is_installed", lambda name: name != "axes")
    [(check_id, msg)] = _throttling_messages()
    assert check_id == "gqlauth.W004"
    assert msg.startswith('Password attempts are not throttled: add "axes" to INSTALLED_APPS')


def test_axes_backend_must_come_first(settings):
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "axes.backends.AxesStandaloneBackend",
    ]
    assert [i for i, _ in _throttling_messages()] == ["gqlauth.W004"]
    settings.AUTHENTICATION_BACKENDS = ["axes.backends.AxesBackend"]  # a subclass is fine
    assert _throttling_messages() == []


def test_axes_middleware_missing(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.startswith("axes.")]
    assert [i for i, _ in _throttling_messages()] == ["gqlauth.W004"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AXES_HANDLER", "axes.handlers.database.AxesDatabaseHandler"),
        ("AXES_CLIENT_IP_CALLABLE", None),
        ("AXES_LOCKOUT_CALLABLE", None),
        ("AXES_SENSITIVE_PARAMETERS", ["username", "ip_address"]),
    ],
)
def test_axes_settings_that_bypass_the_policy(settings, name, value):
    setattr(settings, name, value)
    [(check_id, msg)] = _throttling_messages()
    assert check_id == "gqlauth.W005"
    assert name in msg


def test_cache_handler_is_accepted(settings):
    settings.AXES_HANDLER = "gqlauth.attempts.CacheHandler"
    assert _throttling_messages() == []
