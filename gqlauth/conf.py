"""Typed access to the ``OAUTH2_PROVIDER`` setting.

Key names and defaults follow django-oauth-toolkit, so its projects' settings work unchanged.
Values are read at use time through ``oauth2_settings()`` (a
:class:`~gqlauth.appsettings.SettingsDict`), so ``override_settings`` just works.
Validation lives in :mod:`gqlauth.checks`, not here: this module never raises at import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Any

from django.conf import settings

from gqlauth.appsettings import SettingsDict

SETTING_NAME = "OAUTH2_PROVIDER"
ALL_SCOPES = "__all__"
ACCESS_TOKEN_FORMATS = ("opaque", "jwt")
"""Values of ``ACCESS_TOKEN_FORMAT`` (and of ``Application.access_token_format``, where "" follows
the setting): 256-bit random strings stored as digests, or signed JWTs (RFC 9068)."""
SIGNING_ALGORITHMS = ("ES256", "RS256")
"""JWS algorithms of JWT access tokens (RFC 7518 §3.4, §3.3); the first is the default."""

DEFAULTS: dict[str, Any] = {
    "SCOPES": {"read": "Reading scope", "write": "Writing scope"},
    "DEFAULT_SCOPES": [ALL_SCOPES],
    "READ_SCOPE": "read",
    "WRITE_SCOPE": "write",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 36000,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 30 * 24 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "CLIENT_SECRET_GENERATOR_LENGTH": 64,
    "MIN_CLIENT_SECRET_LENGTH": 32,
    "TOKEN_DIGEST_KEY": None,
    "TOKEN_DIGEST_KEY_FALLBACKS": [],
    "REFRESH_TOKEN_MAX_LIFETIME_SECONDS": 90 * 24 * 3600,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "PKCE_REQUIRED": True,
    "ALLOW_PLAIN_PKCE": False,
    "ISSUER": None,
    "REGISTER_APPLICATIONS": "authenticated",
    # Password guessing (gqlauth.throttling): failures counted per (username, client IP) and per
    # client IP lock with a growing back-off; per username across IPs they only slow each IP.
    "LOGIN_FAILURE_LIMIT": 5,
    "LOGIN_FAILURE_LIMIT_PER_IP": 50,
    "LOGIN_FAILURE_LIMIT_PER_USERNAME": 10,
    "LOGIN_BACKOFF_SECONDS": 60,
    "LOGIN_BACKOFF_MAX_SECONDS": 3600,
    "LOGIN_SLOWDOWN_SECONDS": 15,
    "LOGIN_FAILURE_WINDOW_SECONDS": 86400,
    # Reverse proxies whose X-Forwarded-For is believed (IP addresses or CIDR networks).
    "TRUSTED_PROXIES": [],
    "ACCESS_TOKEN_FORMAT": "opaque",
    "JWT_ACCESS_TOKEN_EXPIRE_SECONDS": 300,
    "JWT_AUDIENCE": None,
    "JWT_SIGNING_ALGORITHM": SIGNING_ALGORITHMS[0],
    "JWT_KEY_ACTIVATION_SECONDS": 3600,
    "JWT_KEY_ENCRYPTION_KEY": None,
    "JWT_KEY_ENCRYPTION_KEY_FALLBACKS": [],
}


@dataclass(frozen=True, slots=True)
class OAuth2Settings:
    """The parsed ``OAUTH2_PROVIDER`` setting; see :data:`DEFAULTS` for each key's default."""

    scopes: dict[str, str]
    default_scopes: tuple[str, ...]
    read_scope: str
    write_scope: str
    access_token_expire_seconds: int
    refresh_token_expire_seconds: int | None
    rotate_refresh_token: bool
    refresh_token_reuse_protection: bool
    client_secret_generator_length: int
    min_client_secret_length: int
    token_digest_keys: tuple[str, ...]
    refresh_token_max_lifetime_seconds: int | None
    authorization_code_expire_seconds: int
    pkce_required: bool
    allow_plain_pkce: bool
    issuer: str | None
    register_applications: str
    login_failure_limit: int
    login_failure_limit_per_ip: int
    login_failure_limit_per_username: int
    login_backoff_seconds: int
    login_backoff_max_seconds: int
    login_slowdown_seconds: int
    login_failure_window_seconds: int
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...]
    access_token_format: str
    jwt_access_token_expire_seconds: int
    jwt_audience: str | None
    jwt_signing_algorithm: str
    jwt_key_activation_seconds: int
    jwt_key_encryption_keys: tuple[str, ...]

    def resolved_default_scopes(self) -> list[str]:
        """DEFAULT_SCOPES with ``__all__`` expanded to every scope, in SCOPES order."""
        if ALL_SCOPES in self.default_scopes:
            return list(self.scopes)
        return [s for s in self.scopes if s in self.default_scopes]


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _digest_keys(raw: dict[str, Any]) -> tuple[str, ...]:
    """The current digest key first, then the fallbacks that still verify.

    A dedicated TOKEN_DIGEST_KEY lets SECRET_KEY rotate without touching stored digests; without
    one, digests follow SECRET_KEY and SECRET_KEY_FALLBACKS like the rest of Django.
    """
    if raw["TOKEN_DIGEST_KEY"]:
        keys = [raw["TOKEN_DIGEST_KEY"], *raw["TOKEN_DIGEST_KEY_FALLBACKS"]]
    else:
        keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return tuple(dict.fromkeys(str(key) for key in keys))


def _key_encryption_keys(raw: dict[str, Any]) -> tuple[str, ...]:
    """The key that encrypts signing keys at rest first, then the old ones that still decrypt.

    Like the digest keys: a dedicated JWT_KEY_ENCRYPTION_KEY lets SECRET_KEY rotate freely;
    without one, SECRET_KEY encrypts and SECRET_KEY_FALLBACKS still decrypt, so rotating
    SECRET_KEY the Django way (old value into the fallbacks, then ``signingkeys reencrypt``)
    keeps every signing key readable.
    """
    if raw["JWT_KEY_ENCRYPTION_KEY"]:
        keys = [raw["JWT_KEY_ENCRYPTION_KEY"], *raw["JWT_KEY_ENCRYPTION_KEY_FALLBACKS"]]
    else:
        keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return tuple(dict.fromkeys(str(key) for key in keys))


def _parse(raw: dict[str, Any]) -> OAuth2Settings:
    expire_refresh = raw["REFRESH_TOKEN_EXPIRE_SECONDS"]
    return OAuth2Settings(
        scopes=dict(raw["SCOPES"]),
        default_scopes=tuple(raw["DEFAULT_SCOPES"]),
        read_scope=str(raw["READ_SCOPE"]),
        write_scope=str(raw["WRITE_SCOPE"]),
        access_token_expire_seconds=int(raw["ACCESS_TOKEN_EXPIRE_SECONDS"]),
        refresh_token_expire_seconds=_optional_int(expire_refresh),
        rotate_refresh_token=bool(raw["ROTATE_REFRESH_TOKEN"]),
        refresh_token_reuse_protection=bool(raw["REFRESH_TOKEN_REUSE_PROTECTION"]),
        client_secret_generator_length=int(raw["CLIENT_SECRET_GENERATOR_LENGTH"]),
        min_client_secret_length=int(raw["MIN_CLIENT_SECRET_LENGTH"]),
        token_digest_keys=_digest_keys(raw),
        refresh_token_max_lifetime_seconds=_optional_int(raw["REFRESH_TOKEN_MAX_LIFETIME_SECONDS"]),
        authorization_code_expire_seconds=int(raw["AUTHORIZATION_CODE_EXPIRE_SECONDS"]),
        pkce_required=bool(raw["PKCE_REQUIRED"]),
        allow_plain_pkce=bool(raw["ALLOW_PLAIN_PKCE"]),
        issuer=None if raw["ISSUER"] is None else str(raw["ISSUER"]).rstrip("/"),
        register_applications=str(raw["REGISTER_APPLICATIONS"]),
        login_failure_limit=int(raw["LOGIN_FAILURE_LIMIT"]),
        login_failure_limit_per_ip=int(raw["LOGIN_FAILURE_LIMIT_PER_IP"]),
        login_failure_limit_per_username=int(raw["LOGIN_FAILURE_LIMIT_PER_USERNAME"]),
        login_backoff_seconds=int(raw["LOGIN_BACKOFF_SECONDS"]),
        login_backoff_max_seconds=int(raw["LOGIN_BACKOFF_MAX_SECONDS"]),
        login_slowdown_seconds=int(raw["LOGIN_SLOWDOWN_SECONDS"]),
        login_failure_window_seconds=int(raw["LOGIN_FAILURE_WINDOW_SECONDS"]),
        trusted_proxies=tuple(ip_network(str(p), strict=False) for p in raw["TRUSTED_PROXIES"]),
        access_token_format=str(raw["ACCESS_TOKEN_FORMAT"]),
        jwt_access_token_expire_seconds=int(raw["JWT_ACCESS_TOKEN_EXPIRE_SECONDS"]),
        jwt_audience=None if raw["JWT_AUDIENCE"] is None else str(raw["JWT_AUDIENCE"]),
        jwt_signing_algorithm=str(raw["JWT_SIGNING_ALGORITHM"]),
        jwt_key_activation_seconds=int(raw["JWT_KEY_ACTIVATION_SECONDS"]),
        jwt_key_encryption_keys=_key_encryption_keys(raw),
    )


oauth2_settings = SettingsDict(
    SETTING_NAME, DEFAULTS, _parse, depends_on=("SECRET_KEY", "SECRET_KEY_FALLBACKS")
)
"""``oauth2_settings()``: the current :class:`OAuth2Settings`, cached until a setting changes."""
