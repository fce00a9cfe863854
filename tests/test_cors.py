"""The rules of :mod:`gqlauth.cors`: what an allowed origin is."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from gqlauth import cors


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("https://app.example.com", "https://app.example.com"),
        ("https://app.example.com:8443", "https://app.example.com:8443"),
        # Browsers lowercase scheme and host and leave out a default port in Origin.
        ("HTTPS://App.Example.COM", "https://app.example.com"),
        ("https://app.example.com:443", "https://app.example.com"),
        ("http://localhost:80", "http://localhost"),
        ("https://xn--bcher-kva.example", "https://xn--bcher-kva.example"),
        ("https://203.0.113.7", "https://203.0.113.7"),
        ("https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443"),
        # http only for loopback hosts, where a developer's app runs.
        ("http://localhost:3000", "http://localhost:3000"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.1.2.3:8080", "http://127.1.2.3:8080"),
        ("http://[::1]:5173", "http://[::1]:5173"),
        ("http://[::1]", "http://[::1]"),
    ],
)
def test_valid_origins_are_stored_as_browsers_send_them(value, stored):
    assert cors.normalise_origin(value) == stored


@pytest.mark.parametrize(
    "value",
    [
        "https://app.example.com/",
        "https://app.example.com/app",
        "https://app.example.com?x=1",
        "https://app.example.com?",
        "https://app.example.com#top",
        "https://user@app.example.com",
        "https://user:pw@app.example.com",
        "app.example.com",
        "//app.example.com",
        "https://",
        "https:app.example.com",
        "ftp://app.example.com",
        "file:///etc/passwd",
        "null",
        "*",
        "https://*.example.com",
        "https://app.example.com:0",
        "https://app.example.com:99999",
        "https://app.example.com:port",
        "https://bücher.example",
        "https://-app.example.com",
        "https://app..example.com",
        "https://[::1",
    ],
)
def test_anything_but_scheme_host_and_port_is_refused(value):
    with pytest.raises(ValidationError) as raised:
        cors.normalise_origin(value)
    assert raised.value.code == "invalid_origin"
    assert raised.value.messages == [
        f"Not a valid origin: {value}. Use scheme://host[:port] with nothing after it, "
        "e.g. https://app.example.com or http://localhost:3000."
    ]


@pytest.mark.parametrize(
    "value", ["http://app.example.com", "http://192.168.1.10:3000", "http://localhost.example"]
)
def test_http_is_refused_except_on_loopback_hosts(value):
    with pytest.raises(ValidationError) as raised:
        cors.normalise_origin(value)
    assert raised.value.code == "insecure_origin"
    assert raised.value.messages == [
        f"Not a valid origin: {value}. Use https; http is allowed only for loopback hosts "
        "(localhost, 127.0.0.1, [::1])."
    ]


def test_parse_origins_normalises_and_drops_duplicates_in_order():
    text = "https://b.example\n  HTTPS://A.example https://b.example:443\thttp://localhost:3000"
    assert cors.parse_origins(text) == [
        "https://b.example",
        "https://a.example",
        "http://localhost:3000",
    ]
    assert cors.parse_origins("  ") == []


def test_parse_origins_reports_every_invalid_origin():
    with pytest.raises(ValidationError) as raised:
        cors.parse_origins("https://ok.example http://bad.example https://also.bad/")
    assert [error.code for error in raised.value.error_list] == [
        "insecure_origin",
        "invalid_origin",
    ]
