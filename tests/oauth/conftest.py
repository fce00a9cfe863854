"""Helpers for talking to the protocol endpoints through Django's test client."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client as HttpClient

from tests.conftest import PASSWORD, Client

FORM = "application/x-www-form-urlencoded"


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


@pytest.fixture
def post() -> Callable[..., Any]:
    """``post(path, data, auth=(id, secret) | None, content_type=FORM, headers=None)``.

    ``data`` is a dict or a list of pairs (to send duplicates) or a raw string.
    """
    http = HttpClient()

    def send(
        path: str,
        data: dict[str, str] | list[tuple[str, str]] | str,
        auth: tuple[str, str] | None = None,
        content_type: str = FORM,
        headers: dict[str, str] | None = None,
    ) -> Any:
        body = data if isinstance(data, str) else urlencode(data)
        extra = dict(headers or {})
        if auth is not None:
            extra["Authorization"] = basic(*auth)
        return http.post(path, body, content_type=content_type, headers=extra)

    return send


@pytest.fixture
def password_grant(post: Callable[..., Any]) -> Callable[..., Any]:
    """``password_grant(client, user, **extra)`` -> response of a password-grant request."""

    def request(client: Client, username: str, password: str = PASSWORD, **extra: str) -> Any:
        data = {"grant_type": "password", "username": username, "password": password, **extra}
        return post("/o/token/", data, auth=client.basic)

    return request


@pytest.fixture
def refresh_grant(post: Callable[..., Any]) -> Callable[..., Any]:
    """``refresh_grant(client, refresh_token, **extra)`` with credentials in the body."""

    def request(client: Client, refresh_token: str, **extra: str) -> Any:
        data = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client.client_id,
            "client_secret": client.secret,
            **extra,
        }
        return post("/o/token/", data)

    return request
