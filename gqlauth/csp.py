"""Content-Security-Policy for the project's HTML pages.

Every page gqlauth renders (home, sign-in, application management, the GraphiQL IDE) loads its
scripts, styles and fonts from this server only and has no inline script, so a strict policy fits:
an injected ``<script>`` or a tampered third-party host cannot run anything. The policy is sent by
:class:`ContentSecurityPolicyMiddleware` on every HTML response that has none yet, and by the
:func:`csp_protect` decorator where a view must not depend on the middleware being installed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponseBase

HEADER = "Content-Security-Policy"

# 'self' only. data: for images and fonts because GraphiQL's stylesheet embeds its fonts and
# icons as data URIs (nothing executable). frame-ancestors/form-action/base-uri are not covered by
# default-src, so they are spelled out.
POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])


def apply_policy(response: HttpResponseBase, policy: str = POLICY) -> HttpResponseBase:
    """Set the policy on ``response`` unless a view already chose one."""
    if HEADER not in response:
        response[HEADER] = policy
    return response


def csp_protect(view: _View) -> _View:
    """View decorator: send :data:`POLICY` with this view's responses."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return apply_policy(view(request, *args, **kwargs))

    return wrapped  # type: ignore[return-value]


class ContentSecurityPolicyMiddleware:
    """Send :data:`POLICY` with every HTML response (the admin and the sign-in pages included)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            apply_policy(response)
        return response
