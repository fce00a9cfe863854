"""The tutorial site's home page and sign-in pages, and the Content-Security-Policy they get."""

from __future__ import annotations

from http import HTTPStatus

from django.urls import reverse

from gqlauth.csp import HEADER as CSP
from gqlauth.csp import POLICY
from tests.conftest import PASSWORD


def test_home_page_links_and_scopes(client, settings):
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "SCOPES": {"read": "Read scope", "groups": "Access to your groups"},
    }

    response = client.get("/")

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    for link in ('href="/graphql/"', 'href="/o/applications/"', 'href="/admin/"'):
        assert link in html
    assert "<code>read</code></td><td>Read scope</td>" in html
    assert "<code>groups</code></td><td>Access to your groups</td>" in html
    assert "http://testserver/o/token/" in html
    assert response[CSP] == POLICY


def test_home_page_says_when_graphiql_is_off(client, settings):
    settings.GQLAUTH_GRAPHQL = {"GRAPHIQL": False}

    response = client.get("/")

    assert "Turned off on this server" in response.content.decode()


def test_home_page_is_get_only(client):
    assert client.post("/").status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_login_page_is_ours_and_csrf_protected(client):
    response = client.get(reverse("login"), {"next": "/o/applications/"})

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="next" value="/o/applications/"' in html
    assert 'href="/static/gqlauth/gqlauth.css"' in html
    assert response[CSP] == POLICY


def test_sign_in_then_out(client, make_user):
    make_user(username="dev")

    signed_in = client.post(
        reverse("login"),
        {"username": "dev", "password": PASSWORD, "next": "/o/applications/"},
    )
    page = client.get("/o/applications/")
    signed_out = client.post(reverse("logout"))

    assert signed_in.status_code == HTTPStatus.FOUND
    assert signed_in["Location"] == "/o/applications/"
    assert page.status_code == HTTPStatus.OK
    assert "Signed in as <strong>dev</strong>" in page.content.decode()
    assert signed_out.status_code == HTTPStatus.FOUND
    assert client.get("/o/applications/").status_code == HTTPStatus.FOUND


def test_wrong_password_shows_an_error(client, make_user):
    make_user(username="dev")

    response = client.post(reverse("login"), {"username": "dev", "password": "nope"})

    assert response.status_code == HTTPStatus.OK
    assert "Please enter a correct username and password" in response.content.decode()


def test_admin_links_to_the_home_page(admin_client):
    response = admin_client.get(reverse("admin:index"))

    assert response.status_code == HTTPStatus.OK
    assert 'href="/"' in response.content.decode()  # the admin's "View site" link
    assert response[CSP] == POLICY
