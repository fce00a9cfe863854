"""gqlauth.bearer.authenticate_bearer: the resource server's one-query token check (RFC 6750)."""

from __future__ import annotations

import pytest

from gqlauth import bearer, tokens
from gqlauth.errors import (
    ExpiredTokenError,
    InactiveApplicationError,
    InactiveUserError,
    InvalidTokenError,
    MalformedTokenError,
    UnknownTokenError,
)


def _request(rf, header):
    headers = {} if header is None else {"Authorization": header}
    return rf.post("/graphql/", headers=headers)


def test_no_header_is_anonymous(rf, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert bearer.authenticate_bearer(_request(rf, None)) is None


def test_valid_token_one_query(rf, make_tokens, django_assert_num_queries):
    issued = make_tokens(scopes=("read",))
    with django_assert_num_queries(1):
        token = bearer.authenticate_bearer(_request(rf, f"Bearer {issued.access_token}"))
        # user and application come joined: reading them costs nothing more.
        assert bearer.user_of(token).username == issued.access.user.username
        assert token.application.client_id == issued.access.application.client_id
    assert token.scopes == ["read"]


def test_scheme_is_case_insensitive(rf, make_tokens):
    issued = make_tokens()
    assert bearer.authenticate_bearer(_request(rf, f"bearer {issued.access_token}")) is not None


def test_client_credentials_token_has_no_user(rf, make_tokens):
    issued = make_tokens(user=False)
    token = bearer.authenticate_bearer(_request(rf, f"Bearer {issued.access_token}"))
    assert bearer.user_of(token) is None
    assert token == issued.access


@pytest.mark.parametrize(
    "header", ["Basic abc", "Bearer", "Bearer ", "Bearer a b", "Bearer t\u00f6ken", "token"]
)
def test_malformed(rf, db, header):
    with pytest.raises(MalformedTokenError) as caught:
        bearer.authenticate_bearer(_request(rf, header))
    assert caught.value.www_authenticate.startswith('Bearer error="invalid_token"')


def test_unknown(rf, db):
    with pytest.raises(UnknownTokenError):
        bearer.authenticate_bearer(_request(rf, "Bearer " + "a" * 43))


def test_revoked(rf, make_tokens):
    issued = make_tokens()
    tokens.revoke_access_token(issued.access)
    with pytest.raises(UnknownTokenError):
        bearer.authenticate_bearer(_request(rf, f"Bearer {issued.access_token}"))


def test_expired(rf, make_tokens):
    issued = make_tokens(expires_in=-1)
    with pytest.raises(ExpiredTokenError):
        bearer.authenticate_bearer(_request(rf, f"Bearer {issued.access_token}"))


def test_inactive_user(rf, make_tokens, make_user):
    issued = make_tokens(user=make_user(is_active=False))
    with pytest.raises(InactiveUserError) as caught:
        bearer.authenticate_bearer(_request(rf, f"Bearer {issued.access_token}"))
    assert isinstance(caught.value, InvalidTokenError)
    assert caught.value.status_code == 401


def test_refresh_token_is_not_an_access_token(rf, make_tokens):
    issued = make_tokens()
    with pytest.raises(UnknownTokenError):
        bearer.authenticate_bearer(_request(rf, f"Bearer {issued.refresh_token}"))


def test_inactive_application(rf, make_tokens):
    issued = make_tokens()
    issued.access.application.active = False
    issued.access.application.save()
    with pytest.raises(InactiveApplicationError) as caught:
        bearer.authenticate_bearer(_request(rf, f"Bearer {issued.access_token}"))
    assert caught.value.description == "The access token's application is inactive."
