"""gqlauth.redirects: exact matching, and RFC 8252 §7.3 loopback ports for native apps only."""

from __future__ import annotations

import pytest

from gqlauth.redirects import is_registered

WEB = ["https://app.example/cb"]
LOOPBACK = ["http://127.0.0.1/cb", "http://[::1]/cb?x=1"]


@pytest.mark.parametrize(
    "presented",
    ["https://app.example/cb", "http://127.0.0.1/cb", "http://[::1]/cb?x=1"],
)
def test_an_exact_match_is_registered_for_every_application(presented):
    assert is_registered(presented, WEB + LOOPBACK, native=False) is True


@pytest.mark.parametrize(
    "presented",
    [
        "https://app.example/cb/",
        "https://app.example/CB",
        "https://app.example:443/cb",
        "https://app.example/cb?x=1",
        "https://app.example/cb#frag",
        "https://evil.example/cb",
        "http://127.0.0.1:8080/cb",
    ],
)
def test_anything_else_is_not_for_a_web_application(presented):
    assert is_registered(presented, WEB + LOOPBACK, native=False) is False


@pytest.mark.parametrize(
    "presented",
    ["http://127.0.0.1:53123/cb", "http://127.0.0.1:1/cb", "http://[::1]:8080/cb?x=1"],
)
def test_a_native_app_may_use_any_loopback_port(presented):
    assert is_registered(presented, LOOPBACK, native=True) is True


@pytest.mark.parametrize(
    "presented",
    [
        "http://127.0.0.1:53123/other",
        "http://127.0.0.1:53123/cb?y=2",
        "http://127.0.0.1:53123/cb#f",
        "http://localhost:53123/cb",
        "https://127.0.0.1:53123/cb",
        "http://user@127.0.0.1:53123/cb",
        "http://127.0.0.1:99999/cb",
        "http://127.0.0.1:port/cb",
        "http://[::1]:8080/cb",
    ],
)
def test_the_port_is_the_only_freedom_of_a_native_app(presented):
    assert is_registered(presented, LOOPBACK, native=True) is False


def test_a_registered_non_loopback_uri_gives_a_native_app_no_port_freedom():
    assert is_registered("https://app.example:8443/cb", WEB, native=True) is False
