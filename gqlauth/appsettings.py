"""Machinery shared by the app's settings dicts (``OAUTH2_PROVIDER``, ``GQLAUTH_GRAPHQL``).

A :class:`SettingsDict` reads one Django setting that holds a dict, merges it over its defaults
and parses it into a typed value at use time. The parsed value is cached and dropped on Django's
``setting_changed`` signal, so ``override_settings`` just works. Nothing here validates or raises:
system checks (:mod:`gqlauth.checks`, :mod:`gqlauth.graphql.checks`) report bad values, and they
read the same merged dict through :meth:`SettingsDict.raw`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.signals import setting_changed

T = TypeVar("T")


class SettingsDict(Generic[T]):
    """One dict-valued Django setting: ``reader()`` returns its parsed, cached value.

    ``depends_on`` names other settings the parsed value uses (such as ``SECRET_KEY``), so a
    change to them drops the cache too.
    """

    def __init__(
        self,
        name: str,
        defaults: Mapping[str, Any],
        parse: Callable[[dict[str, Any]], T],
        *,
        depends_on: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.defaults = dict(defaults)
        self._parse = parse
        self._watched = frozenset((name, *depends_on))
        self._cache: T | None = None
        setting_changed.connect(self._drop_cache, weak=False)

    def user_value(self) -> Any:
        """The setting exactly as the project wrote it (None when absent)."""
        return getattr(settings, self.name, None)

    def raw(self) -> dict[str, Any]:
        """The project's dict merged over the defaults, unvalidated (a non-dict counts as {})."""
        user = self.user_value() or {}
        if not isinstance(user, dict):
            user = {}
        return {**self.defaults, **user}

    def __call__(self) -> T:
        """The parsed value; cheap on the hot path (cached until a watched setting changes)."""
        cached = self._cache
        if cached is None:
            cached = self._cache = self._parse(self.raw())
        return cached

    def _drop_cache(self, *, setting: str, **kwargs: Any) -> None:
        if setting in self._watched:
            self._cache = None
