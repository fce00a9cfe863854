"""gqlauth.conf: defaults, override_settings, __all__ expansion."""

from __future__ import annotations

from gqlauth.conf import oauth2_settings


def test_tutorial_defaults():
    conf = oauth2_settings()
    assert conf.scopes == {
        "read": "Read scope",
        "write": "Write scope",
        "groups": "Access to your groups",
    }
    assert conf.access_token_expire_seconds == 36000
    # Refresh families end by default: 30 days idle, 90 days at most.
    assert conf.refresh_token_expire_seconds == 30 * 24 * 3600
    assert conf.refresh_token_max_lifetime_seconds == 90 * 24 * 3600
    assert conf.rotate_refresh_token is True
    assert conf.refresh_token_reuse_protection is True
    assert conf.resolved_default_scopes() == ["read", "write", "groups"]


def test_override_settings_takes_effect_at_once(settings):
    before = oauth2_settings()
    settings.OAUTH2_PROVIDER = {"SCOPES": {"a": "A", "b": "B"}, "DEFAULT_SCOPES": ["b"]}
    after = oauth2_settings()
    assert after is not before
    assert after.resolved_default_scopes() == ["b"]


def test_digest_keys_follow_secret_key_and_its_fallbacks(settings):
    settings.SECRET_KEY = "s" * 50
    settings.SECRET_KEY_FALLBACKS = ["o" * 50]
    assert oauth2_settings().token_digest_keys == ("s" * 50, "o" * 50)


def test_a_dedicated_digest_key_has_its_own_fallbacks(settings):
    settings.SECRET_KEY_FALLBACKS = ["o" * 50]
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "TOKEN_DIGEST_KEY": "k" * 40,
        "TOKEN_DIGEST_KEY_FALLBACKS": ["f" * 40],
    }
    assert oauth2_settings().token_digest_keys == ("k" * 40, "f" * 40)
