"""Registering on the developer pages: the grant offered first, application type, default scopes,
and who may register (``REGISTER_APPLICATIONS``)."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.urls import reverse

from gqlauth.models import Application
from gqlauth.registration import registration_refused
from tests.views.conftest import REGISTER, page_text, register_data, url

LIST = reverse("oauth2_provider:list")
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


# --- Who may register: REGISTER_APPLICATIONS ---------------------------------------------------


@pytest.fixture
def register_rule(settings):
    def set_rule(rule: str) -> None:
        settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "REGISTER_APPLICATIONS": rule}

    return set_rule


def _assert_refused(browser, reason: str) -> None:
    page = browser.get(REGISTER)
    post = browser.post(REGISTER, register_data())
    listing = page_text(browser.get(LIST))

    for response in (page, post):
        assert response.status_code == HTTPStatus.FORBIDDEN
        html = page_text(response)
        assert "<h1>You may not register applications</h1>" in html
        assert f'<p class="message message-error">{reason}</p>' in html
        assert 'name="grant_types"' not in html
        assert "default-src 'self'" in response["Content-Security-Policy"]
    assert not Application.objects.exists()
    assert f'href="{REGISTER}"' not in listing
    assert "Your account may not register applications on this server" in listing


def _assert_allowed(browser) -> None:
    assert browser.get(REGISTER).status_code == HTTPStatus.OK
    assert f'href="{REGISTER}"' in page_text(browser.get(LIST))
    assert browser.post(REGISTER, register_data()).status_code == HTTPStatus.OK  # secret page
    assert Application.objects.count() == 1


def test_by_default_any_signed_in_user_may_register(browser):
    _assert_allowed(browser)


def test_authenticated_rule(browser, register_rule):
    register_rule("authenticated")

    _assert_allowed(browser)


def test_staff_rule_refuses_other_users(browser, register_rule):
    register_rule("staff")

    _assert_refused(browser, "On this server only staff accounts may register applications.")


def test_staff_rule_lets_staff_register(browser, owner, register_rule):
    register_rule("staff")
    owner.is_staff = True
    owner.save()

    _assert_allowed(browser)


def test_permission_rule_refuses_users_without_it(browser, register_rule):
    register_rule("gqlauth.add_application")

    _assert_refused(
        browser,
        "Registering applications needs the “gqlauth.add_application” permission, "
        "which your account lacks.",
    )


@pytest.mark.parametrize("how", ["user permission", "group permission", "superuser"])
def test_permission_rule_lets_holders_register(client, make_user, register_rule, how):
    register_rule("gqlauth.add_application")
    permission = Permission.objects.get(codename="add_application")
    user = make_user(is_superuser=how == "superuser", groups=("registrars",))
    if how == "user permission":
        user.user_permissions.add(permission)
    elif how == "group permission":
        user.groups.get().permissions.add(permission)
    client.force_login(user)

    _assert_allowed(client)


def test_the_rule_does_not_stop_owners_managing_existing_applications(
    browser, owner, make_application, register_rule
):
    register_rule("staff")
    app = make_application(user=owner).app

    assert browser.get(url("detail", app)).status_code == HTTPStatus.OK
    assert browser.get(url("update", app)).status_code == HTTPStatus.OK
    assert app.client_id in page_text(browser.get(LIST))


def test_anonymous_and_inactive_users_may_not_register(make_user):
    inactive = make_user(is_active=False)

    for user in (AnonymousUser(), inactive):
        assert registration_refused(user) == (
            "Sign in with an active account to register applications."
        )
