"""URL map: admin, the OAuth2 endpoints under ``o/``, their metadata under ``.well-known/`` and
sign-in pages under ``accounts/``."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from gqlauth.urls import well_known_urlpatterns
from project.views import home

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("o/", include("gqlauth.urls", namespace="oauth2_provider")),
    path(".well-known/", include(well_known_urlpatterns)),
    path("graphql/", include("schema.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
]
