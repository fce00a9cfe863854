"""System checks for the ``OAUTH2_PROVIDER`` setting (ids ``gqlauth.E0xx`` / ``gqlauth.W0xx``).

Every misconfiguration that would otherwise surface as a 500 on the token endpoint is reported
here, at ``manage.py check`` / start-up time.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from gqlauth.conf import ALL_SCOPES, DEFAULTS, SETTING_NAME, raw_settings

_HINT = f"See the {SETTING_NAME} section of the README."


def is_positive_int(value: Any) -> bool:
    """True for an int above zero (bools, though ints, are refused)."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def unknown_keys(
    setting: str, user: dict[str, Any], known: dict[str, Any], *, check_id: str
) -> list[CheckMessage]:
    """One warning naming the keys of a settings dict that nothing reads (likely typos)."""
    unknown = sorted(set(user) - set(known))
    if not unknown:
        return []
    return [
        Warning(
            f"Unknown {setting} keys are ignored: {', '.join(unknown)}.",
            hint="Check the spelling against the README's settings table.",
            id=check_id,
        )
    ]


@register(Tags.security)
def check_oauth2_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Validate OAUTH2_PROVIDER; one message per problem."""
    user = getattr(settings, SETTING_NAME, {})
    if not isinstance(user, dict):
        return [Error(f"{SETTING_NAME} must be a dict.", hint=_HINT, id="gqlauth.E001")]
    raw = raw_settings()
    messages: list[CheckMessage] = []

    scopes = raw["SCOPES"]
    scopes_ok = (
        isinstance(scopes, dict)
        and bool(scopes)
        and all(
            isinstance(k, str) and k and " " not in k and k != ALL_SCOPES and isinstance(v, str)
            for k, v in scopes.items()
        )
    )
    if not scopes_ok:
        messages.append(
            Error(
                "SCOPES must be a non-empty dict of scope name (no spaces) -> description.",
                hint=_HINT,
                id="gqlauth.E002",
            )
        )
        scopes = {}

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

    for key in ("ACCESS_TOKEN_EXPIRE_SECONDS", "MIN_CLIENT_SECRET_LENGTH"):
        if not is_positive_int(raw[key]):
            messages.append(Error(f"{key} must be a positive integer.", id="gqlauth.E006"))

    refresh_expiry = raw["REFRESH_TOKEN_EXPIRE_SECONDS"]
    if refresh_expiry is not None and not is_positive_int(refresh_expiry):
        messages.append(
            Error(
                "REFRESH_TOKEN_EXPIRE_SECONDS must be None (never) or a positive integer.",
                id="gqlauth.E007",
            )
        )

    for key in ("ROTATE_REFRESH_TOKEN", "REFRESH_TOKEN_REUSE_PROTECTION"):
        if not isinstance(raw[key], bool):
            messages.append(Error(f"{key} must be True or False.", id="gqlauth.E008"))

    length = raw["CLIENT_SECRET_GENERATOR_LENGTH"]
    if not is_positive_int(length) or length < 43:
        messages.append(
            Error(
                "CLIENT_SECRET_GENERATOR_LENGTH must be an integer of at least 43 "
                "(256 bits of alphanumerics).",
                id="gqlauth.E009",
            )
        )

    key = raw["TOKEN_DIGEST_KEY"]
    if key is not None and (not isinstance(key, str) or len(key) < 32):
        messages.append(
            Error("TOKEN_DIGEST_KEY must be None or a string of 32+ characters.", id="gqlauth.E010")
        )

    if raw["ROTATE_REFRESH_TOKEN"] is False and raw["REFRESH_TOKEN_REUSE_PROTECTION"] is True:
        messages.append(
            Warning(
                "REFRESH_TOKEN_REUSE_PROTECTION has no effect while ROTATE_REFRESH_TOKEN is False.",
                id="gqlauth.W002",
            )
        )

    messages.extend(unknown_keys(SETTING_NAME, user, DEFAULTS, check_id="gqlauth.W001"))
    return messages
