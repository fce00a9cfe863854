"""URL map: admin, the OAuth2 endpoints under ``o/`` and sign-in pages under ``accounts/``."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from project.views import home

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("o/", include("gqlauth.urls", namespace="oauth2_provider")),
    path("graphql/", include("schema.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
]
