"""Application management pages: ownership, validation, secrets shown once, rotation, deletion."""

from __future__ import annotations

from html import unescape
from http import HTTPStatus

import pytest
from django.contrib.sessions.models import Session
from django.test import Client as HttpClient
from django.urls import reverse

from gqlauth.csp import HEADER as CSP
from gqlauth.models import AccessToken, Application, ClientType, GrantType, RefreshToken

REGISTER = reverse("oauth2_provider:register")


def url(name, app):
    return reverse(f"oauth2_provider:{name}", args=[app.pk])


@pytest.fixture
def owner(make_user):
    return make_user(username="owner")


@pytest.fixture
def browser(client, owner):
    client.force_login(owner)
    return client


def register_data(**overrides):
    data = {
        "name": "Tutorial client",
        "client_type": "confidential",
        "grant_types": ["password"],
        "redirect_uris": "",
        "submission": "form-1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def page_text(response):
    return unescape(response.content.decode())


def secret_on_page(response):
    """The secret shown in the page's #client-secret element, or None."""
    html = response.content.decode()
    marker = 'id="client-secret" class="secret">'
    if marker not in html:
        return None
    return html.split(marker, 1)[1].split("<", 1)[0]


# --- Sign-in and ownership ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["list", "register", "detail", "update", "delete", "rotate-secret"]
)
def test_pages_require_sign_in(client, make_application, name):
    app = make_application().app
    target = reverse(f"oauth2_provider:{name}") if name in ("list", "register") else url(name, app)

    response = client.get(target)

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{reverse('login')}?next={target}"


def test_list_shows_only_own_applications(browser, owner, make_application):
    mine = make_application(user=owner, name="Mine").app
    theirs = make_application(name="Theirs").app

    response = browser.get(reverse("oauth2_provider:list"))

    assert response.status_code == HTTPStatus.OK
    assert mine.client_id in response.content.decode()
    assert theirs.client_id not in response.content.decode()
    assert "Theirs" not in response.content.decode()


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("detail", "get"),
        ("update", "get"),
        ("update", "post"),
        ("delete", "get"),
        ("delete", "post"),
        ("rotate-secret", "get"),
        ("rotate-secret", "post"),
    ],
)
def test_another_users_application_is_404(browser, make_application, name, method):
    other = make_application(name="Theirs")
    digest = other.app.client_secret_digest

    response = getattr(browser, method)(url(name, other.app), register_data(name="Stolen"))

    assert response.status_code == HTTPStatus.NOT_FOUND
    other.app.refresh_from_db()
    assert other.app.name == "Theirs"
    assert other.app.client_secret_digest == digest
    assert other.app.check_client_secret(other.secret)


def test_missing_application_is_404(browser):
    response = browser.get(reverse("oauth2_provider:detail", args=[999999]))

    assert response.status_code == HTTPStatus.NOT_FOUND


# --- Registering -------------------------------------------------------------------------------


def test_register_page_renders_the_form(browser):
    response = browser.get(REGISTER)

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    for field in ("name", "client_type", "grant_types", "redirect_uris", "allowed_scopes"):
        assert f'name="{field}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="submission"' in html
    assert "Tick none to allow every scope" in html  # help text
    assert "client_secret" not in html  # generated, never typed here


def test_register_confidential_shows_the_secret_once(browser, owner):
    response = browser.post(REGISTER, register_data())

    assert response.status_code == HTTPStatus.OK
    app = Application.objects.get()
    assert app.user == owner
    assert app.client_type == ClientType.CONFIDENTIAL
    assert app.grant_types == ["password"]
    secret = secret_on_page(response)
    assert secret is not None
    assert len(secret) >= 43
    assert app.check_client_secret(secret)
    assert "no-store" in response["Cache-Control"]
    assert app.client_id in response.content.decode()
    # The ready-to-paste command on this one page carries the real secret.
    assert f'-u "{app.client_id}:{secret}" http://testserver/o/token/' in page_text(response)
    # Stored nowhere in plaintext: not in the row, not in the session.
    assert secret not in str(Application.objects.values().get())
    for session in Session.objects.all():
        assert secret not in str(session.get_decoded())

    detail = browser.get(url("detail", app))

    assert detail.status_code == HTTPStatus.OK
    assert secret not in detail.content.decode()
    assert secret_on_page(detail) is None
    assert app.client_id in detail.content.decode()


def test_resubmitting_the_register_form_does_not_show_or_create_again(browser):
    first = browser.post(REGISTER, register_data())
    secret = secret_on_page(first)
    app = Application.objects.get()

    again = browser.post(REGISTER, register_data())

    assert again.status_code == HTTPStatus.FOUND
    assert again["Location"] == url("detail", app)
    assert Application.objects.count() == 1
    page = browser.get(again["Location"])
    assert secret not in page.content.decode()
    assert "already submitted" in page.content.decode()


def test_register_public_client_has_no_secret(browser):
    response = browser.post(REGISTER, register_data(client_type="public"))

    app = Application.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == url("detail", app)
    assert app.client_secret_digest == ""
    assert not app.is_confidential


def test_register_stores_scopes_in_settings_order(browser):
    browser.post(REGISTER, register_data(allowed_scopes=["groups", "read"]))

    assert Application.objects.get().allowed_scopes == "read groups"


def test_register_stores_redirect_uris_space_separated(browser):
    browser.post(
        REGISTER,
        register_data(
            grant_types=["authorization_code"],
            redirect_uris="https://app.example/cb\r\nhttp://localhost:8080/cb",
        ),
    )

    assert Application.objects.get().redirect_uris == (
        "https://app.example/cb http://localhost:8080/cb"
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"grant_types": ["authorization_code"], "redirect_uris": ""},
            "redirect_uris",
            "needs at least one redirect URI",
        ),
        (
            {"redirect_uris": "not-a-uri"},
            "redirect_uris",
            "Not a valid redirect URI: not-a-uri.",
        ),
        (
            {"redirect_uris": "https://app.example/cb#fragment"},
            "redirect_uris",
            "Not a valid redirect URI: https://app.example/cb#fragment.",
        ),
        (
            {"redirect_uris": "ftp://files.example/cb"},
            "redirect_uris",
            "Not a valid redirect URI: ftp://files.example/cb.",
        ),
        (
            {"client_type": "public", "grant_types": ["client_credentials"]},
            "grant_types",
            "needs a confidential client",
        ),
        ({"allowed_scopes": ["read", "admin"]}, "allowed_scopes", "admin"),
        ({"grant_types": ["implicit"]}, "grant_types", "implicit"),
        ({"grant_types": None}, "grant_types", "This field is required."),
        ({"name": ""}, "name", "This field is required."),
        ({"client_type": "secret-agent"}, "client_type", "Select a valid choice."),
    ],
)
def test_register_validation_errors(browser, overrides, field, message):
    response = browser.post(REGISTER, register_data(**overrides))

    assert response.status_code == HTTPStatus.OK
    assert Application.objects.count() == 0
    errors = response.context["form"].errors
    assert field in errors
    assert any(message in error for error in errors[field])
    html = response.content.decode()
    assert f'id="id_{field}_errors"' in html  # shown next to the field
    assert "Please correct" in html
    assert secret_on_page(response) is None


def test_forms_are_csrf_protected(owner, make_application):
    csrf_client = HttpClient(enforce_csrf_checks=True)
    csrf_client.force_login(owner)
    app = make_application(user=owner)

    responses = [
        csrf_client.post(REGISTER, register_data()),
        csrf_client.post(url("update", app.app), register_data()),
        csrf_client.post(url("rotate-secret", app.app), {}),
        csrf_client.post(url("delete", app.app), {}),
    ]

    assert [r.status_code for r in responses] == [HTTPStatus.FORBIDDEN] * 4
    assert Application.objects.count() == 1
    app.app.refresh_from_db()
    assert app.app.check_client_secret(app.secret)


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
