"""OAuth2 protocol endpoints (token, revocation, introspection) as thin Django views."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views import View


class TokenView(View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        raise NotImplementedError


class RevokeTokenView(TokenView):
    pass


class IntrospectTokenView(TokenView):
    pass
