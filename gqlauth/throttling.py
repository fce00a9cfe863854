"""Throttling of password guessing, at the token endpoint's password grant and the sign-in page.

Both check passwords through Django's ``authenticate()``. django-axes's backend, first in
``AUTHENTICATION_BACKENDS``, asks the ``AXES_HANDLER`` whether the attempt may run *before* any
other backend, so a refused attempt never reaches the password hasher; a failed attempt is
recorded through Django's ``user_login_failed`` signal. The handlers (:mod:`gqlauth.attempts`)
store the failures, in the database or in a cache; this module holds the policy and the glue:

- per (username, client IP) and per client IP, failures past a limit lock with a back-off that
  doubles with each further failure (:func:`wait_seconds`);
- per username across every IP, failures past a limit only *slow* each IP down (one attempt per
  ``LOGIN_SLOWDOWN_SECONDS`` after its own last failure): refusing IPs that never failed would let
  anyone lock the account's owner out;
- a correct password forgets that username's failures from that IP (not the IP's other ones);
- the client IP is ``REMOTE_ADDR``, or the ``X-Forwarded-For`` hop a ``TRUSTED_PROXIES`` proxy
  names (:func:`client_ip`); IPv6 clients count per /64, what one host usually gets.

This module imports django-axes only inside functions, so it loads (and throttling is simply off,
with the system check ``gqlauth.W003`` saying why) in a project without axes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import IPv4Address, IPv6Address, IPv6Network, ip_address
from typing import Any

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm as _AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm as _AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gqlauth.conf import OAuth2Settings, oauth2_settings

# The names axes needs in AXES_* settings; gqlauth.throttlingchecks warns about others.
HANDLERS = ("gqlauth.attempts.DatabaseHandler", "gqlauth.attempts.CacheHandler")
CLIENT_IP_CALLABLE = "gqlauth.throttling.client_ip"
LOCKOUT_CALLABLE = "gqlauth.throttling.lockout_response"
# axes stores a failed request's form fields: these must be masked (it always masks "password").
SENSITIVE_PARAMETERS = ("client_secret", "refresh_token", "code", "code_verifier", "token")

_RETRY_AFTER = "gqlauth_retry_after"
_serving: ContextVar[HttpRequest | None] = ContextVar("gqlauth_serving", default=None)


class TooManyAttemptsError(Exception):
    """A password attempt refused unchecked; ``retry_after`` seconds until one may run again.

    Raised by the password grant (:meth:`gqlauth.oauth.validator.Validator.validate_user`) and
    answered by :func:`gqlauth.oauth.http.token_response` with a 429.
    """

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many failed attempts; retry in {retry_after} s.")
        self.retry_after = retry_after


# -- the policy -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Failures:
    """Failed attempts of one key still within the window: how many, and when the latest was."""

    count: int = 0
    last: datetime | None = None


@dataclass(frozen=True, slots=True)
class Counts:
    """The failures an attempt is judged by: of its (username, IP) pair, its IP, its username."""

    pair: Failures
    ip: Failures
    username: Failures


def backoff_seconds(excess: int, conf: OAuth2Settings) -> int:
    """Lock time after ``limit + excess`` failures: LOGIN_BACKOFF_SECONDS doubled ``excess``
    times, at most LOGIN_BACKOFF_MAX_SECONDS."""
    doubled = conf.login_backoff_seconds << min(excess, 40)
    return min(doubled, conf.login_backoff_max_seconds)


def wait_seconds(now: datetime, counts: Counts, conf: OAuth2Settings | None = None) -> int:
    """Whole seconds before the next attempt with these counts may run (0: it may run now).

    The pair and the IP lock once they reach their limit, until their latest failure plus
    :func:`backoff_seconds`; the username, past its limit, delays only a pair that has failed.
    """
    conf = conf or oauth2_settings()
    until: list[datetime] = []
    for failures, limit in (
        (counts.pair, conf.login_failure_limit),
        (counts.ip, conf.login_failure_limit_per_ip),
    ):
        if failures.last is not None and failures.count >= limit:
            until.append(
                failures.last + timedelta(seconds=backoff_seconds(failures.count - limit, conf))
            )
    if (
        counts.username.count >= conf.login_failure_limit_per_username
        and counts.pair.last is not None
    ):
        until.append(counts.pair.last + timedelta(seconds=conf.login_slowdown_seconds))
    wait = max(((moment - now).total_seconds() for moment in until), default=0.0)
    return math.ceil(wait) if wait > 0 else 0


def set_retry_after(request: HttpRequest, seconds: int) -> None:
    """Called by the handler's ``is_locked``: this attempt is refused for ``seconds`` (0: not)."""
    setattr(request, _RETRY_AFTER, seconds)


def retry_after(request: HttpRequest | None) -> int:
    """Seconds the refused attempt on this request must wait; 0 when it was not refused."""
    value = getattr(request, _RETRY_AFTER, 0) if request is not None else 0
    return int(value or 0)


# -- the client's address -----------------------------------------------------------------------


def _parse(value: str | None) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address((value or "").strip())
    except ValueError:
        return None


def _counting_key(address: IPv4Address | IPv6Address) -> str:
    """IPv4 (also IPv4-mapped IPv6) as is; IPv6 as its /64 network, one site's usual share."""
    if isinstance(address, IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(IPv6Network((address, 64), strict=False).network_address)
    return str(address)


def client_ip(request: HttpRequest) -> str | None:
    """The client address failures are counted by (django-axes's ``AXES_CLIENT_IP_CALLABLE``).

    ``REMOTE_ADDR``, unless it is one of ``TRUSTED_PROXIES``: then ``X-Forwarded-For`` is read
    from the right, skipping trusted proxies, and the first other address is the client (a
    client can prepend anything to the header, so only hops appended by trusted proxies count).
    A malformed hop ends the walk at the last trusted address.
    """
    remote = _parse(request.META.get("REMOTE_ADDR"))
    if remote is None:
        return None
    trusted = oauth2_settings().trusted_proxies
    address = remote
    if any(remote in network for network in trusted):
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        for hop in reversed(hops):
            parsed = _parse(hop)
            if parsed is None:
                break
            address = parsed
            if not any(parsed in network for network in trusted):
                break
    return _counting_key(address)


# -- the Django request behind an oauthlib call ---------------------------------------------------


@contextmanager
def serving(request: HttpRequest) -> Iterator[None]:
    """Make ``request`` the :func:`current_request` while an oauthlib endpoint handles it.

    oauthlib builds its own request object; the validator needs Django's for ``authenticate()``
    (axes reads the client's address and records the attempt from it).
    """
    token = _serving.set(request)
    try:
        yield
    finally:
        _serving.reset(token)


def current_request() -> HttpRequest | None:
    """The Django request the oauthlib endpoint is serving, if any."""
    return _serving.get()


# -- the password grant's side -----------------------------------------------------------------


def raise_if_refused(request: HttpRequest | None) -> None:
    """After ``authenticate()`` returned no user: raise when no password was checked at all.

    Raises :class:`TooManyAttemptsError` when the attempt was refused by the throttle.
    """
    seconds = retry_after(request)
    if seconds:
        raise TooManyAttemptsError(seconds)


def succeeded(request: HttpRequest | None, username: str) -> None:
    """After a correct password outside Django's ``login()`` (the password grant): forget this
    username's failures from this client IP, as the ``user_logged_in`` signal does for sign-ins.
    """
    if (
        request is None
        or not apps.is_installed("axes")
        or not getattr(settings, "AXES_ENABLED", True)
    ):
        return
    from axes.handlers.proxy import AxesProxyHandler
    from axes.helpers import get_credentials

    handler = AxesProxyHandler.get_implementation()
    reset = getattr(handler, "reset_user_attempts", None)
    if reset is not None:
        AxesProxyHandler.update_request(request)
        reset(request, get_credentials(username))


# -- answers to a refused attempt -------------------------------------------------------------


def wait_text(seconds: int) -> str:
    """``seconds`` for people: "45 seconds", "2 minutes", "1 hour" (rounded up)."""
    if seconds < 120:
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    if seconds < 7200:
        minutes = math.ceil(seconds / 60)
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    hours = math.ceil(seconds / 3600)
    return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes's ``AXES_LOCKOUT_CALLABLE``: the view's own answer, as a 429 with
    ``Retry-After`` (RFC 6585 §4).

    The views already explain the refusal in their own format: the token endpoint's RFC 6749
    JSON error, the sign-in page's form error (:class:`AuthenticationForm`).
    """
    seconds = retry_after(request)
    response = original_response
    if response is None:
        response = HttpResponse(
            f"Too many failed attempts. Try again in {wait_text(max(seconds, 1))}.",
            content_type="text/plain; charset=utf-8",
        )
    response.status_code = 429
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


class _RefusalMessage:
    """A sign-in form whose error says "try again later" when the throttle refused the attempt
    (instead of "wrong password": no password was checked)."""

    request: HttpRequest | None
    error_messages: dict[str, Any]

    def get_invalid_login_error(self) -> forms.ValidationError:
        seconds = retry_after(self.request)
        if seconds:
            return forms.ValidationError(
                _("Too many failed sign-in attempts. Try again in %(wait)s."),
                code="throttled",
                params={"wait": wait_text(seconds)},
            )
        error: forms.ValidationError = super().get_invalid_login_error()  # type: ignore[misc]
        return error


class AuthenticationForm(_RefusalMessage, _AuthenticationForm):
    """Django's sign-in form, telling a throttled attempt apart (``LoginView``'s form)."""


class AdminAuthenticationForm(_RefusalMessage, _AdminAuthenticationForm):
    """The admin's sign-in form, likewise (``admin.site.login_form``)."""
