"""Registering on the developer pages: the grant offered first, application type, default scopes."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest

from gqlauth.models import Application
from tests.views.conftest import REGISTER, page_text, register_data, url

CODE_GRANT = {
    "grant_types": ["authorization_code"],
    "redirect_uris": "https://app.example/cb",
}


def checked(html: str, name: str) -> list[str]:
    """Values of the ticked checkboxes or radios called ``name``."""
    return re.findall(rf'name="{name}" value="([^"]+)"[^>]* checked', html)


# --- The form ----------------------------------------------------------------------------------


def test_the_code_grant_comes_first_and_password_is_marked_legacy(browser):
    html = page_text(browser.get(REGISTER))

    labels = re.findall(r'name="grant_types" value="[a-z_]+"[^>]*> <span>([^<]+)</span>', html)
    assert labels == [
        "Authorization code with PKCE (authorization_code)",
        "Client credentials (client_credentials)",
        "Resource owner password (legacy; deprecated by RFC 9700 §2.4)",
    ]


def test_a_new_registration_defaults_to_a_confidential_web_app_with_the_code_grant(browser):
    html = page_text(browser.get(REGISTER))

    assert checked(html, "grant_types") == ["authorization_code"]
    assert checked(html, "client_type") == ["confidential"]
    assert checked(html, "application_type") == ["web"]
    assert checked(html, "default_scopes") == []
    assert re.findall(r'name="client_type" value="([a-z]+)"', html) == ["confidential", "public"]
    assert re.findall(r'name="application_type" value="([a-z]+)"', html) == ["web", "native"]
    for scope in ("read", "write", "groups"):
        assert f'type="checkbox" name="default_scopes" value="{scope}"' in html


def test_register_a_public_native_app_with_default_scopes(browser):
    response = browser.post(
        REGISTER,
        register_data(
            client_type="public",
            application_type="native",
            allowed_scopes=["read", "groups"],
            default_scopes=["groups", "read"],
            **CODE_GRANT,
        ),
    )

    app = Application.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == url("detail", app)
    assert (app.client_type, app.application_type, app.grant_types) == (
        "public",
        "native",
        ["authorization_code"],
    )
    assert app.default_scopes == "read groups"


def test_default_scopes_without_allowed_scopes_are_any_configured_ones(browser):
    browser.post(REGISTER, register_data(default_scopes=["write"]))

    assert Application.objects.get().default_scopes == "write"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"allowed_scopes": ["read"], "default_scopes": ["read", "write", "groups"]},
            "Default scopes must be among the allowed scopes; not allowed: write, groups.",
        ),
        (
            {"default_scopes": ["admin"]},
            "Unknown scope admin; the scopes in OAUTH2_PROVIDER are: read, write, groups.",
        ),
        ({"application_type": "desktop"}, "Select a valid choice."),
        ({"application_type": None}, "This field is required."),
    ],
)
def test_bad_application_type_or_default_scopes_are_form_errors(browser, overrides, message):
    response = browser.post(REGISTER, register_data(**overrides))

    assert response.status_code == HTTPStatus.OK
    assert not Application.objects.exists()
    field = "application_type" if "application_type" in overrides else "default_scopes"
    assert any(message in error for error in response.context["form"].errors[field])
    assert f'id="id_{field}_errors"' in response.content.decode()


def test_edit_shows_and_changes_application_type_and_default_scopes(
    browser, owner, make_application
):
    app = make_application(user=owner, default_scopes="read write").app

    html = page_text(browser.get(url("update", app)))

    assert checked(html, "default_scopes") == ["read", "write"]
    assert checked(html, "application_type") == ["web"]
    response = browser.post(
        url("update", app),
        register_data(name=app.name, application_type="native", default_scopes=["groups"]),
    )
    assert response.status_code == HTTPStatus.FOUND
    app.refresh_from_db()
    assert (app.application_type, app.default_scopes) == ("native", "groups")
