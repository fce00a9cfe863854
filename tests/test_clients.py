"""gqlauth.clients: Basic parsing, where credentials come from, and equal work on every failure."""

from __future__ import annotations

import base64

import pytest

from gqlauth import clients, digests
from gqlauth.clients import MalformedCredentialsError
from gqlauth.models import ClientType


def basic(raw: bytes | str) -> str:
    """An Authorization header carrying ``raw`` (already form-encoded) as Basic credentials."""
    data = raw.encode() if isinstance(raw, str) else raw
    return "Basic " + base64.b64encode(data).decode()


# --- parse_basic (RFC 6749 §2.3.1) ----------------------------------------------------------------


def test_parse_basic_returns_id_and_secret():
    assert clients.parse_basic(basic("abc123:s3cret")) == ("abc123", "s3cret")


def test_parse_basic_accepts_any_case_of_the_scheme_and_surrounding_space():
    assert clients.parse_basic("  bASIC   " + basic("id:pw")[6:] + " ") == ("id", "pw")


def test_parse_basic_form_decodes_id_and_secret():
    # RFC 6749 §2.3.1: both parts are application/x-www-form-urlencoded before base64.
    header = basic("my%20app+x:p%3Aw%2Bd%25")
    assert clients.parse_basic(header) == ("my app x", "p:w+d%")


def test_parse_basic_splits_at_the_first_colon_only():
    assert clients.parse_basic(basic("id:a:b")) == ("id", "a:b")


def test_parse_basic_empty_password_is_an_empty_secret():
    assert clients.parse_basic(basic("public-id:")) == ("public-id", "")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer abc", "The Authorization header must use the Basic scheme."),
        ("Digest " + basic("id:pw")[6:], "The Authorization header must use the Basic scheme."),
        ("Basic", "The Authorization header must use the Basic scheme."),
        ("Basic    ", "The Authorization header must use the Basic scheme."),
        ("Basic not*base64!", "The Basic credentials are not valid base64."),
        ("Basic aWQ6cHc", "The Basic credentials are not valid base64."),
        (basic(b"\xff\xfe:pw"), "The Basic credentials are not valid base64."),
        (basic("no-colon"), "The Basic credentials must be 'client_id:client_secret'."),
        (basic(":secret"), "The Basic credentials must be 'client_id:client_secret'."),
        (basic(""), "The Authorization header must use the Basic scheme."),
    ],
    ids=[
        "bearer",
        "digest",
        "scheme-only",
        "scheme-and-spaces",
        "bad-base64",
        "missing-padding",
        "not-utf8",
        "missing-colon",
        "empty-id",
        "empty-payload",
    ],
)
def test_parse_basic_refuses(header, message):
    with pytest.raises(MalformedCredentialsError) as excinfo:
        clients.parse_basic(header)
    assert str(excinfo.value) == message


def test_malformed_credentials_is_a_value_error():
    assert issubclass(MalformedCredentialsError, ValueError)


# --- presented(): one way to send credentials ---------------------------------------------------


def test_presented_none_without_credentials():
    assert clients.presented({}, None, None) is None


def test_presented_none_for_an_empty_body_client_id():
    assert clients.presented({}, "", None) is None


def test_presented_from_the_body():
    credentials = clients.presented({}, "abc", "s3cret")
    assert credentials is not None
    assert (credentials.client_id, credentials.secret) == ("abc", "s3cret")


def test_presented_body_client_id_alone_has_no_secret():
    credentials = clients.presented({}, "abc", None)
    assert credentials is not None
    assert (credentials.client_id, credentials.secret) == ("abc", None)


def test_presented_from_basic():
    credentials = clients.presented({"Authorization": basic("abc:s3cret")}, None, None)
    assert credentials is not None
    assert (credentials.client_id, credentials.secret) == ("abc", "s3cret")


def test_presented_basic_with_empty_password_means_a_public_client():
    credentials = clients.presented({"Authorization": basic("abc:")}, None, None)
    assert credentials is not None
    assert (credentials.client_id, credentials.secret) == ("abc", None)


def test_presented_basic_with_the_same_body_client_id():
    credentials = clients.presented({"Authorization": basic("abc:s3cret")}, "abc", None)
    assert credentials is not None
    assert (credentials.client_id, credentials.secret) == ("abc", "s3cret")


def test_presented_refuses_basic_and_a_body_secret():
    with pytest.raises(MalformedCredentialsError) as excinfo:
        clients.presented({"Authorization": basic("abc:s3cret")}, None, "s3cret")
    assert str(excinfo.value) == "Send client credentials in one way only."


def test_presented_refuses_basic_and_an_empty_body_secret():
    with pytest.raises(MalformedCredentialsError) as excinfo:
        clients.presented({"Authorization": basic("abc:")}, "abc", "")
    assert str(excinfo.value) == "Send client credentials in one way only."


def test_presented_refuses_a_body_client_id_other_than_basic():
    with pytest.raises(MalformedCredentialsError) as excinfo:
        clients.presented({"Authorization": basic("abc:s3cret")}, "other", None)
    assert str(excinfo.value) == "client_id does not match the Basic credentials."


def test_presented_refuses_a_broken_basic_header_even_with_body_credentials():
    with pytest.raises(MalformedCredentialsError) as excinfo:
        clients.presented({"Authorization": "Bearer abc"}, "abc", "s3cret")
    assert str(excinfo.value) == "The Authorization header must use the Basic scheme."


# --- verify_credentials(): same work on every path -----------------------------------------------


@pytest.fixture
def digest_comparisons(monkeypatch):
    """The ``purpose`` of every ``digests.matches`` call, in order."""
    calls: list[str] = []
    real = digests.matches

    def counting(value: str, stored_digest: str, *, purpose: str) -> bool:
        calls.append(purpose)
        return real(value, stored_digest, purpose=purpose)

    monkeypatch.setattr(digests, "matches", counting)
    return calls


def _verify(application, client_id, secret):
    credentials = clients.presented({}, client_id, secret)
    assert credentials is not None
    return clients.verify_credentials(credentials, application)


def test_confidential_client_with_its_secret(make_application, digest_comparisons):
    client = make_application()
    assert _verify(client.app, client.client_id, client.secret) is True
    assert digest_comparisons == ["client-secret"]


def test_confidential_client_with_a_wrong_secret(make_application, digest_comparisons):
    client = make_application()
    assert _verify(client.app, client.client_id, client.secret + "x") is False
    assert digest_comparisons == ["client-secret"]


def test_confidential_client_without_a_secret(make_application, digest_comparisons):
    client = make_application()
    assert _verify(client.app, client.client_id, None) is False
    assert digest_comparisons == ["client-secret"]


def test_confidential_client_with_an_empty_secret(make_application, digest_comparisons):
    client = make_application()
    assert _verify(client.app, client.client_id, "") is False
    assert digest_comparisons == ["client-secret"]


def test_public_client_by_id_alone(make_application, digest_comparisons):
    client = make_application(client_type=ClientType.PUBLIC)
    assert _verify(client.app, client.client_id, None) is True
    assert digest_comparisons == ["client-secret"]


def test_public_client_by_basic_with_an_empty_password(make_application, digest_comparisons):
    client = make_application(client_type=ClientType.PUBLIC)
    credentials = clients.presented({"Authorization": basic(client.client_id + ":")}, None, None)
    assert credentials is not None
    assert clients.verify_credentials(credentials, client.app) is True
    assert digest_comparisons == ["client-secret"]


def test_public_client_sending_a_secret_is_refused(make_application, digest_comparisons):
    client = make_application(client_type=ClientType.PUBLIC)
    assert _verify(client.app, client.client_id, "a-secret-it-was-never-given") is False
    assert digest_comparisons == ["client-secret"]


def test_unknown_client_is_refused_after_one_digest_comparison(digest_comparisons):
    assert _verify(None, "no-such-client", "whatever-secret") is False
    assert digest_comparisons == ["client-secret"]


def test_unknown_client_without_a_secret_still_costs_a_comparison(digest_comparisons):
    assert _verify(None, "no-such-client", None) is False
    assert digest_comparisons == ["client-secret"]


def test_unknown_client_costs_what_a_wrong_secret_costs(make_application, monkeypatch):
    # The work itself, not only the call count: each path computes the digests of one secret
    # (one HMAC per accepted key).
    client = make_application()
    computed: list[str] = []
    real = digests.candidates

    def counting(value: str, *, purpose: str) -> list[str]:
        computed.append(purpose)
        return real(value, purpose=purpose)

    monkeypatch.setattr(digests, "candidates", counting)
    assert _verify(client.app, client.client_id, "wrong-secret") is False
    wrong_secret = list(computed)
    computed.clear()
    assert _verify(None, "no-such-client", "wrong-secret") is False
    assert computed == wrong_secret == ["client-secret"]
