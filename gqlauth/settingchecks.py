"""Building blocks of the system checks of the app's settings dicts.

:mod:`gqlauth.checks` (``OAUTH2_PROVIDER``) and :mod:`gqlauth.graphql.checks`
(``GQLAUTH_GRAPHQL``) are written with these, so both report a non-dict, an unknown key, a
non-positive number or a non-boolean switch the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.checks import CheckMessage, Error, Warning

from gqlauth.appsettings import SettingsDict


def is_positive_int(value: Any) -> bool:
    """True for an int above zero (bools, though ints, are refused)."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def not_a_dict(setting: SettingsDict[Any], *, check_id: str) -> list[CheckMessage]:
    """One error when the setting is present but not a dict; then nothing else is checked."""
    value = setting.user_value()
    if value is None or isinstance(value, dict):
        return []
    return [
        Error(
            f"{setting.name} must be a dict.",
            hint=f"See the {setting.name} section of the README.",
            id=check_id,
        )
    ]


def each_key(
    raw: dict[str, Any],
    keys: Iterable[str],
    valid: Callable[[Any], bool],
    message: str,
    *,
    check_id: str,
    hint: str | None = None,
) -> list[CheckMessage]:
    """One error per key whose value fails ``valid``; ``message`` may use ``{key}``."""
    return [
        Error(message.format(key=key), hint=hint, id=check_id)
        for key in keys
        if not valid(raw[key])
    ]


def unknown_keys(setting: SettingsDict[Any], *, check_id: str) -> list[CheckMessage]:
    """One warning naming the keys of the project's dict that nothing reads (likely typos)."""
    value = setting.user_value()
    unknown = sorted(set(value) - set(setting.defaults)) if isinstance(value, dict) else []
    if not unknown:
        return []
    return [
        Warning(
            f"Unknown {setting.name} keys are ignored: {', '.join(unknown)}.",
            hint="Check the spelling against the README's settings table.",
            id=check_id,
        )
    ]
