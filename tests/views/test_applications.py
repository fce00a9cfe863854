"""Application management pages: sign-in, ownership, registering, secrets shown once."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.contrib.sessions.models import Session
from django.test import Client as HttpClient
from django.urls import reverse

from gqlauth.models import Application, ClientType
from tests.views.conftest import REGISTER, page_text, register_data, secret_on_page, url

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
