"""System checks for the ``OAUTH2_PROVIDER`` setting (ids ``gqlauth.E0xx`` / ``gqlauth.W0xx``).

Every misconfiguration that would otherwise surface as a 500 on the token endpoint is reported
here, at ``manage.py check`` / start-up time.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.urls import NoReverseMatch, reverse

from gqlauth.conf import ACCESS_TOKEN_FORMATS, ALL_SCOPES, SIGNING_ALGORITHMS, oauth2_settings
from gqlauth.settingchecks import each_key, is_bool, is_positive_int, not_a_dict, unknown_keys
from gqlauth.signingkeys import JWKS_MAX_AGE
from gqlauth.throttlingchecks import throttle_messages

_HINT = f"See the {oauth2_settings.name} section of the README."


def _scopes_ok(scopes: Any) -> bool:
    return (
        isinstance(scopes, dict)
        and bool(scopes)
        and all(
            isinstance(k, str) and k and " " not in k and k != ALL_SCOPES and isinstance(v, str)
            for k, v in scopes.items()
        )
    )


def _issuer_messages(issuer: Any) -> list[CheckMessage]:
    """ISSUER (RFC 8414 §2): an https URL without query or fragment; required with DEBUG off.

    A Host header must never choose the issuer, so only DEBUG may derive it from the request.
    """
    if issuer is None:
        if settings.DEBUG:
            return []
        return [
            Error(
                "ISSUER must be set when DEBUG is off (RFC 8414: the issuer identifies this "
                "server in metadata and in every authorization response).",
                hint='e.g. OAUTH2_PROVIDER["ISSUER"] = "https://auth.example.com"',
                id="gqlauth.E011",
            )
        ]
    parts = urlsplit(issuer) if isinstance(issuer, str) else None
    loopback = parts is not None and parts.hostname in ("127.0.0.1", "localhost", "::1")
    if (
        parts is None
        or not parts.hostname
        or parts.query
        or parts.fragment
        or not (parts.scheme == "https" or (parts.scheme == "http" and loopback))
    ):
        return [
            Error(
                "ISSUER must be an https URL without query or fragment (http only for loopback "
                "hosts).",
                id="gqlauth.E012",
            )
        ]
    return []


def _is_non_negative_int(value: Any) -> bool:
    return is_positive_int(value) or (type(value) is int and value == 0)


def _is_long_key(value: Any) -> bool:
    return isinstance(value, str) and len(value) >= 32


def _jwt_messages(raw: dict[str, Any]) -> list[CheckMessage]:
    """The JWT access token settings (RFC 9068): E015-E022, W003."""
    messages = each_key(
        raw,
        ("ACCESS_TOKEN_FORMAT",),
        lambda value: value in ACCESS_TOKEN_FORMATS,
        '{key} must be "opaque" or "jwt".',
        check_id="gqlauth.E015",
    )
    messages += each_key(
        raw,
        ("JWT_SIGNING_ALGORITHM",),
        lambda value: value in SIGNING_ALGORITHMS,
        '{key} must be "ES256" or "RS256".',
        check_id="gqlauth.E016",
    )
    messages += each_key(
        raw,
        ("JWT_ACCESS_TOKEN_EXPIRE_SECONDS",),
        is_positive_int,
        "{key} must be a positive integer.",
        check_id="gqlauth.E017",
    )
    activation = raw["JWT_KEY_ACTIVATION_SECONDS"]
    activation_ok = _is_non_negative_int(activation)
    messages += each_key(
        raw,
        ("JWT_KEY_ACTIVATION_SECONDS",),
        _is_non_negative_int,
        "{key} must be an integer of 0 or more.",
        check_id="gqlauth.E018",
    )
    messages += each_key(
        raw,
        ("JWT_AUDIENCE",),
        lambda value: value is None or (isinstance(value, str) and bool(value)),
        "{key} must be None (the GraphQL endpoint's URL) or a non-empty string.",
        check_id="gqlauth.E019",
    )
    if raw["ACCESS_TOKEN_FORMAT"] == "jwt" and raw["JWT_AUDIENCE"] is None:
        try:
            reverse("graphql")
        except NoReverseMatch:
            messages.append(
                Error(
                    "JWT access tokens need an audience: set JWT_AUDIENCE, or name the GraphQL "
                    'endpoint\'s URL "graphql".',
                    id="gqlauth.E020",
                )
            )
    messages += each_key(
        raw,
        ("JWT_KEY_ENCRYPTION_KEY",),
        lambda value: value is None or _is_long_key(value),
        "{key} must be None (SECRET_KEY) or a string of 32+ characters.",
        check_id="gqlauth.E021",
    )
    messages += each_key(
        raw,
        ("JWT_KEY_ENCRYPTION_KEY_FALLBACKS",),
        lambda value: isinstance(value, (list, tuple)) and all(map(_is_long_key, value)),
        "{key} must be a list of strings of 32+ characters (old JWT_KEY_ENCRYPTION_KEY values).",
        check_id="gqlauth.E022",
    )
    if activation_ok and activation < JWKS_MAX_AGE:
        messages.append(
            Warning(
                f"JWT_KEY_ACTIVATION_SECONDS is shorter than the {JWKS_MAX_AGE} seconds clients "
                "may cache the JWK Set: they may refuse a new key's first tokens.",
                id="gqlauth.W003",
            )
        )
    return messages


@register(Tags.security)
def check_oauth2_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Validate OAUTH2_PROVIDER; one message per problem."""
    wrong_type = not_a_dict(oauth2_settings, check_id="gqlauth.E001")
    if wrong_type:
        return wrong_type
    raw = oauth2_settings.raw()
    messages: list[CheckMessage] = []

    scopes = raw["SCOPES"]
    scopes_ok = _scopes_ok(scopes)
    if not scopes_ok:
        messages.append(
            Error(
                "SCOPES must be a non-empty dict of scope name (no spaces) -> description.",
                hint=_HINT,
                id="gqlauth.E002",
            )
        )

    default = raw["DEFAULT_SCOPES"]
    if not isinstance(default, (list, tuple)) or not all(isinstance(s, str) for s in default):
        messages.append(Error("DEFAULT_SCOPES must be a list of scope names.", id="gqlauth.E003"))
    elif scopes_ok:
        unknown = [s for s in default if s != ALL_SCOPES and s not in scopes]
        if unknown:
            messages.append(
                Error(
                    f"DEFAULT_SCOPES names scopes missing from SCOPES: {', '.join(unknown)}.",
                    hint=f'Use names from SCOPES, or ["{ALL_SCOPES}"] for every scope.',
                    id="gqlauth.E004",
                )
            )

    for key in ("READ_SCOPE", "WRITE_SCOPE"):
        if scopes_ok and raw[key] not in scopes:
            messages.append(
                Error(f"{key} ({raw[key]!r}) is not a key of SCOPES.", id="gqlauth.E005")
            )

    messages += each_key(
        raw,
        (
            "ACCESS_TOKEN_EXPIRE_SECONDS",
            "MIN_CLIENT_SECRET_LENGTH",
            "AUTHORIZATION_CODE_EXPIRE_SECONDS",
        ),
        is_positive_int,
        "{key} must be a positive integer.",
        check_id="gqlauth.E006",
    )
    messages += each_key(
        raw,
        ("REFRESH_TOKEN_EXPIRE_SECONDS", "REFRESH_TOKEN_MAX_LIFETIME_SECONDS"),
        lambda value: value is None or is_positive_int(value),
        "{key} must be None (never) or a positive integer.",
        check_id="gqlauth.E007",
    )
    messages += each_key(
        raw,
        (
            "ROTATE_REFRESH_TOKEN",
            "REFRESH_TOKEN_REUSE_PROTECTION",
            "PKCE_REQUIRED",
            "ALLOW_PLAIN_PKCE",
        ),
        is_bool,
        "{key} must be True or False.",
        check_id="gqlauth.E008",
    )
    messages += each_key(
        raw,
        ("CLIENT_SECRET_GENERATOR_LENGTH",),
        lambda value: is_positive_int(value) and value >= 43,
        "{key} must be an integer of at least 43 (256 bits of alphanumerics).",
        check_id="gqlauth.E009",
    )
    messages += each_key(
        raw,
        ("TOKEN_DIGEST_KEY",),
        lambda value: value is None or (isinstance(value, str) and len(value) >= 32),
        "{key} must be None or a string of 32+ characters.",
        check_id="gqlauth.E010",
    )

    messages += each_key(
        raw,
        ("TOKEN_DIGEST_KEY_FALLBACKS",),
        lambda value: (
            isinstance(value, (list, tuple))
            and all(isinstance(key, str) and len(key) >= 32 for key in value)
        ),
        "{key} must be a list of strings of 32+ characters (old TOKEN_DIGEST_KEY values).",
        check_id="gqlauth.E014",
    )
    messages += _issuer_messages(raw["ISSUER"])
    messages += each_key(
        raw,
        ("REGISTER_APPLICATIONS",),
        lambda value: (
            value in ("authenticated", "staff")
            or (isinstance(value, str) and value.count(".") == 1 and " " not in value)
        ),
        '{key} must be "authenticated", "staff" or a permission such as "gqlauth.add_application".',
        check_id="gqlauth.E013",
    )

    messages += _jwt_messages(raw)

    if raw["ROTATE_REFRESH_TOKEN"] is False and raw["REFRESH_TOKEN_REUSE_PROTECTION"] is True:
        messages.append(
            Warning(
                "REFRESH_TOKEN_REUSE_PROTECTION has no effect while ROTATE_REFRESH_TOKEN is False.",
                id="gqlauth.W002",
            )
        )

    messages += throttle_messages(raw)
    messages += unknown_keys(oauth2_settings, check_id="gqlauth.W001")
    return messages
