"""JOSE primitives for JWT access tokens: the one module that imports PyJWT.

PyJWT (with ``cryptography``) signs and verifies JWS compact serialisations (RFC 7515) and turns
public keys into JWKs (RFC 7517); ``cryptography`` makes and serialises the keys. Everything
else in gqlauth goes through the functions here, so the library could be swapped in one place.

Only two algorithms exist here: ES256 (ECDSA on P-256 with SHA-256, RFC 7518 §3.4) and RS256
(RSASSA-PKCS1-v1_5 with SHA-256, §3.3, 3072-bit keys). Verification is always given the one
algorithm of the key it uses, never the token's own ``alg``: so ``none``, ``HS256`` with a public
key as its secret, and any other algorithm confusion (RFC 8725 §2.1, §3.1) are refused before
a signature is even computed.

Private keys leave this module only as PKCS #8 DER bytes for :mod:`gqlauth.signingkeys` to
encrypt; nothing here logs or formats a key.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any, cast

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from gqlauth.conf import SIGNING_ALGORITHMS

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey

RSA_KEY_BITS = 3072
"""RS256 key size: above RFC 7518 §3.3's 2048-bit floor, for keys meant to outlive 2030."""

# RFC 7638 §3.2: the members of each key type that a thumbprint covers, in lexicographic order.
_THUMBPRINT_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n")}
# The public members of each key type (RFC 7518 §6.2.1, §6.3.1): nothing else is ever published.
_PUBLIC_MEMBERS = {"EC": ("kty", "crv", "x", "y"), "RSA": ("kty", "n", "e")}


class JoseError(Exception):
    """A token is not a valid JWS for the given key and expectations.

    The message says why, for tests and for the server's own debugging; clients are told only
    that the token is invalid.
    """


class ExpiredError(JoseError):
    """The signature is good but ``exp`` has passed (RFC 7519 §4.1.4)."""


def _check_algorithm(algorithm: str) -> None:
    if algorithm not in SIGNING_ALGORITHMS:
        raise ValueError(f"Unsupported signing algorithm {algorithm!r}.")


def generate_private_key(algorithm: str) -> PrivateKey:
    """A new private key for ``algorithm`` (a P-256 key for ES256, RSA 3072 for RS256)."""
    _check_algorithm(algorithm)
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)


def private_key_bytes(key: PrivateKey) -> bytes:
    """``key`` as unencrypted PKCS #8 DER: only for :mod:`gqlauth.signingkeys` to encrypt."""
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_private_key(data: bytes) -> PrivateKey:
    """The inverse of :func:`private_key_bytes`; ValueError for anything but an EC or RSA key."""
    key = serialization.load_der_private_key(data, password=None)
    if not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
        raise ValueError("Not an EC or RSA private key.")
    return key


def _jwk_of(public_key: PublicKey) -> dict[str, Any]:
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return ECAlgorithm.to_jwk(public_key, as_dict=True)
    return RSAAlgorithm.to_jwk(public_key, as_dict=True)


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """The RFC 7638 JWK thumbprint (SHA-256, base64url without padding): a key's ``kid``.

    Derived from the public key alone, so a ``kid`` names exactly one key and reveals nothing.
    """
    members = {name: jwk[name] for name in _THUMBPRINT_MEMBERS[jwk["kty"]]}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


def public_jwk(key: PrivateKey | PublicKey, *, algorithm: str) -> dict[str, str]:
    """The public JWK of ``key`` for a JWK Set (RFC 7517 §4): key type and public numbers only,
    plus ``kid`` (its thumbprint), ``alg`` and ``use: "sig"``.

    Built from the public half whatever is passed, and then filtered to the public members, so
    ``d``, ``p``, ``q``, ``dp``, ``dq`` and ``qi`` cannot appear.
    """
    _check_algorithm(algorithm)
    public = (
        key.public_key()
        if isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey))
        else key
    )
    full = _jwk_of(public)
    jwk = {name: str(full[name]) for name in _PUBLIC_MEMBERS[full["kty"]]}
    return {**jwk, "kid": thumbprint(jwk), "alg": algorithm, "use": "sig"}


def load_public_jwk(jwk: Mapping[str, Any]) -> PublicKey:
    """The public key of a JWK made by :func:`public_jwk` (its public members only are read)."""
    public = {name: jwk[name] for name in _PUBLIC_MEMBERS[jwk["kty"]]}
    algorithm = ECAlgorithm if public["kty"] == "EC" else RSAAlgorithm
    # Only public members go in, so only a public key can come out.
    return cast(PublicKey, algorithm.from_jwk(json.dumps(public)))


def sign_jws(
    claims: Mapping[str, Any], key: PrivateKey, *, algorithm: str, kid: str, typ: str
) -> str:
    """A JWS compact serialisation of ``claims`` with header ``{alg, kid, typ}`` (RFC 7515 §7.1)."""
    _check_algorithm(algorithm)
    return jwt.encode(dict(claims), key, algorithm=algorithm, headers={"kid": kid, "typ": typ})


def unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header of ``token``, *not* verified: only to pick the key (``kid``) to verify
    with. Raises :class:`JoseError` when ``token`` is not a JWS compact serialisation."""
    try:
        return jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise JoseError(f"Malformed JWS: {error}") from error


def verify_jws(
    token: str,
    key: PublicKey,
    *,
    algorithm: str,
    issuer: str,
    audience: str,
    required: Iterable[str],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify ``token`` with ``key`` and return its ``(header, claims)``.

    The header's ``alg`` must be ``algorithm`` (the key's own); the signature must hold; ``exp``
    must be in the future (no leeway: this server's clock issued it), ``iat`` and ``nbf`` (when
    present) not in the future, ``iss`` equal to ``issuer`` and ``aud`` equal to, or a list
    containing, ``audience`` (RFC 7519 §4.1); every claim in ``required`` must be present.
    Raises :class:`ExpiredError` for an expired but otherwise good token and :class:`JoseError`
    for anything else.
    """
    _check_algorithm(algorithm)
    try:
        decoded = jwt.decode_complete(
            token,
            key,
            algorithms=[algorithm],
            issuer=issuer,
            audience=audience,
            options={"require": list(required), "strict_aud": False},
        )
    except jwt.ExpiredSignatureError as error:
        raise ExpiredError(str(error)) from error
    except (jwt.PyJWTError, ValueError) as error:
        raise JoseError(str(error)) from error
    header: dict[str, Any] = decoded["header"]
    claims: dict[str, Any] = decoded["payload"]
    return header, claims
