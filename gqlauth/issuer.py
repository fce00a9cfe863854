"""The authorization server's issuer identifier (RFC 8414 §2, RFC 9207 §2).

It names this server in the metadata document and in every authorization response (``iss``), so
a client can tell which server answered. It comes from ``OAUTH2_PROVIDER["ISSUER"]``; only with
``DEBUG`` on may it be derived from the request, because a Host header must never choose it
(system check ``gqlauth.E011`` refuses DEBUG off without one).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from gqlauth.conf import oauth2_settings


def issuer_for(request: HttpRequest) -> str:
    """The issuer URL, without a trailing slash."""
    configured = oauth2_settings().issuer
    if configured:
        return configured
    if settings.DEBUG:
        return request.build_absolute_uri("/").rstrip("/")
    raise ImproperlyConfigured('Set OAUTH2_PROVIDER["ISSUER"] when DEBUG is off.')
