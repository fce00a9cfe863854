"""gqlauth.attempts: the two AXES_HANDLER stores give the same answers."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.core.cache import caches
from django.utils import timezone

from gqlauth.attempts import CacheHandler, DatabaseHandler
from tests.oauth.test_password_throttling import ATTACKER, OWNER, assert_throttled, fail, token

__all__ = ["token"]  # the fixture, shared with the token endpoint's tests


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "LOGIN_FAILURE_LIMIT": 3,
        "LOGIN_FAILURE_LIMIT_PER_IP": 6,
        "LOGIN_FAILURE_LIMIT_PER_USERNAME": 5,
    }


@pytest.fixture(params=["DatabaseHandler", "CacheHandler"])
def handler(request, settings):
    """Each test that asks for it runs once per store."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "axes": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "gqlauth-test-axes",
        },
    }
    settings.AXES_CACHE = "axes"
    settings.AXES_HANDLER = f"gqlauth.attempts.{request.param}"  # axes reloads its handler
    caches["axes"].clear()
    yield AxesProxyHandler.get_implementation()
    caches["axes"].clear()


def test_the_configured_handler_is_used(handler, settings):
    expected = CacheHandler if settings.AXES_HANDLER.endswith("CacheHandler") else DatabaseHandler
    assert type(handler) is expected


def test_lock_after_the_limit_refusals_not_counted(handler, token, make_user):
    user = make_user()
    fail(token, user.username, 3)
    for _ in range(5):
        assert_throttled(token(user.username), 60)
    assert token(user.username, ip=OWNER).status_code == HTTPStatus.OK


def test_success_resets_only_its_pair(handler, token, make_user):
    victim, own = make_user(), make_user()
    fail(token, victim.username, 2)
    fail(token, own.username, 2)
    assert token(own.username).status_code == HTTPStatus.OK

    fail(token, own.username, 2)  # its count restarted: 2 of 3
    fail(token, victim.username, 1)  # 3 of 3, and 5 of 6 for the address
    assert_throttled(token(victim.username), 60)
    fail(token, own.username, 1)  # the address's 6th
    assert_throttled(token(make_user().username, ip=ATTACKER), 60)


def test_per_username_slowdown(handler, token, make_user):
    user = make_user()
    for n in range(5):
        fail(token, user.username, 1, ip=f"203.0.113.{n}")
    assert token(user.username, ip=OWNER).status_code == HTTPStatus.OK
    assert_throttled(token(user.username, ip="203.0.113.1"), 15)


def test_database_rows_leave_the_window(token, make_user):
    # The project's default store; the cache forgets by expiry instead.
    assert type(AxesProxyHandler.get_implementation()) is DatabaseHandler
    user = make_user()
    fail(token, user.username, 3)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(days=1, seconds=1))

    fail(token, make_user().username, 1)  # any failure cleans up the expired rows

    assert list(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == [1]
    assert token(user.username).status_code == HTTPStatus.OK


def test_a_handler_ignores_a_signal_without_request(handler):
    handler.user_login_failed(sender=None, credentials={"username": "x"}, request=None)


def test_whitelisted_addresses_are_not_counted(handler, token, make_user, settings):
    settings.AXES_NEVER_LOCKOUT_WHITELIST = True
    settings.AXES_IP_WHITELIST = [ATTACKER]
    user = make_user()
    fail(token, user.username, 5)
    assert token(user.username).status_code == HTTPStatus.OK


def test_cache_reset_survives_expired_counters(token, make_user, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.AXES_HANDLER = "gqlauth.attempts.CacheHandler"
    caches["default"].clear()
    user = make_user()
    fail(token, user.username, 2)
    # The address's and the username's counters expired; the pair's is still there.
    handler = AxesProxyHandler.get_implementation()
    pair, ip, name = handler._keys(type("R", (), {"axes_ip_address": ATTACKER})(), user.username)
    caches["default"].delete_many([ip, name])

    assert token(user.username).status_code == HTTPStatus.OK
    assert caches["default"].get(pair) is None
