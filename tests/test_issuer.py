"""gqlauth.issuer.issuer_for: configured, or from the request only with DEBUG on."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from gqlauth.issuer import issuer_for


def test_the_configured_issuer_wins_over_the_host(settings, rf):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ISSUER": "https://auth.example/"}

    assert issuer_for(rf.get("/", HTTP_HOST="evil.example")) == "https://auth.example"


def test_debug_derives_it_from_the_request(settings, rf):
    settings.DEBUG = True
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ISSUER": None}

    assert issuer_for(rf.get("/o/authorize/")) == "http://testserver"


def test_without_debug_a_missing_issuer_is_a_configuration_error(settings, rf):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ISSUER": None}

    with pytest.raises(ImproperlyConfigured):
        issuer_for(rf.get("/"))
