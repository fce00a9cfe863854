"""Application management pages: detail, edit, secret rotation, deletion, headers."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.urls import reverse

from gqlauth.csp import HEADER as CSP
from gqlauth.models import AccessToken, Application, ClientType, GrantType, RefreshToken
from tests.views.conftest import page_text, register_data, secret_on_page, url

# --- Detail and edit ---------------------------------------------------------------------------


def test_detail_shows_a_curl_command_for_the_password_grant(browser, owner, make_application):
    app = make_application(user=owner).app

    response = browser.get(url("detail", app))

    assert response.status_code == HTTPStatus.OK
    expected = (
        'curl -X POST -d "grant_type=password&username=<user_name>&password=<password>" '
        f'-u "{app.client_id}:<client_secret>" http://testserver/o/token/'
    )
    assert expected in page_text(response)


def test_detail_curl_for_a_public_client_sends_the_client_id(browser, owner, make_application):
    app = make_application(user=owner, client_type=ClientType.PUBLIC).app

    response = browser.get(url("detail", app))

    expected = (
        'curl -X POST -d "grant_type=password&username=<user_name>&password=<password>'
        f'&client_id={app.client_id}" http://testserver/o/token/'
    )
    assert expected in page_text(response)
    assert " -u " not in page_text(response)


def test_detail_curl_for_client_credentials(browser, owner, make_application):
    app = make_application(user=owner, grant_types=(GrantType.CLIENT_CREDENTIALS,)).app

    response = browser.get(url("detail", app))

    expected = (
        f'curl -X POST -d "grant_type=client_credentials" -u "{app.client_id}:<client_secret>" '
        "http://testserver/o/token/"
    )
    assert expected in page_text(response)
    assert "grant_type=refresh_token" not in response.content.decode()


def test_edit_changes_the_application(browser, owner, make_application):
    client = make_application(user=owner, name="Old")

    response = browser.post(
        url("update", client.app),
        register_data(name="New", grant_types=["password", "client_credentials"]),
    )

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == url("detail", client.app)
    client.app.refresh_from_db()
    assert client.app.name == "New"
    assert client.app.grant_types == ["password", "client_credentials"]
    assert client.app.check_client_secret(client.secret)  # editing keeps the secret


def test_edit_shows_validation_errors(browser, owner, make_application):
    app = make_application(user=owner, name="Old").app

    response = browser.post(url("update", app), register_data(redirect_uris="nope"))

    assert response.status_code == HTTPStatus.OK
    assert "redirect_uris" in response.context["form"].errors
    app.refresh_from_db()
    assert app.name == "Old"


def test_edit_making_a_public_client_confidential_shows_its_new_secret_once(
    browser, owner, make_application
):
    app = make_application(user=owner, client_type=ClientType.PUBLIC).app

    response = browser.post(url("update", app), register_data(client_type="confidential"))

    assert response.status_code == HTTPStatus.OK
    secret = secret_on_page(response)
    app.refresh_from_db()
    assert secret
    assert app.check_client_secret(secret)
    assert secret not in browser.get(url("detail", app)).content.decode()


# --- Rotation ----------------------------------------------------------------------------------


def test_rotation_replaces_the_secret_and_shows_it_once(browser, owner, make_application):
    client = make_application(user=owner)

    confirm = browser.get(url("rotate-secret", client.app))
    response = browser.post(url("rotate-secret", client.app), {"submission": "rotate-1"})

    assert confirm.status_code == HTTPStatus.OK
    assert response.status_code == HTTPStatus.OK
    assert "no-store" in response["Cache-Control"]
    new_secret = secret_on_page(response)
    client.app.refresh_from_db()
    assert new_secret != client.secret
    assert client.app.check_client_secret(client.secret) is False
    assert client.app.check_client_secret(new_secret) is True
    assert new_secret not in browser.get(url("detail", client.app)).content.decode()


def test_rotation_keeps_tokens_unless_asked_to_revoke(
    browser, owner, make_application, make_tokens
):
    client = make_application(user=owner)
    make_tokens(application=client.app)

    browser.post(url("rotate-secret", client.app), {"submission": "a"})
    assert AccessToken.objects.filter(application=client.app).count() == 1

    browser.post(url("rotate-secret", client.app), {"submission": "b", "revoke_tokens": "1"})
    assert AccessToken.objects.filter(application=client.app).count() == 0
    assert not RefreshToken.objects.filter(application=client.app).live().exists()


def test_resubmitting_rotation_does_not_rotate_again(browser, owner, make_application):
    client = make_application(user=owner)
    first = browser.post(url("rotate-secret", client.app), {"submission": "once"})
    secret = secret_on_page(first)

    again = browser.post(url("rotate-secret", client.app), {"submission": "once"})

    assert again.status_code == HTTPStatus.FOUND
    assert again["Location"] == url("detail", client.app)
    client.app.refresh_from_db()
    assert client.app.check_client_secret(secret)


def test_public_client_has_no_secret_to_rotate(browser, owner, make_application):
    app = make_application(user=owner, client_type=ClientType.PUBLIC).app

    response = browser.post(url("rotate-secret", app), {"submission": "x"})

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == url("detail", app)
    app.refresh_from_db()
    assert app.client_secret_digest == ""


# --- Deletion ----------------------------------------------------------------------------------


def test_delete_asks_first_then_revokes_the_applications_tokens(
    browser, owner, make_application, make_tokens
):
    app = make_application(user=owner).app
    other = make_application(user=owner).app
    make_tokens(application=app)
    make_tokens(application=app)
    make_tokens(application=other)

    confirm = browser.get(url("delete", app))
    assert confirm.status_code == HTTPStatus.OK
    assert "2 live access tokens" in confirm.content.decode()
    assert Application.objects.filter(pk=app.pk).exists()

    response = browser.post(url("delete", app))

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("oauth2_provider:list")
    assert not Application.objects.filter(pk=app.pk).exists()
    assert not AccessToken.objects.filter(application_id=app.pk).exists()
    assert not RefreshToken.objects.filter(application_id=app.pk).exists()
    assert AccessToken.objects.filter(application=other).count() == 1
    page = browser.get(response["Location"])
    assert "revoked its 2 access tokens" in page.content.decode()


# --- Headers -----------------------------------------------------------------------------------


PAGES = ["list", "register", "detail", "update", "delete", "rotate-secret"]


@pytest.mark.parametrize("name", PAGES)
def test_pages_send_a_content_security_policy(browser, owner, make_application, name):
    app = make_application(user=owner).app
    target = reverse(f"oauth2_provider:{name}") if name in ("list", "register") else url(name, app)

    response = browser.get(target)

    assert response.status_code == HTTPStatus.OK
    assert "default-src 'self'" in response[CSP]
    assert "script-src 'self'" in response[CSP]
    assert "unsafe-inline" not in response[CSP]
