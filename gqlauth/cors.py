"""Cross-origin access for browser applications (CORS), decided per application.

A single-page app runs on its own origin (``https://app.example``) and calls the token,
revocation and GraphQL endpoints with ``fetch``. The browser lets it read an answer only when
the answer names its origin in ``Access-Control-Allow-Origin`` (Fetch standard, "CORS
protocol"). Each :class:`~gqlauth.models.Application` lists the origins of its pages in
``allowed_origins``; these rules decide, from that list, what a browser may read:

- **Preflights** (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) carry no
  client and no token, so they are answered for the union of the usable applications' origins
  (:attr:`~gqlauth.models.Application.is_usable`): ``Access-Control-Allow-Origin`` set to the
  request's origin (never ``*``), the endpoint's methods and request headers, a max age. An
  origin no usable application lists gets a ``204`` without CORS headers, which the browser
  treats as a refusal. One query per preflight; nothing is cached across requests, so a new,
  edited or deactivated application takes effect at once.
- **Actual requests** with an ``Origin`` get ``Access-Control-Allow-Origin`` only when the client
  behind the answer lists that origin: the authenticated client at the token and revocation
  endpoints, the token's application at ``/graphql/``. The views record it with
  :func:`answered_for`; a page on app B's origin cannot read what app A's credentials or token
  obtained, even with A's public ``client_id``.
- **An answer with no client behind it** (a refused bearer token, a client that failed to
  authenticate, a request malformed before authentication, an anonymous GraphQL request) holds
  nothing that belongs to a client, so the preflight's rule applies: any origin of a usable
  application may read it (one query). ``WWW-Authenticate`` is exposed
  (``Access-Control-Expose-Headers``) wherever it is sent, so a browser app can read why it was
  refused.
- The server's own origin needs no entry: a same-origin request (GraphiQL) gets no CORS headers
  and costs no query. Requests without ``Origin`` (servers, curl) get none either. Every answer
  of a decorated view carries ``Vary: Origin``, as the Fetch standard asks of resources whose
  CORS headers depend on the origin, so no cache hands one origin's answer to another.
- Never ``Access-Control-Allow-Credentials``: these endpoints take bearer tokens and client
  credentials in headers and bodies, never cookies.

The rules are applied by the :func:`cross_origin` view decorator on exactly the endpoints that
need them (``/o/introspect/`` is for servers and has none), the same over HTTP and HTTPS.
oauthlib's own CORS support answers only over HTTPS, and django-cors-headers is configured by
site-wide settings; the README's "Browser apps" section says why neither is used.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from http import HTTPStatus
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import patch_vary_headers

from gqlauth.models import Application

ALLOW_ORIGIN = "Access-Control-Allow-Origin"
ALLOW_METHODS = "Access-Control-Allow-Methods"
ALLOW_HEADERS = "Access-Control-Allow-Headers"
EXPOSE_HEADERS = "Access-Control-Expose-Headers"
MAX_AGE = "Access-Control-Max-Age"

# How long a browser may reuse a preflight answer. It only lets the page send a request; what
# the page may read is decided again for every answer, so a longer cache widens nothing.
PREFLIGHT_MAX_AGE = 600

# The request attribute :func:`answered_for` sets; absent or None means "no client behind it".
_CLIENT = "gqlauth_cors_client"

# A DNS name as browsers serialise it in Origin: lowercase ASCII, an IDN in its xn-- form.
_HOST_NAME = re.compile(r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class Policy:
    """What one endpoint accepts from another origin: its methods and request headers."""

    methods: tuple[str, ...]
    headers: tuple[str, ...]


# The token and revocation endpoints: a form POST with HTTP Basic client credentials.
PROTOCOL_ENDPOINT = Policy(methods=("POST",), headers=("Authorization", "Content-Type"))
# GraphQL over HTTP: GET and POST, a bearer token, a JSON body and media type negotiation.
GRAPHQL_ENDPOINT = Policy(
    methods=("GET", "POST"), headers=("Authorization", "Content-Type", "Accept")
)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_HOST_NAME.fullmatch(host))
    return True


def normalise_origin(value: str) -> str:
    """``value`` as a browser serialises it in ``Origin``; raises ``ValidationError`` if invalid.

    An origin is ``scheme://host[:port]`` and nothing more: no path (not even ``/``), query,
    fragment or user info. The scheme is ``https``, or ``http`` for a loopback host
    (``localhost``, ``127.0.0.0/8``, ``[::1]``), where a developer's app runs. Scheme and host are
    lowercased and a default port (``:443``, ``:80``) is dropped, as browsers do, so the stored
    value compares equal to the header. ``null`` and ``*`` are refused: an opaque origin is
    anybody's, and a wildcard everybody's.
    """
    error = ValidationError(
        f"Not a valid origin: {value}. Use scheme://host[:port] with nothing after it, "
        "e.g. https://app.example.com or http://localhost:3000.",
        code="invalid_origin",
    )
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise error from exc
    scheme, host = parts.scheme.lower(), parts.hostname
    if (
        scheme not in _DEFAULT_PORTS
        or not host
        or not value.isascii()
        or "@" in parts.netloc
        or value.partition("://")[2] != parts.netloc
        or not _valid_host(host)
        or port == 0
    ):
        raise error
    if scheme != "https" and not _is_loopback(host):
        raise ValidationError(
            f"Not a valid origin: {value}. Use https; http is allowed only for loopback hosts "
            "(localhost, 127.0.0.1, [::1]).",
            code="insecure_origin",
        )
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    return f"{scheme}://{netloc}"


def parse_origins(text: str) -> list[str]:
    """Whitespace-separated origins -> normalised, without duplicates, in the given order.

    Raises one ``ValidationError`` listing every invalid origin.
    """
    origins: list[str] = []
    errors: list[ValidationError] = []
    for value in text.split():
        try:
            origins.append(normalise_origin(value))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return list(dict.fromkeys(origins))


def _serialised(origin: str) -> bool:
    """Whether an ``Origin`` header could be one an application lists (saves a query if not)."""
    try:
        return normalise_origin(origin) == origin
    except ValidationError:
        return False


def allowed_by_any_application(origin: str) -> bool:
    """Whether a usable application lists ``origin``: the rule for answers without a client.

    One query, whose candidates are narrowed by a substring match and then compared exactly.
    """
    if not _serialised(origin):
        return False
    candidates = Application.objects.filter(
        active=True, allowed_origins__contains=origin
    ).select_related("user")
    return any(app.is_usable and origin in app.allowed_origin_list() for app in candidates)


def answered_for(request: HttpRequest, application: Application | str | None) -> None:
    """Record the client behind the answer to ``request``: the authenticated client of a token
    or revocation request, the token's application of a GraphQL request (its client id for a
    JWT access token, looked up only if a cross-origin answer needs it), or None.

    Called by the views before they answer; :func:`cross_origin` reads it afterwards.
    """
    setattr(request, _CLIENT, application)


def _may_read(request: HttpRequest, origin: str) -> bool:
    client: Application | str | None = getattr(request, _CLIENT, None)
    if client is None:
        return allowed_by_any_application(origin)
    if isinstance(client, str):
        found = Application.objects.lookup(client)
        return found is not None and found.is_usable and origin in found.allowed_origin_list()
    return origin in client.allowed_origin_list()


def _own_origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _is_preflight(request: HttpRequest) -> bool:
    return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers


def preflight_response(origin: str, policy: Policy) -> HttpResponse:
    """``204`` to a preflight: with the CORS headers when a usable application lists ``origin``."""
    response = HttpResponse(status=HTTPStatus.NO_CONTENT)
    del response["Content-Type"]
    patch_vary_headers(response, ("Origin",))
    if allowed_by_any_application(origin):
        response[ALLOW_ORIGIN] = origin
        response[ALLOW_METHODS] = ", ".join(policy.methods)
        response[ALLOW_HEADERS] = ", ".join(policy.headers)
        response[MAX_AGE] = str(PREFLIGHT_MAX_AGE)
    return response


_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])


def cross_origin(policy: Policy) -> Callable[[_View], _View]:
    """View decorator: answer preflights and label answers by the rules of this module.

    The view records the client behind each answer with :func:`answered_for`. Attributes such
    as ``csrf_exempt`` are kept (``functools.wraps``), so it may wrap a class's ``dispatch``
    through ``method_decorator``; put it outermost, so preflights never reach the view.
    """

    def decorate(view: _View) -> _View:
        @wraps(view)
        def respond(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            origin = request.headers.get("Origin")
            if origin is not None and _is_preflight(request):
                return preflight_response(origin, policy)
            response = view(request, *args, **kwargs)
            patch_vary_headers(response, ("Origin",))
            if origin is None or origin == _own_origin(request) or not _may_read(request, origin):
                return response
            response[ALLOW_ORIGIN] = origin
            if "WWW-Authenticate" in response:
                response[EXPOSE_HEADERS] = "WWW-Authenticate"
            return response

        return respond  # type: ignore[return-value]

    return decorate
