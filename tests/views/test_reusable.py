"""The reusable app's pages in a site that names no "home" or "graphql" URL nor mounts the admin.

gqlauth/ knows no project path: its templates link to the site's home page, GraphQL endpoint and
admin only when the site has such URLs, so its pages render in any project.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.urls import include, path, reverse

# A site with only what the app's own pages need: its URLs and Django's sign-in views.
urlpatterns = [
    path("oauth/", include("gqlauth.urls", namespace="oauth2_provider")),
    path("accounts/", include("django.contrib.auth.urls")),
]


@pytest.fixture
def bare_site(settings):
    settings.ROOT_URLCONF = __name__


def test_application_pages_render_without_the_project_urls(
    bare_site, client, make_user, make_application
):
    owner = make_user()
    client.force_login(owner)
    listing = client.get("/oauth/applications/")  # empty: explains the token endpoint
    app = make_application(user=owner).app
    detail = client.get(f"/oauth/applications/{app.pk}/")

    assert listing.status_code == HTTPStatus.OK
    assert detail.status_code == HTTPStatus.OK
    html = listing.content.decode()
    assert '<a class="brand" href="/">gqlauth</a>' in html
    assert "GraphiQL" not in html
    assert "<code>/oauth/token/</code>" in html
    assert "http://testserver/oauth/token/" in detail.content.decode()


def test_staff_see_no_admin_link_where_the_admin_is_not_mounted(bare_site, client, make_user):
    client.force_login(make_user(is_staff=True))

    for page in ("/oauth/applications/", "/oauth/applications/register/"):
        response = client.get(page)
        assert response.status_code == HTTPStatus.OK
        assert ">Admin</a>" not in response.content.decode()


def test_staff_see_the_admin_link_where_the_admin_is_mounted(client, make_user):
    client.force_login(make_user(is_staff=True))

    html = client.get(reverse("oauth2_provider:list")).content.decode()

    assert f'<a href="{reverse("admin:index")}">Admin</a>' in html
