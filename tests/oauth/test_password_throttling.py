"""Password guessing at the token endpoint is throttled (gqlauth.throttling on django-axes)."""

from __future__ import annotations

import json
from datetime import timedelta
from http import HTTPStatus

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client as HttpClient

from tests.conftest import PASSWORD
from tests.oauth.conftest import basic

LIMITS = {
    "LOGIN_FAILURE_LIMIT": 3,
    "LOGIN_FAILURE_LIMIT_PER_IP": 6,
    "LOGIN_FAILURE_LIMIT_PER_USERNAME": 5,
    "LOGIN_BACKOFF_SECONDS": 60,
    "LOGIN_BACKOFF_MAX_SECONDS": 600,
    "LOGIN_SLOWDOWN_SECONDS": 15,
}
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"


class CountingHasher(MD5PasswordHasher):
    """Counts the password hashes computed in this process (``verify`` computes one through
    ``encode``, and so does the dummy hash Django runs for an unknown username)."""

    algorithm = "counting_md5"
    calls = 0

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.calls += 1
        return super().encode(password, salt)


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, **LIMITS}
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]


@pytest.fixture
def token(make_application):
    """``token(username, password=PASSWORD, ip=ATTACKER, xff=None)`` -> response."""
    client = make_application()
    http = HttpClient()

    def send(username, password=PASSWORD, ip=ATTACKER, xff=None):
        headers = {"Authorization": basic(*client.basic)}
        if xff is not None:
            headers["X-Forwarded-For"] = xff
        data = f"grant_type=password&username={username}&password={password}"
        return http.post(
            "/o/token/",
            data,
            content_type="application/x-www-form-urlencoded",
            headers=headers,
            REMOTE_ADDR=ip,
        )

    return send


def fail(token, username, times, **where):
    for _ in range(times):
        response = token(username, "wrong-password", **where)
        assert response.status_code == HTTPStatus.BAD_REQUEST, response.content
        assert response.json()["error"] == "invalid_grant"


def assert_throttled(response, wait):
    """A 429 asking to wait ``wait`` seconds from the last failure: a few less when the test
    ran slowly (a loaded machine, a remote database)."""
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    retry_after = int(response["Retry-After"])
    assert wait - 5 <= retry_after <= wait
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert json.loads(response.content) == {
        "error": "temporarily_unavailable",
        "error_description": f"Too many failed password attempts: retry after {retry_after} "
        "seconds.",
    }


def wait(seconds):
    """As if ``seconds`` went by: every recorded failure moves that far into the past."""
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= timedelta(seconds=seconds)
        attempt.save(update_fields=["attempt_time"])


def test_past_the_limit_even_the_right_password_gets_429(token, make_user):
    user = make_user()
    fail(token, user.username, 3)  # the third is still a truthful invalid_grant

    assert_throttled(token(user.username), 60)
    assert_throttled(token(user.username, "another-guess"), 60)


def test_a_throttled_attempt_never_runs_the_password_hasher(token, make_user):
    user = make_user()
    CountingHasher.calls = 0
    fail(token, user.username, 3)
    assert CountingHasher.calls == 3

    for _ in range(20):
        assert token(user.username).status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert CountingHasher.calls == 3


def test_unknown_usernames_are_throttled_alike(token):
    CountingHasher.calls = 0
    fail(token, "nobody", 3)
    assert_throttled(token("nobody"), 60)
    assert CountingHasher.calls == 3  # Django hashes once per unknown user, against timing


def test_back_off_grows_with_each_failure_past_the_limit(token, make_user):
    user = make_user()
    fail(token, user.username, 3)
    assert_throttled(token(user.username, "x"), 60)  # refused attempts are not counted...

    wait(60)
    fail(token, user.username, 1)  # ...only checked ones: the 4th failure doubles the wait
    assert_throttled(token(user.username), 120)
    wait(120)
    fail(token, user.username, 1)
    assert_throttled(token(user.username), 240)
    wait(240)
    fail(token, user.username, 1)
    assert_throttled(token(user.username), 480)
    wait(480)
    fail(token, user.username, 1)
    assert_throttled(token(user.username), 600)  # LOGIN_BACKOFF_MAX_SECONDS

    wait(600)
    assert token(user.username).status_code == HTTPStatus.OK


def test_success_resets_the_count(token, make_user):
    user = make_user()
    fail(token, user.username, 2)
    assert token(user.username).status_code == HTTPStatus.OK
    assert not AccessAttempt.objects.filter(username=user.username).exists()

    fail(token, user.username, 2)  # two more are not the 3rd and 4th failure
    assert token(user.username).status_code == HTTPStatus.OK


def test_success_of_one_account_keeps_the_count_of_guesses_at_another(token, make_user):
    victim, own = make_user(), make_user()
    fail(token, victim.username, 2)
    assert token(own.username).status_code == HTTPStatus.OK  # the attacker's own account

    fail(token, victim.username, 1)
    assert_throttled(token(victim.username), 60)


def test_another_ip_is_not_locked_out(token, make_user):
    user = make_user()
    fail(token, user.username, 3, ip=ATTACKER)
    assert_throttled(token(user.username, ip=ATTACKER), 60)

    assert token(user.username, ip=OWNER).status_code == HTTPStatus.OK


def test_per_username_across_ips_only_slows(token, make_user):
    user = make_user()
    for n in range(5):  # five addresses, one guess each: no pair and no address is locked
        fail(token, user.username, 1, ip=f"203.0.113.{n}")

    # The owner, who never failed, is not even slowed...
    assert token(user.username, ip=OWNER).status_code == HTTPStatus.OK
    # ...a guessing address waits LOGIN_SLOWDOWN_SECONDS after each of its failures.
    assert_throttled(token(user.username, ip="203.0.113.0"), 15)
    fail(token, user.username, 1, ip="203.0.113.77")
    assert_throttled(token(user.username, ip="203.0.113.77"), 15)
    wait(15)
    fail(token, user.username, 1, ip="203.0.113.77")


def test_per_ip_limit_covers_every_username(token, make_user):
    for n in range(3):
        fail(token, f"sprayed{n}", 2)  # 6 failures, no pair at its limit
    assert_throttled(token(make_user().username), 60)
    assert token(make_user().username, ip=OWNER).status_code == HTTPStatus.OK


def test_x_forwarded_for_is_ignored_without_trusted_proxies(token, make_user):
    user = make_user()
    for n in range(3):
        fail(token, user.username, 1, ip="127.0.0.1", xff=f"203.0.113.{n}")
    assert_throttled(token(user.username, ip="127.0.0.1", xff=OWNER), 60)


def test_x_forwarded_for_names_the_client_behind_a_trusted_proxy(token, make_user, settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "TRUSTED_PROXIES": ["127.0.0.1"]}
    user = make_user()
    fail(token, user.username, 3, ip="127.0.0.1", xff=ATTACKER)
    assert_throttled(token(user.username, ip="127.0.0.1", xff=ATTACKER), 60)
    # A spoofed leftmost entry does not help the attacker.
    assert_throttled(token(user.username, ip="127.0.0.1", xff=f"{OWNER}, {ATTACKER}"), 60)

    assert token(user.username, ip="127.0.0.1", xff=OWNER).status_code == HTTPStatus.OK
    assert AccessAttempt.objects.get().ip_address == ATTACKER


def test_failed_requests_are_stored_without_credentials(make_application, make_user, post):
    client = make_application()
    user = make_user()
    post(
        "/o/token/",
        {
            "grant_type": "password",
            "username": user.username,
            "password": "wrong-password",
            "client_id": client.client_id,
            "client_secret": client.secret,
        },
    )
    stored = AccessAttempt.objects.get()
    assert client.secret not in stored.post_data
    assert "wrong-password" not in stored.post_data
    assert "client_secret=****" in stored.post_data
