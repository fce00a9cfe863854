"""The application pages in a site that has only gqlauth's and Django's sign-in URLs.

A project that installs the app need not name a "home" or "graphql" URL nor mount the admin;
the pages then leave those links out instead of failing.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client as HttpClient
from django.urls import include, path, reverse

urlpatterns = [
    path("o/", include("gqlauth.urls", namespace="oauth2_provider")),
    path("accounts/", include("django.contrib.auth.urls")),
]


@pytest.fixture
def staff(make_user):
    client = HttpClient()
    client.force_login(make_user(is_staff=True))
    return client


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("name", ["list", "register"])
def test_pages_render_without_admin_home_or_graphql(staff, name):
    response = staff.get(reverse(f"oauth2_provider:{name}"))

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert ">Admin</a>" not in html
    assert ">GraphiQL</a>" not in html
    assert 'class="brand" href="/"' in html


def test_staff_see_the_admin_link_where_the_admin_is_mounted(staff):
    html = staff.get(reverse("oauth2_provider:list")).content.decode()

    assert f'<a href="{reverse("admin:index")}">Admin</a>' in html
