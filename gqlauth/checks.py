"""System checks for the ``OAUTH2_PROVIDER`` setting (ids ``gqlauth.E0xx`` / ``gqlauth.W0xx``).

Every misconfiguration that would otherwise surface as a 500 on the token endpoint is reported
here, at ``manage.py check`` / start-up time.
"""

from __future__ import annotations

from ipaddress import ip_network
from typing import Any
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from gqlauth import throttling
from gqlauth.conf import ACCESS_TOKEN_FORMATS, ALL_SCOPES, SIGNING_ALGORITHMS, oauth2_settings
from gqlauth.settingchecks import each_key, is_bool, is_positive_int, not_a_dict, unknown_keys
from gqlauth.signingkeys import JWKS_MAX_AGE

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


_THROTTLE_NUMBERS = (
    "LOGIN_FAILURE_LIMIT",
    "LOGIN_FAILURE_LIMIT_PER_IP",
    "LOGIN_FAILURE_LIMIT_PER_USERNAME",
    "LOGIN_BACKOFF_SECONDS",
    "LOGIN_BACKOFF_MAX_SECONDS",
    "LOGIN_SLOWDOWN_SECONDS",
    "LOGIN_FAILURE_WINDOW_SECONDS",
)


def _is_network(value: Any) -> bool:
    try:
        ip_network(value, strict=False)
    except (TypeError, ValueError):
        return False
    return isinstance(value, str)


def _throttle_messages(raw: dict[str, Any]) -> list[CheckMessage]:
    """The LOGIN_* limits (gqlauth.throttling) and TRUSTED_PROXIES."""
    messages = each_key(
        raw,
        _THROTTLE_NUMBERS,
        is_positive_int,
        "{key} must be a positive integer.",
        check_id="gqlauth.E023",
    )
    if not messages:
        base, cap = raw["LOGIN_BACKOFF_SECONDS"], raw["LOGIN_BACKOFF_MAX_SECONDS"]
        window = raw["LOGIN_FAILURE_WINDOW_SECONDS"]
        if not base <= cap <= window or raw["LOGIN_SLOWDOWN_SECONDS"] > window:
            messages.append(
                Error(
                    "LOGIN_BACKOFF_SECONDS <= LOGIN_BACKOFF_MAX_SECONDS <= "
                    "LOGIN_FAILURE_WINDOW_SECONDS must hold, and LOGIN_SLOWDOWN_SECONDS must not "
                    "exceed the window: failures are forgotten after the window, so a longer "
                    "back-off would never be reached.",
                    id="gqlauth.E024",
                )
            )
    proxies = raw["TRUSTED_PROXIES"]
    if not isinstance(proxies, (list, tuple)) or not all(_is_network(p) for p in proxies):
        messages.append(
            Error(
                "TRUSTED_PROXIES must be a list of IP addresses or CIDR networks "
                '(e.g. ["10.0.0.0/8"]).',
                hint="Only proxies named here may set the client address by X-Forwarded-For.",
                id="gqlauth.E025",
            )
        )
    return messages


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

    messages += _throttle_messages(raw)
    messages += unknown_keys(oauth2_settings, check_id="gqlauth.W001")
    return messages


def _axes_backend_first() -> bool:
    """An axes backend comes before every other backend (else the hasher runs first)."""
    from axes.backends import AxesStandaloneBackend

    backends = list(settings.AUTHENTICATION_BACKENDS)
    return bool(backends) and issubclass(import_string(backends[0]), AxesStandaloneBackend)


@register(Tags.security)
def check_throttling(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Password guessing is throttled only when the project wires django-axes to
    gqlauth.throttling; the reusable app sets nothing itself, so say what is missing."""
    hint = "See the README's Throttling section for the settings to add."
    if not apps.is_installed("axes"):
        return [
            Warning(
                'Password attempts are not throttled: add "axes" to INSTALLED_APPS, '
                '"axes.backends.AxesStandaloneBackend" first in AUTHENTICATION_BACKENDS and '
                '"axes.middleware.AxesMiddleware" last in MIDDLEWARE.',
                hint=hint,
                id="gqlauth.W004",
            )
        ]
    messages: list[CheckMessage] = []
    if not _axes_backend_first():
        messages.append(
            Warning(
                "Password attempts are not throttled before the password hasher runs: "
                '"axes.backends.AxesStandaloneBackend" must come first in '
                "AUTHENTICATION_BACKENDS.",
                hint=hint,
                id="gqlauth.W004",
            )
        )
    if "axes.middleware.AxesMiddleware" not in settings.MIDDLEWARE:
        messages.append(
            Warning(
                "Throttled sign-ins are not answered with 429: add "
                '"axes.middleware.AxesMiddleware" to MIDDLEWARE.',
                hint=hint,
                id="gqlauth.W004",
            )
        )
    expected = {
        "AXES_HANDLER": throttling.HANDLERS,
        "AXES_CLIENT_IP_CALLABLE": (throttling.CLIENT_IP_CALLABLE,),
        "AXES_LOCKOUT_CALLABLE": (throttling.LOCKOUT_CALLABLE,),
    }
    for name, allowed in expected.items():
        if getattr(settings, name, None) not in allowed:
            messages.append(
                Warning(
                    f"{name} must be {' or '.join(repr(a) for a in allowed)} for gqlauth's "
                    "throttling (limits, back-off, client IP and 429 answers).",
                    hint=hint,
                    id="gqlauth.W005",
                )
            )
    masked = set(getattr(settings, "AXES_SENSITIVE_PARAMETERS", ()))
    unmasked = [name for name in throttling.SENSITIVE_PARAMETERS if name not in masked]
    if unmasked:
        messages.append(
            Warning(
                "django-axes would store these credentials of failed token requests in "
                f"plaintext: add {', '.join(unmasked)} to AXES_SENSITIVE_PARAMETERS.",
                hint=hint,
                id="gqlauth.W005",
            )
        )
    return messages
