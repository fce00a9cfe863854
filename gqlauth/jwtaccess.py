"""JWT access tokens: the RFC 9068 profile, issued and verified.

Issued (§2) when the client's ``access_token_format`` (or, when it is "", the
``ACCESS_TOKEN_FORMAT`` setting) is ``"jwt"``: header ``typ: at+jwt``, ``alg`` of the signing key
(ES256 or RS256) and its ``kid``; claims ``iss``, ``sub`` (the user's primary key as a string, or
the client id for a token without a user, §2.2), ``aud``, ``client_id``, ``scope``, ``jti``,
``iat`` and ``exp``. Refresh tokens stay opaque.

Verified (§4) by the signature of a published key alone, without the database: ``typ`` must be
``at+jwt`` (or ``application/at+jwt``), ``alg`` the key's own (never ``none``, never HMAC),
``iss`` this server's issuer, ``aud`` the expected audience, and ``exp`` in the future. Hence
revoking a JWT access token, deactivating its user or application or changing the user's
password ends it only when it expires, except for whatever needs its user: that is loaded with
its row, and the row's account checks (:func:`gqlauth.bearer.user_of`) apply at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from gqlauth import jose, signingkeys
from gqlauth.conf import oauth2_settings
from gqlauth.errors import ExpiredTokenError, InvalidTokenError
from gqlauth.metadata import on_origin

if TYPE_CHECKING:
    from gqlauth.models import Application, UserModel

TYP = "at+jwt"
"""The JOSE ``typ`` of an access token (RFC 9068 §2.1); ``application/at+jwt`` is accepted too."""
REQUIRED_CLAIMS = ("iss", "exp", "aud", "sub", "client_id", "iat", "jti")
"""RFC 9068 §2.2: every JWT access token carries these (and ``scope``, §2.2.3, when granted)."""
GRAPHQL_URL_NAME = "graphql"
"""The URL name whose absolute URL is the default audience."""


class CannotSignError(Exception):
    """The server cannot issue a JWT now (no active signing key, or no audience configured)."""


class BadJwtError(InvalidTokenError):
    """A JWT access token failed verification: malformed, unknown or unpublished key, wrong
    ``typ``, ``alg``, ``iss`` or ``aud``, a bad signature or a missing claim.

    Every failure has the same description, so the client learns only that the token is
    unusable; ``reason`` says why, for the server's tests and debugging.
    """

    def __init__(self, reason: str) -> None:
        super().__init__("The access token is invalid or revoked.")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class SignedAccessToken:
    """A freshly issued JWT access token: its value (shown once), ``jti`` and expiry."""

    value: str
    jti: str
    expires: datetime


@dataclass(frozen=True, slots=True)
class JwtAccessToken:
    """A verified JWT access token's claims; no database row was read to trust them."""

    jti: str
    subject: str
    client_id: str
    scope: str
    issued_at: datetime
    expires: datetime

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()


def uses_jwt(application: Application) -> bool:
    """Whether ``application`` gets JWT access tokens (its own choice, else the setting)."""
    chosen = application.access_token_format or oauth2_settings().access_token_format
    return chosen == "jwt"


def lifetime(application: Application | None) -> int:
    """Seconds an access token of ``application`` lives (``expires_in`` of the token response)."""
    settings_ = oauth2_settings()
    if application is not None and uses_jwt(application):
        return settings_.jwt_access_token_expire_seconds
    return settings_.access_token_expire_seconds


def audience_for(issuer: str) -> str | None:
    """The ``aud`` of our JWT access tokens: ``JWT_AUDIENCE``, else the absolute URL of the
    ``graphql`` URL on the issuer's origin; None when neither exists."""
    configured = oauth2_settings().jwt_audience
    if configured:
        return configured
    try:
        return on_origin(issuer, reverse(GRAPHQL_URL_NAME))
    except NoReverseMatch:
        return None


def looks_like_jwt(value: str) -> bool:
    """A JWS compact serialisation has three dot-separated parts; our opaque tokens have no dot."""
    return value.count(".") == 2


def sign_access_token(
    *,
    application: Application,
    user: UserModel | None,
    scopes: list[str],
    issuer: str,
    expires_in: int,
    now: datetime | None = None,
) -> SignedAccessToken:
    """Sign a new RFC 9068 access token with the current signing key (one query).

    ``now`` is the issue time (``iat``; default: now); the key is the one signing at present.
    Raises :class:`CannotSignError` when no key is active or no audience is known.
    """
    audience = audience_for(issuer)
    if audience is None:
        raise CannotSignError(
            f'No audience: set OAUTH2_PROVIDER["JWT_AUDIENCE"] or name a URL "{GRAPHQL_URL_NAME}".'
        )
    try:
        key = signingkeys.signer()
    except signingkeys.NoSigningKeyError as error:
        raise CannotSignError(
            "No signing key is active: run `manage.py signingkeys create`."
        ) from error
    # Whole seconds, so the stored expiry and the token's exp are the same instant.
    issued = (now or timezone.now()).replace(microsecond=0)
    expires = issued + timedelta(seconds=expires_in)
    jti = secrets.token_urlsafe(16)
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": application.client_id if user is None else str(user.pk),
        "aud": audience,
        "client_id": application.client_id,
        "scope": " ".join(scopes),
        "jti": jti,
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
    }
    value = jose.sign_jws(claims, key.private_key, algorithm=key.algorithm, kid=key.kid, typ=TYP)
    return SignedAccessToken(value, jti, expires)


def verify_access_token(value: str, *, issuer: str, now: datetime | None = None) -> JwtAccessToken:
    """Verify a JWT access token (RFC 9068 §4) without the database while the key set is fresh.

    Raises :class:`~gqlauth.errors.ExpiredTokenError` for an authentic but expired token and
    :class:`BadJwtError` for every other failure.
    """
    try:
        header = jose.unverified_header(value)
    except jose.JoseError as error:
        raise BadJwtError(str(error)) from error
    kid = header.get("kid")
    key = signingkeys.verification_key(kid, now) if isinstance(kid, str) else None
    if key is None:
        raise BadJwtError(f"no published key {kid!r}")
    audience = audience_for(issuer)
    if audience is None:
        raise BadJwtError("no audience configured")
    try:
        verified_header, claims = jose.verify_jws(
            value,
            key.public_key,
            algorithm=key.algorithm,
            issuer=issuer,
            audience=audience,
            required=REQUIRED_CLAIMS,
        )
    except jose.ExpiredError as error:
        raise ExpiredTokenError("The access token expired.") from error
    except jose.JoseError as error:
        raise BadJwtError(str(error)) from error
    if str(verified_header.get("typ", "")).lower() not in (TYP, f"application/{TYP}"):
        raise BadJwtError(f"typ {verified_header.get('typ')!r}")
    strings = ("sub", "client_id", "jti")
    if not all(isinstance(claims[name], str) for name in strings) or not isinstance(
        claims.get("scope", ""), str
    ):
        raise BadJwtError("sub, client_id, jti and scope must be strings")
    return JwtAccessToken(
        jti=claims["jti"],
        subject=claims["sub"],
        client_id=claims["client_id"],
        scope=claims.get("scope", ""),
        issued_at=datetime.fromtimestamp(claims["iat"], UTC),
        expires=datetime.fromtimestamp(claims["exp"], UTC),
    )
