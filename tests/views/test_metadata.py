"""GET /.well-known/oauth-authorization-server: authorization server metadata (RFC 8414).

The document is built from settings and URL names, and from whether signing keys are published
(for ``jwks_uri``): this process's copy of the keys, read at most once a minute, so the
document costs no query while it is fresh (tested below). The last three tests check that every
advertised client authentication method really works at its endpoint.
"""

from __future__ import annotations

import base64
from http import HTTPStatus
from urllib.parse import urlencode

import pytest
from django.urls import include, path

from gqlauth import signingkeys
from gqlauth.models import AccessToken, ClientType
from gqlauth.oauth import server
from gqlauth.urls import urlpatterns as oauth_urls
from gqlauth.urls import well_known_urlpatterns

pytestmark = pytest.mark.django_db

URL = "/.well-known/oauth-authorization-server"
METHODS = ["client_secret_basic", "client_secret_post", "none"]

# A site without an authorization endpoint (whether or not gqlauth.urls has one).
urlpatterns = [
    path(
        "o/",
        include(
            ([p for p in oauth_urls if getattr(p, "name", None) != "authorize"], "oauth2_provider")
        ),
    ),
    path(".well-known/", include(well_known_urlpatterns)),
]

CODE_FLOW_FIELDS = {
    "authorization_endpoint",
    "response_modes_supported",
    "code_challenge_methods_supported",
    "authorization_response_iss_parameter_supported",
}
CODE_FLOW_GRANTS = ("authorization_code", "password", "refresh_token", "client_credentials")


@pytest.fixture
def code_flow_site(settings, monkeypatch):
    """The tutorial's site with the code grant at the token endpoint and /o/authorize/."""
    settings.ROOT_URLCONF = "tests.views.code_flow_site"
    monkeypatch.setattr(server, "SUPPORTED_GRANTS", CODE_FLOW_GRANTS)


@pytest.fixture
def no_authorize_site(settings, monkeypatch):
    settings.ROOT_URLCONF = __name__
    monkeypatch.setattr(server, "SUPPORTED_GRANTS", CODE_FLOW_GRANTS)


def test_the_tutorial_servers_document(code_flow_site, client):
    response = client.get(URL)

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response.json() == {
        "issuer": "http://testserver",
        "authorization_endpoint": "http://testserver/o/authorize/",
        "token_endpoint": "http://testserver/o/token/",
        "revocation_endpoint": "http://testserver/o/revoke_token/",
        "introspection_endpoint": "http://testserver/o/introspect/",
        "grant_types_supported": [
            "authorization_code",
            "password",
            "refresh_token",
            "client_credentials",
        ],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "scopes_supported": ["read", "write", "groups"],
        "token_endpoint_auth_methods_supported": METHODS,
        "revocation_endpoint_auth_methods_supported": METHODS,
        "introspection_endpoint_auth_methods_supported": METHODS,
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,
    }


def test_without_an_authorization_endpoint_no_code_flow_is_advertised(no_authorize_site, client):
    response = client.get(URL)

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "issuer": "http://testserver",
        "token_endpoint": "http://testserver/o/token/",
        "revocation_endpoint": "http://testserver/o/revoke_token/",
        "introspection_endpoint": "http://testserver/o/introspect/",
        # What the token endpoint serves, even though no code can be obtained here.
        "grant_types_supported": [
            "authorization_code",
            "password",
            "refresh_token",
            "client_credentials",
        ],
        "response_types_supported": [],
        "scopes_supported": ["read", "write", "groups"],
        "token_endpoint_auth_methods_supported": METHODS,
        "revocation_endpoint_auth_methods_supported": METHODS,
        "introspection_endpoint_auth_methods_supported": METHODS,
    }


def test_without_the_code_grant_the_authorization_endpoint_is_not_advertised(
    code_flow_site, client, monkeypatch
):
    monkeypatch.setattr(server, "SUPPORTED_GRANTS", ("password", "refresh_token"))

    body = client.get(URL).json()

    assert body["grant_types_supported"] == ["password", "refresh_token"]
    assert body["response_types_supported"] == []
    assert CODE_FLOW_FIELDS.isdisjoint(body)


def test_the_project_serves_what_its_token_endpoint_serves(client):
    """Against the real URLs and grants: both halves of the code flow are wired, or neither."""
    body = client.get(URL).json()

    assert body["grant_types_supported"] == list(server.SUPPORTED_GRANTS)
    code_grant = "authorization_code" in server.SUPPORTED_GRANTS
    assert ("authorization_endpoint" in body) is code_grant
    assert (body["response_types_supported"] == ["code"]) is code_grant


def test_plain_pkce_is_advertised_only_when_allowed(code_flow_site, settings, client):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ALLOW_PLAIN_PKCE": True}

    body = client.get(URL).json()

    assert body["code_challenge_methods_supported"] == ["S256", "plain"]


def test_scopes_follow_the_setting(settings, client):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "SCOPES": {"profile": "Your profile"}}

    assert client.get(URL).json()["scopes_supported"] == ["profile"]


def test_the_configured_issuer_wins_over_the_host(settings, client):
    settings.DEBUG = True  # the only mode in which the Host could matter at all
    settings.ALLOWED_HOSTS = ["*"]
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ISSUER": "https://auth.example/"}

    body = client.get(URL, HTTP_HOST="evil.example").json()

    assert body["issuer"] == "https://auth.example"
    assert body["token_endpoint"] == "https://auth.example/o/token/"


def test_with_debug_and_no_issuer_it_comes_from_the_request(settings, client):
    settings.DEBUG = True
    settings.ALLOWED_HOSTS = ["dev.example"]
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ISSUER": None}

    body = client.get(URL, HTTP_HOST="dev.example:8000").json()

    assert body["issuer"] == "http://dev.example:8000"
    assert body["token_endpoint"] == "http://dev.example:8000/o/token/"


def test_without_debug_a_missing_issuer_is_503_naming_the_setting(settings, client):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ISSUER": None}

    response = client.get(URL)

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "error": "server_error",
        "error_description": 'The issuer is not configured: set OAUTH2_PROVIDER["ISSUER"].',
    }


def test_an_issuer_with_a_path_is_served_after_the_suffix(settings, client):
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "ISSUER": "https://auth.example/tenant/one",
    }

    response = client.get(f"{URL}/tenant/one")

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["issuer"] == "https://auth.example/tenant/one"
    assert body["token_endpoint"] == "https://auth.example/o/token/"
    assert client.get(URL).status_code == HTTPStatus.NOT_FOUND
    assert client.get(f"{URL}/tenant").status_code == HTTPStatus.NOT_FOUND
    assert client.get(f"{URL}/tenant/one/").status_code == HTTPStatus.NOT_FOUND


def test_an_issuer_without_a_path_is_served_only_at_the_suffix(client):
    assert client.get(f"{URL}/tenant").status_code == HTTPStatus.NOT_FOUND


def test_head_answers_like_get_without_a_body(client):
    response = client.head(URL)

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response.content == b""


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_other_methods_are_405(client, method):
    response = getattr(client, method)(URL)

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response["Allow"] == "GET, HEAD"
    assert response.content == b""


# -- jwks_uri: when JWT access tokens are issued or keys are published ------------------------


def test_no_jwks_uri_while_tokens_are_opaque_and_no_key_is_published(client):
    assert "jwks_uri" not in client.get(URL).json()


def test_jwt_access_tokens_by_default_name_the_jwk_set(settings, client):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ACCESS_TOKEN_FORMAT": "jwt"}
    assert client.get(URL).json()["jwks_uri"] == "http://testserver/o/jwks/"


def test_a_published_key_names_the_jwk_set(signing_key, client):
    # Opaque by default, but an application may have chosen JWTs: its keys must be found.
    assert client.get(URL).json()["jwks_uri"] == "http://testserver/o/jwks/"
    signingkeys.retire(signing_key.kid, unpublish=True)
    assert "jwks_uri" not in client.get(URL).json()


def test_the_document_costs_no_query_while_the_keys_are_fresh(client, django_assert_num_queries):
    client.get(URL)
    with django_assert_num_queries(0):
        client.get(URL)


# -- the advertised client authentication methods work ---------------------------------------


def _authenticated(method, make_application):
    """(application, extra form fields, headers) for one RFC 7591 §2 auth method."""
    if method == "none":
        app = make_application(client_type=ClientType.PUBLIC)
        return app, {"client_id": app.client_id}, {}
    app = make_application()
    if method == "client_secret_post":
        return app, {"client_id": app.client_id, "client_secret": app.secret}, {}
    basic = base64.b64encode(f"{app.client_id}:{app.secret}".encode()).decode()
    return app, {}, {"Authorization": f"Basic {basic}"}


def _post(client, url, data, headers):
    form = "application/x-www-form-urlencoded"
    return client.post(url, urlencode(data), content_type=form, headers=headers)


def test_each_token_endpoint_method_works(client, make_application, make_tokens):
    body = client.get(URL).json()

    for method in body["token_endpoint_auth_methods_supported"]:
        app, fields, headers = _authenticated(method, make_application)
        issued = make_tokens(application=app.app)
        data = {"grant_type": "refresh_token", "refresh_token": issued.refresh_token, **fields}
        response = _post(client, body["token_endpoint"], data, headers)
        assert response.status_code == HTTPStatus.OK, method


def test_each_revocation_method_works(client, make_application, make_tokens):
    body = client.get(URL).json()

    for method in body["revocation_endpoint_auth_methods_supported"]:
        app, fields, headers = _authenticated(method, make_application)
        issued = make_tokens(application=app.app)
        data = {"token": issued.access_token, **fields}
        response = _post(client, body["revocation_endpoint"], data, headers)
        assert response.status_code == HTTPStatus.OK, method
        assert not AccessToken.objects.filter(pk=issued.access.pk).exists(), method


def test_each_introspection_method_works_for_the_clients_own_token(
    client, make_application, make_tokens
):
    body = client.get(URL).json()

    for method in body["introspection_endpoint_auth_methods_supported"]:
        app, fields, headers = _authenticated(method, make_application)
        issued = make_tokens(application=app.app)
        data = {"token": issued.access_token, **fields}
        response = _post(client, body["introspection_endpoint"], data, headers)
        assert response.status_code == HTTPStatus.OK, method
        assert response.json()["active"] is True, method
