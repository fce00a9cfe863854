"""gqlauth.jwtaccess: RFC 9068 access tokens, signed and verified (no HTTP here)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from gqlauth import jose, jwtaccess, signingkeys
from gqlauth.errors import ExpiredTokenError
from gqlauth.jwtaccess import BadJwtError, CannotSignError
from gqlauth.models import AccessTokenFormat

ISSUER = "http://testserver"
AUDIENCE = "http://testserver/graphql/"


def b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def parts(value: str) -> tuple[dict, dict]:
    header, payload, _ = value.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (
        json.loads(base64.urlsafe_b64decode(pad(header))),
        json.loads(base64.urlsafe_b64decode(pad(payload))),
    )


def claims(**changes):
    now = int(time.time())
    return {
        "iss": ISSUER,
        "sub": "1",
        "aud": AUDIENCE,
        "client_id": "client",
        "scope": "read",
        "jti": "j",
        "iat": now,
        "exp": now + 60,
        **changes,
    }


def forge(key, payload=None, **header):
    """A token signed by ``key`` (a SigningKey) with any claims and header."""
    signer = signingkeys.signer()
    assert signer.kid == key.kid
    return jose.sign_jws(
        payload or claims(),
        signer.private_key,
        algorithm=signer.algorithm,
        kid=header.get("kid", key.kid),
        typ=header.get("typ", "at+jwt"),
    )


def reason(value: str) -> str:
    with pytest.raises(BadJwtError) as caught:
        jwtaccess.verify_access_token(value, issuer=ISSUER)
    assert caught.value.description == "The access token is invalid or revoked."
    return caught.value.reason


# -- issuing ---------------------------------------------------------------------------------------


def test_the_header_and_claims_of_rfc_9068(signing_key, make_user, make_application):
    user, app = make_user(), make_application().app
    now = timezone.now()

    signed = jwtaccess.sign_access_token(
        application=app,
        user=user,
        scopes=["read", "groups"],
        issuer=ISSUER,
        expires_in=300,
        now=now,
    )

    header, payload = parts(signed.value)
    iat = int(now.timestamp())
    assert header == {"alg": "ES256", "kid": signing_key.kid, "typ": "at+jwt"}
    assert payload == {
        "iss": ISSUER,
        "sub": str(user.pk),
        "aud": AUDIENCE,
        "client_id": app.client_id,
        "scope": "read groups",
        "jti": signed.jti,
        "iat": iat,
        "exp": iat + 300,
    }
    assert signed.expires == datetime.fromtimestamp(iat + 300, UTC)
    assert len(signed.jti) >= 22  # 128 random bits


def test_a_client_token_names_the_client_as_subject(signing_key, make_application):
    app = make_application().app
    signed = jwtaccess.sign_access_token(
        application=app, user=None, scopes=["read"], issuer=ISSUER, expires_in=60
    )
    assert parts(signed.value)[1]["sub"] == app.client_id


def test_rs256_and_a_configured_audience(settings, db, make_application):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "JWT_AUDIENCE": "https://api.example"}
    key = signingkeys.create(algorithm="RS256", activate_now=True)

    signed = jwtaccess.sign_access_token(
        application=make_application().app, user=None, scopes=[], issuer=ISSUER, expires_in=60
    )

    header, payload = parts(signed.value)
    assert (header["alg"], header["kid"]) == ("RS256", key.kid)
    assert payload["aud"] == "https://api.example"
    assert "scope" in payload
    assert jwtaccess.verify_access_token(signed.value, issuer=ISSUER).scopes == []


def test_the_default_audience_is_the_graphql_url_on_the_issuers_origin(settings):
    assert jwtaccess.audience_for("https://auth.example/tenant") == "https://auth.example/graphql/"
    settings.ROOT_URLCONF = "tests.views.test_metadata"  # no "graphql" URL
    assert jwtaccess.audience_for(ISSUER) is None


def test_no_audience_no_jwt(settings, signing_key, make_application):
    settings.ROOT_URLCONF = "tests.views.test_metadata"
    with pytest.raises(CannotSignError, match="No audience"):
        jwtaccess.sign_access_token(
            application=make_application().app, user=None, scopes=[], issuer=ISSUER, expires_in=1
        )


def test_no_active_key_no_jwt(db, make_application):
    signingkeys.create()  # pending
    with pytest.raises(CannotSignError, match="No signing key is active"):
        jwtaccess.sign_access_token(
            application=make_application().app, user=None, scopes=[], issuer=ISSUER, expires_in=1
        )


@pytest.mark.parametrize(
    ("setting", "choice", "jwt"),
    [
        ("opaque", AccessTokenFormat.SETTING, False),
        ("jwt", AccessTokenFormat.SETTING, True),
        ("opaque", AccessTokenFormat.JWT, True),
        ("jwt", AccessTokenFormat.OPAQUE, False),
    ],
)
def test_the_application_overrides_the_setting(settings, db, setting, choice, jwt):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ACCESS_TOKEN_FORMAT": setting}
    from gqlauth.models import Application

    app = Application(access_token_format=choice)
    assert jwtaccess.uses_jwt(app) is jwt
    assert jwtaccess.lifetime(app) == (300 if jwt else 36000)
    assert jwtaccess.lifetime(None) == 36000


def test_only_three_part_values_look_like_jwts():
    assert jwtaccess.looks_like_jwt("a.b.c")
    assert not jwtaccess.looks_like_jwt("TIu7DT7mUKvk_AZE8M7sgtiRJe2LoWNV09c_7KE0Zhw")
    assert not jwtaccess.looks_like_jwt("a.b.c.d")


# -- verifying -------------------------------------------------------------------------------------


def test_a_good_token(make_jwt, signing_key, django_assert_num_queries):
    value, row = make_jwt(scopes=("read", "write"), user=False)
    jwtaccess.verify_access_token(value, issuer=ISSUER)  # this process now holds the keys

    with django_assert_num_queries(0):
        token = jwtaccess.verify_access_token(value, issuer=ISSUER)

    assert token.jti == row.jti
    assert token.client_id == row.application.client_id == token.subject
    assert token.scopes == ["read", "write"]
    assert token.expires == row.expires
    assert token.expires - token.issued_at == timedelta(seconds=300)


def test_expired(make_jwt, signing_key):
    value, _ = make_jwt(now=timezone.now() - timedelta(seconds=301))
    with pytest.raises(ExpiredTokenError, match=r"The access token expired\."):
        jwtaccess.verify_access_token(value, issuer=ISSUER)


def test_typ_application_at_jwt_is_accepted(signing_key):
    assert jwtaccess.verify_access_token(
        forge(signing_key, typ="application/AT+JWT"), issuer=ISSUER
    )


@pytest.mark.parametrize("typ", ["JWT", "jwt", "at+JWT+x"])
def test_any_other_typ_is_refused(signing_key, typ):
    assert reason(forge(signing_key, typ=typ)) == f"typ {typ!r}"


def test_no_typ_is_refused(signing_key):
    assert reason(forge(signing_key, typ="")) == "typ None"  # PyJWT leaves an empty typ out


def test_tampered(signing_key):
    header, _, signature = forge(signing_key).split(".")
    assert reason(f"{header}.{b64(claims(scope='read write'))}.{signature}") == (
        "Signature verification failed"
    )


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"iss": "https://evil.example"}, "Invalid issuer"),
        ({"aud": "https://other.example/graphql/"}, "Audience doesn't match"),
        ({"sub": 1}, "Subject must be a string"),
        ({"client_id": 7}, "sub, client_id, jti and scope must be strings"),
        ({"scope": ["read"]}, "sub, client_id, jti and scope must be strings"),
        ({"jti": None}, 'Token is missing the "jti" claim'),
    ],
)
def test_wrong_claims(signing_key, changes, why):
    assert reason(forge(signing_key, claims(**changes))) == why


def test_the_key_must_be_published(signing_key):
    value = forge(signing_key)
    signingkeys.retire(signing_key.kid, unpublish=True)
    assert reason(value) == f"no published key {signing_key.kid!r}"


def test_an_unknown_key_is_refused(signing_key):
    other = jose.generate_private_key("ES256")
    value = jose.sign_jws(claims(), other, algorithm="ES256", kid="someone-else", typ="at+jwt")
    assert reason(value) == "no published key 'someone-else'"


def test_a_key_id_that_is_not_a_string(signing_key):
    header = b64({"alg": "ES256", "kid": 5, "typ": "at+jwt"})
    assert (
        reason(f"{header}.{b64(claims())}.c2ln")
        == "Malformed JWS: Key ID header parameter must be a string"
    )


def test_our_kid_on_another_key_fails_the_signature(signing_key):
    other = jose.generate_private_key("ES256")
    value = jose.sign_jws(claims(), other, algorithm="ES256", kid=signing_key.kid, typ="at+jwt")
    assert reason(value) == "Signature verification failed"


def test_alg_none(signing_key):
    header = b64({"alg": "none", "kid": signing_key.kid, "typ": "at+jwt"})
    assert reason(f"{header}.{b64(claims())}.") == "The specified alg value is not allowed"


def test_hs256_with_the_public_key_as_secret(signing_key):
    header = b64({"alg": "HS256", "kid": signing_key.kid, "typ": "at+jwt"})
    signing_input = f"{header}.{b64(claims())}"
    for secret in (json.dumps(signing_key.public_jwk), signing_key.public_jwk["x"]):
        mac = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
        assert reason(f"{signing_input}.{b64(mac)}") == "The specified alg value is not allowed"


def test_rs256_header_on_an_es256_key(signing_key):
    rsa = jose.generate_private_key("RS256")
    value = jose.sign_jws(claims(), rsa, algorithm="RS256", kid=signing_key.kid, typ="at+jwt")
    assert reason(value) == "The specified alg value is not allowed"


def test_not_a_jws(signing_key):
    assert reason("not.a.jwt").startswith("Malformed JWS")


def test_no_audience_no_verification(settings, signing_key):
    value = forge(signing_key)
    settings.ROOT_URLCONF = "tests.views.test_metadata"
    assert reason(value) == "no audience configured"
