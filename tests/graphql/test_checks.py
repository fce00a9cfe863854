"""System checks of GQLAUTH_GRAPHQL (gqlauth.E1xx / W1xx), run through Django's registry."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.core import checks

from gqlauth.graphql.conf import DEFAULTS, graphql_settings


def graphql_ids() -> list[str]:
    """Ids of the GraphQL layer's check messages (E1xx / W1xx), in order."""
    return [
        m.id for m in checks.run_checks() if (m.id or "").startswith(("gqlauth.E1", "gqlauth.W1"))
    ]


def test_defaults_pass(settings):
    del settings.GQLAUTH_GRAPHQL  # absent entirely
    assert graphql_ids() == []


def test_not_a_dict_is_e101(settings):
    settings.GQLAUTH_GRAPHQL = [("MAX_DEPTH", 3)]
    assert graphql_ids() == ["gqlauth.E101"]


@pytest.mark.parametrize("key", ["MAX_DEPTH", "MAX_ALIASES", "MAX_TOKENS"])
@pytest.mark.parametrize("value", [0, -1, "10", 2.5, True])
def test_optional_limits_must_be_positive_ints_or_none_e102(settings, key, value):
    settings.GQLAUTH_GRAPHQL = {key: value}
    assert graphql_ids() == ["gqlauth.E102"]


@pytest.mark.parametrize("key", ["MAX_DEPTH", "MAX_ALIASES", "MAX_TOKENS"])
def test_optional_limits_accept_none(settings, key):
    settings.GQLAUTH_GRAPHQL = {key: None}
    assert graphql_ids() == []
    assert getattr(graphql_settings(), key.lower()) is None


@pytest.mark.parametrize("key", ["MAX_LIMIT", "MAX_BODY_BYTES"])
@pytest.mark.parametrize("value", [None, 0, -5, "100", False])
def test_required_limits_must_be_positive_ints_e103(settings, key, value):
    settings.GQLAUTH_GRAPHQL = {key: value}
    assert graphql_ids() == ["gqlauth.E103"]


@pytest.mark.parametrize("key", ["INTROSPECTION", "GRAPHIQL"])
@pytest.mark.parametrize("value", [None, 1, "yes"])
def test_switches_must_be_bools_e104(settings, key, value):
    settings.GQLAUTH_GRAPHQL = {key: value}
    assert graphql_ids() == ["gqlauth.E104"]


@pytest.mark.parametrize("value", [None, 1, ["{ users { id } }"]])
def test_default_query_must_be_a_string_e105(settings, value):
    settings.GQLAUTH_GRAPHQL = {"GRAPHIQL_DEFAULT_QUERY": value}
    assert graphql_ids() == ["gqlauth.E105"]


@pytest.mark.parametrize("value", ["", "  ", 1, ["graphiql"], False])
def test_graphiql_client_id_must_be_a_string_or_none_e106(settings, value):
    settings.GQLAUTH_GRAPHQL = {"GRAPHIQL_CLIENT_ID": value}
    assert graphql_ids() == ["gqlauth.E106"]


@pytest.mark.parametrize("value", [None, "graphiql"])
def test_graphiql_client_id_accepts_a_client_id_or_none(settings, value):
    settings.GQLAUTH_GRAPHQL = {"GRAPHIQL_CLIENT_ID": value}
    assert graphql_ids() == []
    assert graphql_settings().graphiql_client_id == value


def test_graphiql_client_id_defaults_to_none():
    assert DEFAULTS["GRAPHIQL_CLIENT_ID"] is None


def test_max_limit_below_the_default_page_size_warns_w102(settings):
    settings.GQLAUTH_GRAPHQL = {"MAX_LIMIT": 50}
    (message,) = [m for m in checks.run_checks() if m.id == "gqlauth.W102"]
    assert message.level == checks.WARNING
    assert "a query that gives no limit will be refused" in message.msg
    settings.GQLAUTH_GRAPHQL = {"MAX_LIMIT": 500}
    assert graphql_ids() == []


def test_unknown_keys_warn_w101(settings):
    settings.GQLAUTH_GRAPHQL = {"MAX_DEPT": 3}
    (message,) = [m for m in checks.run_checks() if m.id == "gqlauth.W101"]
    assert message.msg == "Unknown GQLAUTH_GRAPHQL keys are ignored: MAX_DEPT."
    assert message.level == checks.WARNING


def test_settings_are_read_at_use_time(settings):
    assert graphql_settings().max_limit == DEFAULTS["MAX_LIMIT"]
    settings.GQLAUTH_GRAPHQL = {"MAX_LIMIT": 7, "GRAPHIQL": False}
    assert graphql_settings().max_limit == 7
    assert graphql_settings().graphiql is False
    assert graphql_settings().introspection is True


def test_checks_module_does_not_import_strawberry():
    """The core registers these checks from ready(); the core must stay strawberry-free."""
    code = (
        "import sys, gqlauth.graphql.checks; "
        "sys.exit('strawberry' in sys.modules or 'graphql' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.parametrize("value", [None, 0, -1, "1", 1.5, True])
def test_max_password_hashes_must_be_a_positive_int_e107(settings, value):
    settings.GQLAUTH_GRAPHQL = {"MAX_PASSWORD_HASHES": value}
    (message,) = [m for m in checks.run_checks() if m.id == "gqlauth.E107"]
    assert message.msg == (
        "GQLAUTH_GRAPHQL['MAX_PASSWORD_HASHES'] must be a positive integer: the most "
        "password-hashing mutations one request may run."
    )
    assert graphql_ids() == ["gqlauth.E107"]


def test_max_password_hashes_defaults_to_one(settings):
    assert graphql_settings().max_password_hashes == 1
    settings.GQLAUTH_GRAPHQL = {"MAX_PASSWORD_HASHES": 3}
    assert graphql_ids() == []
    assert graphql_settings().max_password_hashes == 3
