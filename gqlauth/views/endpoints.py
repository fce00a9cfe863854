"""OAuth2 protocol endpoints as thin Django views over :mod:`gqlauth.oauth.http`.

All are POST only, CSRF-exempt (clients authenticate with their own credentials, never
cookies), mark credential parameters sensitive for error reports, and answer with
``Cache-Control: no-store``. The token and revocation endpoints serve browser apps on other
origins by :mod:`gqlauth.cors`; introspection is for servers and sends no CORS headers.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters

from gqlauth import cors
from gqlauth.oauth import http

_SENSITIVE = ("password", "client_secret", "refresh_token", "token", "code", "code_verifier")


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(sensitive_post_parameters(*_SENSITIVE), name="dispatch")
class _ProtocolView(View):
    http_method_names = ["post"]

    def http_method_not_allowed(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        return http.method_not_allowed()


# Outermost, so a preflight is answered before the POST-only dispatch would refuse it.
@method_decorator(cors.cross_origin(cors.PROTOCOL_ENDPOINT), name="dispatch")
class TokenView(_ProtocolView):
    """``POST /o/token/``: password, client_credentials and refresh_token grants (RFC 6749)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return http.token_response(request)


@method_decorator(cors.cross_origin(cors.PROTOCOL_ENDPOINT), name="dispatch")
class RevokeTokenView(_ProtocolView):
    """``POST /o/revoke_token/``: token revocation (RFC 7009)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return http.revocation_response(request)


class IntrospectTokenView(_ProtocolView):
    """``POST /o/introspect/``: token introspection (RFC 7662)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return http.introspection_response(request)
