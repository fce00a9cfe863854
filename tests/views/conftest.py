"""Fixtures and helpers for the application management pages' tests."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

REGISTER = reverse("oauth2_provider:register")


def url(name, app):
    return reverse(f"oauth2_provider:{name}", args=[app.pk])


@pytest.fixture
def owner(make_user):
    return make_user(username="owner")


@pytest.fixture
def browser(client, owner):
    client.force_login(owner)
    return client


def register_data(**overrides):
    data = {
        "name": "Tutorial client",
        "client_type": "confidential",
        "application_type": "web",
        "grant_types": ["password"],
        "redirect_uris": "",
        "submission": "form-1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def page_text(response):
    return unescape(response.content.decode())


def secret_on_page(response):
    """The secret shown in the page's #client-secret element, or None."""
    html = response.content.decode()
    marker = 'id="client-secret" class="secret">'
    if marker not in html:
        return None
    return html.split(marker, 1)[1].split("<", 1)[0]
