"""gqlauth.pkce: methods by setting, who must use PKCE, well-formed values (RFC 7636 §4.1)."""

from __future__ import annotations

import pytest

from gqlauth import pkce
from gqlauth.models import Application, ClientType


def test_only_s256_unless_plain_is_allowed(settings):
    assert pkce.methods() == ("S256",)
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ALLOW_PLAIN_PKCE": True}
    assert pkce.methods() == ("S256", "plain")


def test_public_clients_always_need_pkce(settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "PKCE_REQUIRED": False}
    assert pkce.required_for(Application(client_type=ClientType.PUBLIC)) is True
    assert pkce.required_for(Application(client_type=ClientType.CONFIDENTIAL)) is False


def test_every_client_needs_pkce_by_default():
    assert pkce.required_for(Application(client_type=ClientType.CONFIDENTIAL)) is True


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("a" * 43, True),
        ("A-b.c_d~" * 16, True),
        ("a" * 42, False),
        ("a" * 129, False),
        ("a" * 42 + "+", False),
        ("a" * 42 + "=", False),
    ],
)
def test_well_formed_values(value, ok):
    assert pkce.is_well_formed(value) is ok
