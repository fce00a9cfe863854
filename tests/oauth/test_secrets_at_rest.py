"""No plaintext secret reaches the database or the logs, and failures cost the same work."""

from __future__ import annotations

import logging
from http import HTTPStatus

import pytest
from django.apps import apps
from django.db import models

from gqlauth import digests
from gqlauth.models import GrantType
from tests.conftest import PASSWORD


@pytest.fixture
def full_flow(make_application, make_user, post, password_grant, refresh_grant):
    """Run every endpoint once; return every secret value the flow handled."""
    client = make_application(grant_types=(GrantType.PASSWORD, GrantType.CLIENT_CREDENTIALS))
    user = make_user()
    first = password_grant(client, user.username).json()
    second = refresh_grant(client, first["refresh_token"]).json()
    machine = post("/o/token/", {"grant_type": "client_credentials"}, auth=client.basic).json()
    post("/o/introspect/", {"token": second["access_token"]}, auth=client.basic)
    post("/o/revoke_token/", {"token": machine["access_token"]}, auth=client.basic)
    refresh_grant(client, first["refresh_token"])  # replay: revokes the family
    return [
        client.secret,
        first["access_token"],
        first["refresh_token"],
        second["access_token"],
        second["refresh_token"],
        machine["access_token"],
        PASSWORD,
    ]


def test_no_plaintext_in_any_text_column(full_flow):
    scanned = 0
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField))
        ]
        for row in model.objects.values_list(*fields):
            for value in row:
                scanned += 1
                for secret in full_flow:
                    assert secret not in str(value), f"plaintext secret in {model.__name__}"
    assert scanned > 20


def test_no_secret_in_logs(
    caplog, make_application, make_user, post, password_grant, refresh_grant
):
    caplog.set_level(logging.DEBUG)
    client = make_application()
    user = make_user()
    first = password_grant(client, user.username).json()
    second = refresh_grant(client, first["refresh_token"]).json()
    refresh_grant(client, first["refresh_token"])
    post(
        "/o/token/",
        {"grant_type": "password", "username": user.username, "password": "wrong-password-value"},
        auth=client.basic,
    )
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (
        client.secret,
        first["access_token"],
        first["refresh_token"],
        second["refresh_token"],
        PASSWORD,
        "wrong-password-value",
    ):
        assert secret not in logged


def test_unknown_client_costs_the_same_as_wrong_secret(
    monkeypatch, make_application, make_user, post, django_assert_num_queries
):
    client = make_application()
    user = make_user()
    calls: list[str] = []
    real = digests.candidates

    def counting(value: str, *, purpose: str) -> list[str]:
        calls.append(purpose)
        return real(value, purpose=purpose)

    monkeypatch.setattr(digests, "candidates", counting)
    data = {"grant_type": "password", "username": user.username, "password": PASSWORD}

    with django_assert_num_queries(1):
        wrong = post("/o/token/", data, auth=(client.client_id, "x" * 64))
    wrong_calls = list(calls)
    calls.clear()
    with django_assert_num_queries(1):
        unknown = post("/o/token/", data, auth=("unknown-client-id", "x" * 64))
    assert wrong.status_code == unknown.status_code == HTTPStatus.UNAUTHORIZED
    assert wrong.json() == unknown.json()
    assert calls == wrong_calls == ["client-secret"]
