"""The project's URLs plus ``/callback``: a redirect URI on the live server for the flow's tests.

A route in the page cannot stand in for it: Playwright does not route the request a redirect
leads to, and the authorization endpoint answers with one.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from project.urls import urlpatterns as project_urlpatterns


def callback(request: HttpRequest) -> HttpResponse:
    """Where a test client's authorization response lands; the test reads the address bar."""
    return HttpResponse("<!DOCTYPE html><title>Callback</title><h1>Callback</h1>")


urlpatterns = [path("callback", callback), *project_urlpatterns]
