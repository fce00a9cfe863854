"""gqlauth.jose: JWS signing and verification, JWKs and thumbprints (RFC 7515, 7517, 7638)."""

from __future__ import annotations

import base64
import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from gqlauth import jose

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
CLAIMS = {"iss": "https://as.example", "aud": "https://rs.example", "sub": "7", "exp": 0}


def b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture(scope="module", params=["ES256", "RS256"])
def keypair(request):
    key = jose.generate_private_key(request.param)
    return request.param, key, jose.public_jwk(key, algorithm=request.param)


def claims(**changes):
    return {**CLAIMS, "exp": int(time.time()) + 60, **changes}


def sign(keypair, payload=None, typ="at+jwt"):
    algorithm, key, jwk = keypair
    return jose.sign_jws(payload or claims(), key, algorithm=algorithm, kid=jwk["kid"], typ=typ)


def verify(keypair, token, **expected):
    algorithm, _, jwk = keypair
    return jose.verify_jws(
        token,
        jose.load_public_jwk(jwk),
        algorithm=algorithm,
        issuer=expected.get("issuer", CLAIMS["iss"]),
        audience=expected.get("audience", CLAIMS["aud"]),
        required=expected.get("required", ("exp", "sub")),
    )


def test_keys_are_p256_and_rsa_3072():
    assert isinstance(jose.generate_private_key("ES256").curve, ec.SECP256R1)
    assert jose.generate_private_key("RS256").key_size == 3072


def test_no_other_algorithm():
    for algorithm in ("none", "HS256", "ES512"):
        with pytest.raises(ValueError, match="Unsupported signing algorithm"):
            jose.generate_private_key(algorithm)


def test_a_signed_token_verifies_with_header_alg_kid_typ(keypair):
    algorithm, _, jwk = keypair
    payload = claims()

    header, verified = verify(keypair, sign(keypair, payload))

    assert header == {"alg": algorithm, "kid": jwk["kid"], "typ": "at+jwt"}
    assert verified == payload


def test_the_public_jwk_has_public_members_only(keypair):
    algorithm, key, jwk = keypair
    expected = {"EC": {"kty", "crv", "x", "y"}, "RSA": {"kty", "n", "e"}}[jwk["kty"]]

    assert set(jwk) == expected | {"kid", "alg", "use"}
    assert not PRIVATE_MEMBERS & set(jwk)
    assert jwk["alg"] == algorithm
    assert jwk["use"] == "sig"
    # The same from the public half.
    assert jose.public_jwk(key.public_key(), algorithm=algorithm) == jwk


def test_the_kid_is_the_rfc_7638_thumbprint():
    # RFC 7638 §3.1's example key and thumbprint.
    jwk = {
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSo"
        "c_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0"
        "_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhA"
        "I4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert jose.thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_private_keys_round_trip_through_pkcs8(keypair):
    algorithm, key, jwk = keypair
    loaded = jose.load_private_key(jose.private_key_bytes(key))
    assert jose.public_jwk(loaded, algorithm=algorithm) == jwk


def test_only_ec_and_rsa_private_keys_load():
    other = ed25519.Ed25519PrivateKey.generate().private_bytes(
        Encoding.DER, PrivateFormat.PKCS8, NoEncryption()
    )
    with pytest.raises(ValueError, match="Not an EC or RSA private key"):
        jose.load_private_key(other)


def test_public_jwks_load_as_public_keys(keypair):
    _, _, jwk = keypair
    loaded = jose.load_public_jwk({**jwk, "d": "ignored"})
    assert isinstance(loaded, (ec.EllipticCurvePublicKey, rsa.RSAPublicKey))
    assert jose.public_jwk(loaded, algorithm=jwk["alg"]) == jwk


def test_the_unverified_header_names_the_key(keypair):
    _, _, jwk = keypair
    assert jose.unverified_header(sign(keypair))["kid"] == jwk["kid"]


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "eyJ.x.y"])
def test_a_malformed_token_has_no_header(token):
    with pytest.raises(jose.JoseError, match="Malformed JWS"):
        jose.unverified_header(token)


def test_expired(keypair):
    with pytest.raises(jose.ExpiredError):
        verify(keypair, sign(keypair, claims(exp=int(time.time()) - 1)))


@pytest.mark.parametrize(
    ("changes", "expected", "message"),
    [
        ({"iss": "https://other.example"}, {}, "Invalid issuer"),
        ({"aud": "https://other.example"}, {}, "Audience doesn't match"),
        ({}, {"audience": "https://graphql.example"}, "Audience doesn't match"),
        ({"iat": 3600}, {}, "not yet valid"),  # an hour from now
        ({}, {"required": ("exp", "jti")}, 'missing the "jti" claim'),
    ],
)
def test_wrong_claims(keypair, changes, expected, message):
    # Claims are made here, not at collection: the suite may run long after collecting.
    if "iat" in changes:
        changes = {"iat": int(time.time()) + changes["iat"]}
    with pytest.raises(jose.JoseError, match=message):
        verify(keypair, sign(keypair, claims(**changes)), **expected)


def test_a_tampered_payload_fails_the_signature(keypair):
    header, _, signature = sign(keypair).split(".")
    forged = ".".join((header, b64(claims(sub="1")), signature))
    with pytest.raises(jose.JoseError, match="Signature verification failed"):
        verify(keypair, forged)


def test_alg_none_is_refused(keypair):
    _, _, jwk = keypair
    token = f"{b64({'alg': 'none', 'kid': jwk['kid'], 'typ': 'at+jwt'})}.{b64(claims())}."
    with pytest.raises(jose.JoseError, match="alg"):
        verify(keypair, token)


def test_hs256_keyed_with_the_public_key_is_refused(keypair):
    # The classic confusion: HMAC with the published key as the secret.
    import hashlib
    import hmac

    _, _, jwk = keypair
    signing_input = f"{b64({'alg': 'HS256', 'kid': jwk['kid'], 'typ': 'at+jwt'})}.{b64(claims())}"
    mac = hmac.new(json.dumps(jwk).encode(), signing_input.encode(), hashlib.sha256).digest()
    with pytest.raises(jose.JoseError, match="alg"):
        verify(keypair, f"{signing_input}.{b64(mac)}")


def test_a_token_of_the_other_algorithm_is_refused(keypair):
    algorithm, _, _ = keypair
    other = "RS256" if algorithm == "ES256" else "ES256"
    other_key = jose.generate_private_key(other)
    token = jose.sign_jws(claims(), other_key, algorithm=other, kid="x", typ="at+jwt")
    with pytest.raises(jose.JoseError, match="alg"):
        verify(keypair, token)
