"""System checks of password throttling (gqlauth.throttling): its OAUTH2_PROVIDER keys
(``gqlauth.E023``-``E025``) and its wiring into the project (``gqlauth.W004``, ``W005``).

Kept apart from :mod:`gqlauth.checks` because the wiring checks read the project's
AUTHENTICATION_BACKENDS, MIDDLEWARE and axes settings, not the OAUTH2_PROVIDER dict.
"""

from __future__ import annotations

from ipaddress import ip_network
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.utils.module_loading import import_string

from gqlauth import throttling
from gqlauth.settingchecks import each_key, is_positive_int

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


def throttle_messages(raw: dict[str, Any]) -> list[CheckMessage]:
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
