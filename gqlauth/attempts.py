"""Where failed password attempts are kept: django-axes handlers (``AXES_HANDLER``) that apply
:mod:`gqlauth.throttling`'s policy.

- :class:`DatabaseHandler` (the default): axes's own ``AccessAttempt`` rows, one per (username,
  IP, user agent), written by axes in a transaction with a row lock and an ``F()`` increment, so
  every worker process counts every failure. One aggregate query judges an attempt.
- :class:`CacheHandler`: three counters per failure in axes's cache (``AXES_CACHE``), with
  ``add``/``incr``, which memcached and redis do atomically.

Both differ from axes's stock handlers in three ways: the lock decision is the throttling
policy (per-key limits, growing back-off, a slowdown per username); an attempt refused unchecked
is not counted (it tested no password, so it must not lengthen the wait); and a correct password
resets only that username's failures from that IP, where axes would reset every lockout
parameter, the IP's whole count included (one good password of an attacker's own account would
then wipe the count of its guesses at other accounts).

Importing this module needs ``axes`` in ``INSTALLED_APPS``; axes imports it by name.
"""

from __future__ import annotations

import contextlib
import hashlib
from abc import ABC, abstractmethod
from datetime import UTC, datetime, timedelta
from typing import Any

from axes.handlers.cache import AxesCacheHandler
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_credentials
from axes.models import AccessAttempt
from django.db.models import Max, Q, Sum
from django.http import HttpRequest
from django.utils import timezone

from gqlauth import throttling
from gqlauth.conf import oauth2_settings


def _window() -> timedelta:
    return timedelta(seconds=oauth2_settings().login_failure_window_seconds)


class _Policy(ABC):
    """The behaviour both handlers share; subclasses say how failures are read and recorded."""

    @abstractmethod
    def counts(self, request: HttpRequest, username: str | None) -> throttling.Counts:
        """The failures this attempt is judged by (``request.axes_ip_address`` is set)."""
        ...

    @abstractmethod
    def record_failure(
        self, sender: Any, credentials: dict[str, Any], request: HttpRequest, **kwargs: Any
    ) -> None:
        """Count one checked, wrong password, for the pair, the IP and the username."""
        ...

    @abstractmethod
    def reset_pair(self, request: HttpRequest, username: str | None) -> int:
        """Forget the (username, IP) pair's failures; returns how many records went."""
        ...

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        """Called by axes's backend before any password is checked; notes the wait on the
        request (:func:`gqlauth.throttling.retry_after`)."""
        username = get_client_username(request, credentials)
        counts = self.counts(request, username)
        request.gqlauth_counts = counts  # type: ignore[attr-defined]
        wait = throttling.wait_seconds(timezone.now(), counts)
        throttling.set_retry_after(request, wait)
        return wait > 0

    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        """Django's ``user_login_failed``: count a checked, wrong password; flag a refusal.

        The flag (``axes_locked_out``) makes axes's middleware call
        :func:`gqlauth.throttling.lockout_response`. The attempt that reaches a limit still
        gets its truthful answer (wrong password); the next one is refused.
        """
        if request is None:
            return
        if throttling.retry_after(request):
            request.axes_locked_out = True  # type: ignore[attr-defined]
            request.axes_credentials = credentials  # type: ignore[attr-defined]
            return
        self.record_failure(sender, credentials, request, **kwargs)
        request.axes_locked_out = False  # type: ignore[attr-defined]

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        """After a correct password: forget this username's failures from this client IP.

        Costs nothing when the check before the password (``is_locked``) saw none, the usual case.
        """
        seen: throttling.Counts | None = getattr(request, "gqlauth_counts", None)
        if seen is not None and seen.pair.count == 0:
            return 0
        return self.reset_pair(request, get_client_username(request, credentials))

    def user_logged_in(self, sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
        """Django's ``user_logged_in`` (the sign-in page, the admin): axes's access log, then
        the pair's reset whatever ``AXES_RESET_ON_SUCCESS`` says."""
        super().user_logged_in(sender, request, user, **kwargs)  # type: ignore[misc]
        self.reset_user_attempts(request, get_credentials(user.get_username()))


class DatabaseHandler(_Policy, AxesDatabaseHandler):  # type: ignore[misc]
    """Failures in the database (axes's ``AccessAttempt``); the default ``AXES_HANDLER``."""

    def counts(self, request: HttpRequest, username: str | None) -> throttling.Counts:
        """One query: the sums and latest times of the pair's, the IP's and the username's
        rows whose latest failure is within LOGIN_FAILURE_WINDOW_SECONDS."""
        ip = request.axes_ip_address  # type: ignore[attr-defined]
        keys = {
            "pair": Q(username=username, ip_address=ip),
            "ip": Q(ip_address=ip),
            "username": Q(username=username),
        }
        aggregates: dict[str, Any] = {}
        for name, where in keys.items():
            aggregates[f"{name}_count"] = Sum("failures_since_start", filter=where, default=0)
            aggregates[f"{name}_last"] = Max("attempt_time", filter=where)
        row = AccessAttempt.objects.filter(
            keys["ip"] | keys["username"], attempt_time__gte=timezone.now() - _window()
        ).aggregate(**aggregates)
        found = {
            name: throttling.Failures(row[f"{name}_count"], row[f"{name}_last"]) for name in keys
        }
        return throttling.Counts(**found)

    def record_failure(
        self, sender: Any, credentials: dict[str, Any], request: HttpRequest, **kwargs: Any
    ) -> None:
        AxesDatabaseHandler.user_login_failed(self, sender, credentials, request, **kwargs)

    def clean_expired_user_attempts(
        self, request: HttpRequest | None = None, credentials: dict[str, Any] | None = None
    ) -> int:
        """Run by axes on each event: drop rows whose latest failure left the window (axes would
        use ``AXES_COOLOFF_TIME``, which gqlauth does not need)."""
        expired = AccessAttempt.objects.filter(attempt_time__lt=timezone.now() - _window())
        count: int = expired.delete()[0]
        return count

    def reset_pair(self, request: HttpRequest, username: str | None) -> int:
        rows = AccessAttempt.objects.filter(
            username=username,
            ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
        )
        count: int = rows.delete()[0]
        return count


class CacheHandler(_Policy, AxesCacheHandler):  # type: ignore[misc]
    """Failures in ``AXES_CACHE`` (a shared cache server: memcached or redis)."""

    def _keys(self, request: HttpRequest, username: str | None) -> tuple[str, str, str]:
        """The pair's, the IP's and the username's counter keys (digests: any length, any text)."""
        ip = str(request.axes_ip_address)  # type: ignore[attr-defined]
        user = str(username)

        def key(*parts: str) -> str:
            return "gqlauth-throttle:" + hashlib.sha256("\0".join(parts).encode()).hexdigest()

        return key("pair", user, ip), key("ip", ip), key("username", user)

    def counts(self, request: HttpRequest, username: str | None) -> throttling.Counts:
        keys = self._keys(request, username)
        found = self.cache.get_many([*keys, *(f"{k}:last" for k in keys)])
        failures = [
            throttling.Failures(
                int(found.get(k, 0)), datetime.fromtimestamp(found[f"{k}:last"], tz=UTC)
            )
            if f"{k}:last" in found
            else throttling.Failures()
            for k in keys
        ]
        return throttling.Counts(*failures)

    def record_failure(
        self, sender: Any, credentials: dict[str, Any], request: HttpRequest, **kwargs: Any
    ) -> None:
        if self.is_whitelisted(request, credentials):
            return
        timeout = int(_window().total_seconds())
        now = timezone.now().timestamp()
        for key in self._keys(request, get_client_username(request, credentials)):
            if not self.cache.add(key, 1, timeout):
                self.cache.incr(key)
                self.cache.touch(key, timeout)
            self.cache.set(f"{key}:last", now, timeout)

    def reset_pair(self, request: HttpRequest, username: str | None) -> int:
        pair, ip, user = self._keys(request, username)
        count = int(self.cache.get(pair, 0))
        self.cache.delete_many([pair, f"{pair}:last"])
        if count:
            for key in (ip, user):
                with contextlib.suppress(ValueError):  # the counter expired meanwhile
                    self.cache.decr(key, count)
        return count
