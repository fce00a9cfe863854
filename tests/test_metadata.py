"""gqlauth.metadata: the RFC 8414 document from its inputs, without a request."""

from __future__ import annotations

from gqlauth.conf import oauth2_settings
from gqlauth.metadata import EndpointPaths, on_origin, path_of_issuer, server_metadata

ALL = EndpointPaths(
    token="/o/token/",
    revocation="/o/revoke_token/",
    introspection="/o/introspect/",
    authorization="/o/authorize/",
)


def test_endpoints_sit_on_the_issuers_origin_whatever_its_path():
    assert on_origin("https://auth.example", "/o/token/") == "https://auth.example/o/token/"
    assert on_origin("https://auth.example:8443/tenant", "/prefix/o/token/") == (
        "https://auth.example:8443/prefix/o/token/"
    )


def test_the_issuer_path_is_what_follows_the_well_known_suffix():
    assert path_of_issuer("https://auth.example") == ""
    assert path_of_issuer("https://auth.example/") == ""
    assert path_of_issuer("https://auth.example/tenant/one/") == "/tenant/one"


def test_no_code_flow_without_the_authorization_code_grant():
    document = server_metadata(
        "https://auth.example", ALL, ("password", "refresh_token"), oauth2_settings()
    )

    assert "authorization_endpoint" not in document
    assert document["response_types_supported"] == []
    assert "response_modes_supported" not in document
    assert "code_challenge_methods_supported" not in document
    assert "authorization_response_iss_parameter_supported" not in document


def test_an_unmounted_endpoint_and_what_depends_on_it_are_left_out():
    paths = EndpointPaths(token=None, revocation="/o/revoke_token/", introspection=None)

    document = server_metadata(
        "https://auth.example", paths, ("password", "authorization_code"), oauth2_settings()
    )

    assert document == {
        "issuer": "https://auth.example",
        "revocation_endpoint": "https://auth.example/o/revoke_token/",
        "response_types_supported": [],
        "scopes_supported": ["read", "write", "groups"],
        "revocation_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
    }


def test_jwks_uri_when_the_view_passes_its_path():
    paths = EndpointPaths(token="/o/token/", revocation=None, introspection=None, jwks="/o/jwks/")

    document = server_metadata(
        "https://auth.example/tenant", paths, ("password",), oauth2_settings()
    )

    assert document["jwks_uri"] == "https://auth.example/o/jwks/"
    assert "jwks_uri" not in server_metadata("https://auth.example", ALL, (), oauth2_settings())
