"""The sign-in page (and the admin's) is throttled like the token endpoint, with a form error."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from axes.models import AccessAttempt
from django.test import Client as HttpClient

from tests.conftest import PASSWORD
from tests.oauth.test_password_throttling import LIMITS, CountingHasher

ATTACKER = "203.0.113.66"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, **LIMITS}
    settings.PASSWORD_HASHERS = [f"{CountingHasher.__module__}.CountingHasher"]


def sign_in(username, password=PASSWORD, ip=ATTACKER, path="/accounts/login/"):
    return HttpClient().post(path, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_past_the_limit_the_page_says_try_later_with_429(make_user):
    user = make_user()
    for _ in range(3):
        response = sign_in(user.username, "wrong-password")
        assert response.status_code == HTTPStatus.OK
        assert "Please enter a correct username and password" in response.content.decode()

    CountingHasher.calls = 0
    response = sign_in(user.username)

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert 55 <= int(response["Retry-After"]) <= 60
    html = response.content.decode()
    assert (
        f"Too many failed sign-in attempts. Try again in {response['Retry-After']} seconds." in html
    )
    assert "Please enter a correct username and password" not in html
    assert '<form method="post"' in html  # the page, with its form, not a bare error
    assert "_auth_user_id" not in response.wsgi_request.session
    assert CountingHasher.calls == 0


def test_success_resets_and_other_addresses_sign_in(make_user):
    user = make_user()
    for _ in range(2):
        sign_in(user.username, "wrong-password")
    assert sign_in(user.username).status_code == HTTPStatus.FOUND
    assert not AccessAttempt.objects.exists()

    for _ in range(3):
        sign_in(user.username, "wrong-password")
    assert sign_in(user.username).status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert sign_in(user.username, ip="198.51.100.7").status_code == HTTPStatus.FOUND


def test_the_admin_sign_in_says_try_later_too(make_user):
    user = make_user(is_staff=True)
    for _ in range(3):
        sign_in(user.username, "wrong-password", path="/admin/login/")

    response = sign_in(user.username, path="/admin/login/")

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many failed sign-in attempts. Try again in" in response.content.decode()
