"""The tutorial's URLs, and the bare view."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from drf_site.views import GroupList, UserDetails, UserList, bare_users

urlpatterns = [
    path("admin/", admin.site.urls),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("users/", UserList.as_view()),
    path("users/<pk>/", UserDetails.as_view()),
    path("groups/", GroupList.as_view()),
    path("bare/users/", bare_users),
]
