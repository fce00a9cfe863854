"""URL map: admin, the OAuth2 endpoints under ``o/``, their metadata under ``.well-known/`` and
sign-in pages under ``accounts/``."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path

from gqlauth import throttling
from gqlauth.urls import well_known_urlpatterns
from project.views import home

# Sign-in forms that say "try again in N minutes" when password guessing is throttled.
admin.site.login_form = throttling.AdminAuthenticationForm

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("o/", include("gqlauth.urls", namespace="oauth2_provider")),
    path(".well-known/", include(well_known_urlpatterns)),
    path("graphql/", include("schema.urls")),
    path(
        "accounts/login/",
        LoginView.as_view(authentication_form=throttling.AuthenticationForm),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
]
