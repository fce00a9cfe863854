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


def test_refresh_token_without_a_lifetime_never_expires():
    refresh = RefreshToken(scope="read")

    assert refresh.expires is None
    assert refresh.is_expired() is False
