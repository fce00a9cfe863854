"""Scope rules for token requests (RFC 6749 §3.3).

A client may ask only for scopes that are configured in ``OAUTH2_PROVIDER["SCOPES"]`` and inside
its own allowed subset; omitting ``scope`` means DEFAULT_SCOPES, cut down to that subset.
"""

from __future__ import annotations

from collections.abc import Iterable

from gqlauth.conf import oauth2_settings
from gqlauth.models import Application


def allowed_for(application: Application) -> list[str]:
    """Every configured scope this application may receive, in SCOPES order."""
    configured = list(oauth2_settings().scopes)
    subset = application.allowed_scope_list()
    return configured if subset is None else [s for s in configured if s in subset]


def default_for(application: Application) -> list[str]:
    """The scopes granted when a request names none, within the allowed set, in SCOPES order.

    The application's own default scopes when it has some, else DEFAULT_SCOPES, so a consent
    page does not ask for everything by default.
    """
    own = application.default_scope_list()
    wanted = set(own if own is not None else oauth2_settings().resolved_default_scopes())
    return [s for s in allowed_for(application) if s in wanted]


def may_request(application: Application, requested: Iterable[str]) -> bool:
    """True when every requested scope is known and allowed for ``application`` (and any given)."""
    requested = list(requested)
    allowed = set(allowed_for(application))
    return bool(requested) and all(scope in allowed for scope in requested)
