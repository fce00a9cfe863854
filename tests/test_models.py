"""Model behaviour that no endpoint shows on its own: secret rotation, refresh-token expiry."""

from __future__ import annotations

from datetime import timedelta

from gqlauth.models import RefreshToken


def test_rotate_secret_saves_a_new_secret_and_returns_it(make_application):
    client = make_application()
    app = client.app

    secret = app.rotate_secret()

    app.refresh_from_db()
    assert len(secret) == 64
    assert app.check_client_secret(secret) is True
    assert app.check_client_secret(client.secret) is False


def test_refresh_token_expires_after_the_configured_lifetime(settings, make_tokens):
    refresh = make_tokens().refresh
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "REFRESH_TOKEN_EXPIRE_SECONDS": 60}

    assert refresh.expires == refresh.created + timedelta(seconds=60)
    assert refresh.is_expired(refresh.created + timedelta(seconds=59)) is False
    assert refresh.is_expired(refresh.created + timedelta(seconds=60)) is True


def test_refresh_token_without_limits_never_expires(settings):
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "REFRESH_TOKEN_EXPIRE_SECONDS": None,
        "REFRESH_TOKEN_MAX_LIFETIME_SECONDS": None,
    }
    refresh = RefreshToken(scope="read")

    assert refresh.expires is None
    assert refresh.is_expired() is False


def test_a_refresh_family_ends_at_its_maximum_lifetime_whatever_the_rotations(
    settings, make_tokens
):
    refresh = make_tokens().refresh
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "REFRESH_TOKEN_EXPIRE_SECONDS": 3600,
        "REFRESH_TOKEN_MAX_LIFETIME_SECONDS": 7200,
    }
    refresh.family_started = refresh.created - timedelta(seconds=7000)

    assert refresh.expires == refresh.family_started + timedelta(seconds=7200)
    assert refresh.is_expired(refresh.created + timedelta(seconds=199)) is False
    assert refresh.is_expired(refresh.created + timedelta(seconds=200)) is True
