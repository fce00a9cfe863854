"""gqlauth.scopes: which scopes a client may receive and request (RFC 6749 §3.3).

The tutorial's settings configure ``read``, ``write`` and ``groups`` (in that order) with
DEFAULT_SCOPES ``["__all__"]``. The rules read only the application's fields, so unsaved
applications are enough here.
"""

from __future__ import annotations

import pytest

from gqlauth import scopes
from gqlauth.models import Application


def app(allowed: str = "") -> Application:
    return Application(allowed_scopes=allowed)


@pytest.fixture
def scope_settings(settings):
    """``scope_settings(scopes, default_scopes)`` replaces SCOPES and DEFAULT_SCOPES."""

    def configure(configured: dict[str, str], default: list[str]) -> None:
        settings.OAUTH2_PROVIDER = {"SCOPES": configured, "DEFAULT_SCOPES": default}

    return configure


# --- allowed_for ---------------------------------------------------------------------------------


def test_allowed_for_without_a_subset_is_every_configured_scope():
    assert scopes.allowed_for(app()) == ["read", "write", "groups"]


def test_allowed_for_follows_the_scopes_setting_order_not_the_subset_order():
    assert scopes.allowed_for(app("groups read")) == ["read", "groups"]


def test_allowed_for_drops_subset_scopes_that_are_not_configured():
    assert scopes.allowed_for(app("read admin")) == ["read"]


def test_allowed_for_a_subset_of_only_unknown_scopes_is_empty():
    assert scopes.allowed_for(app("admin")) == []


def test_allowed_for_reads_the_setting_at_use_time(scope_settings):
    scope_settings({"b": "B", "a": "A"}, ["__all__"])
    assert scopes.allowed_for(app()) == ["b", "a"]
    assert scopes.allowed_for(app("a read")) == ["a"]


# --- default_for ---------------------------------------------------------------------------------


def test_default_for_all_is_every_allowed_scope():
    assert scopes.default_for(app()) == ["read", "write", "groups"]


def test_default_for_is_cut_down_to_the_allowed_subset():
    assert scopes.default_for(app("groups read")) == ["read", "groups"]


def test_default_for_named_defaults_within_the_subset(scope_settings):
    scope_settings({"read": "R", "write": "W", "groups": "G"}, ["write", "read"])
    assert scopes.default_for(app()) == ["read", "write"]
    assert scopes.default_for(app("write groups")) == ["write"]


def test_default_for_is_empty_when_no_default_is_allowed(scope_settings):
    scope_settings({"read": "R", "write": "W"}, ["write"])
    assert scopes.default_for(app("read")) == []


# --- may_request ---------------------------------------------------------------------------------


def test_may_request_refuses_an_empty_request():
    assert scopes.may_request(app(), []) is False


def test_may_request_a_known_scope():
    assert scopes.may_request(app(), ["read"]) is True


def test_may_request_every_configured_scope():
    assert scopes.may_request(app(), ["read", "write", "groups"]) is True


def test_may_request_refuses_an_unknown_scope():
    assert scopes.may_request(app(), ["admin"]) is False


def test_may_request_refuses_a_request_with_one_unknown_scope():
    assert scopes.may_request(app(), ["read", "admin"]) is False


def test_may_request_a_subset_of_the_allowed_scopes():
    assert scopes.may_request(app("read write"), ["write"]) is True
    assert scopes.may_request(app("read write"), ["read", "write"]) is True


def test_may_request_refuses_a_configured_scope_outside_the_subset():
    assert scopes.may_request(app("read"), ["read", "groups"]) is False
    assert scopes.may_request(app("read"), ["groups"]) is False


def test_may_request_refuses_an_unconfigured_scope_even_in_the_subset():
    assert scopes.may_request(app("read admin"), ["admin"]) is False


def test_may_request_takes_any_iterable_once():
    assert scopes.may_request(app(), iter(["read", "groups"])) is True
    assert scopes.may_request(app(), iter([])) is False
