"""RFC 6749 §5.2 error answers of POST /o/token/, one per row of the issue's table."""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest

from gqlauth.models import AccessToken
from tests.conftest import PASSWORD
from tests.oauth.conftest import basic

INVALID_CLIENT = {
    "error": "invalid_client",
    "error_description": "Client authentication failed: unknown client, wrong secret, "
    "or malformed client credentials.",
}


@pytest.fixture
def client(make_application):
    return make_application()


@pytest.fixture
def user(make_user):
    return make_user()


def _grant(user, **extra):
    return {"grant_type": "password", "username": user.username, "password": PASSWORD, **extra}


def test_missing_grant_type(post, client):
    response = post("/o/token/", {"username": "x", "password": "y"}, auth=client.basic)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "Missing grant_type parameter.",
    }


@pytest.mark.parametrize("missing", ["username", "password"])
def test_missing_parameter(post, client, user, missing):
    data = _grant(user)
    del data[missing]
    response = post("/o/token/", data, auth=client.basic)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": "invalid_request",
        "error_description": f"Request is missing {missing} parameter.",
    }


@pytest.mark.parametrize("name", ["grant_type", "username", "scope", "client_id"])
def test_duplicated_parameter(post, client, user, name):
    pairs = [*_grant(user, scope="read", client_id=client.client_id).items(), (name, "again")]
    response = post("/o/token/", pairs, auth=client.basic)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": "invalid_request",
        "error_description": f"Duplicate {name} parameter (RFC 6749 section 3.2).",
    }


def test_json_body_names_form_encoding(post, client, user):
    response = post(
        "/o/token/", json.dumps(_grant(user)), auth=client.basic, content_type="application/json"
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "The request body must be application/x-www-form-urlencoded "
        "(RFC 6749 section 4.3.2), not application/json.",
    }


def test_query_parameters_refused(post, client, user):
    response = post("/o/token/?password=leak", _grant(user), auth=client.basic)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "invalid_request"


def test_non_ascii_body(post, client):
    response = post("/o/token/", "grant_type=password&username=j\u00e9", auth=client.basic)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("field", ["username", "password", "client_id"])
def test_nul_byte_refused(post, client, user, field):
    data = _grant(user, client_id=client.client_id, client_secret=client.secret)
    data[field] = "a\x00b"
    response = post("/o/token/", data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "Parameters must not contain NUL.",
    }


def test_get_is_405_with_json(client):
    from django.test import Client as HttpClient

    response = HttpClient().get("/o/token/")
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response["Allow"] == "POST"
    assert response.json()["error"] == "invalid_request"


def test_unknown_client(post, user):
    response = post("/o/token/", _grant(user), auth=("no-such-client", "x" * 64))
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == INVALID_CLIENT
    assert response["WWW-Authenticate"] == 'Basic realm="oauth2", error="invalid_client"'
    assert response["Cache-Control"] == "no-store"


def test_wrong_secret(post, client, user):
    response = post("/o/token/", _grant(user), auth=(client.client_id, "wrong" * 10))
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == INVALID_CLIENT
    assert "WWW-Authenticate" in response


def test_no_client_credentials(post, user):
    response = post("/o/token/", _grant(user))
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == INVALID_CLIENT


def test_confidential_client_without_secret(post, client, user):
    response = post("/o/token/", _grant(user, client_id=client.client_id))
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == INVALID_CLIENT


@pytest.mark.parametrize(
    ("header", "description"),
    [
        ("Basic !!!notbase64", "The Basic credentials are not valid base64."),
        ("Basic " + "bm9jb2xvbg==", "The Basic credentials must be 'client_id:client_secret'."),
        ("Digest abc", "The Authorization header must use the Basic scheme."),
        ("Basic", "The Authorization header must use the Basic scheme."),
    ],
)
def test_malformed_basic_header(post, user, header, description):
    response = post("/o/token/", _grant(user), headers={"Authorization": header})
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {"error": "invalid_client", "error_description": description}
    assert "WWW-Authenticate" in response


def test_basic_and_body_secret_together(post, client, user):
    response = post("/o/token/", _grant(user, client_secret=client.secret), auth=client.basic)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "Send client credentials in one way only.",
    }


def test_client_id_conflicting_with_basic(post, client, make_application, user):
    other = make_application()
    response = post("/o/token/", _grant(user, client_id=other.client_id), auth=client.basic)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["error_description"] == (
        "client_id does not match the Basic credentials."
    )


def test_public_client_sending_a_secret(post, make_application, user):
    public = make_application(client_type="public")
    data = _grant(user, client_id=public.client_id, client_secret="x" * 40)
    response = post("/o/token/", data)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == INVALID_CLIENT


def test_basic_credentials_are_form_urldecoded(post, make_application, user):
    # RFC 6749 §2.3.1: id and secret are form-urlencoded before Base64.
    client = make_application(client_id="id with:colon")
    header = basic("id+with%3Acolon", client.secret)
    response = post("/o/token/", _grant(user), headers={"Authorization": header})
    assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize("grant_type", ["implicit", "foo"])
def test_unsupported_grant_type(post, client, grant_type):
    response = post("/o/token/", {"grant_type": grant_type}, auth=client.basic)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": "unsupported_grant_type",
        "error_description": "Supported grant types: authorization_code, password, "
        "refresh_token, client_credentials.",
    }


def test_no_token_written_on_any_error(post, client, user):
    post("/o/token/", _grant(user, scope="nope"), auth=client.basic)
    post("/o/token/", _grant(user), auth=(client.client_id, "bad" * 20))
    assert AccessToken.objects.count() == 0
