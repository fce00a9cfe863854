"""The authorization endpoint's protocol side (RFC 6749 §4.1.1-§4.1.2, RFC 7636, RFC 9207).

The view (:mod:`gqlauth.views.authorize`) decides who is signed in and whether to ask for
consent; this module validates the request through oauthlib and builds every redirect:

- :func:`validate` raises :class:`AuthorizationPageError` when the client or the redirect URI is
  missing, unknown or unregistered: the user sees an error page and is never redirected there
  (§4.1.2.1). Any other problem raises :class:`AuthorizationRedirectError`, which carries the
  client's error.
- :func:`approve` issues a code; :func:`refuse` sends an error (``access_denied``,
  ``login_required``, ``consent_required``).

Every redirect carries ``state`` unchanged and ``iss`` (RFC 9207 §2), and uses the query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import HttpRequest
from oauthlib.common import add_params_to_uri
from oauthlib.oauth2.rfc6749 import errors

from gqlauth.models import Application
from gqlauth.oauth import server

if TYPE_CHECKING:
    from gqlauth.models import UserModel


class AuthorizationPageError(Exception):
    """The request cannot be answered by a redirect: show ``description`` on a page (400)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class AuthorizationRedirectError(Exception):
    """The request failed after its redirect URI was known: send the client ``location``."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


@dataclass(frozen=True, slots=True)
class ValidAuthorization:
    """A checked authorization request, ready to be approved or refused."""

    application: Application
    scopes: list[str]
    redirect_uri: str
    state: str | None
    prompt: frozenset[str]
    issuer: str
    _uri: str


# oauthlib calls every fatal error "invalid_request"; the page names which one it was.
_FATAL: dict[type[errors.FatalClientError], tuple[str, str]] = {
    errors.InvalidClientIdError: ("invalid_client_id", "Unknown or inactive client_id."),
    errors.MissingClientIdError: ("missing_client_id", "The request has no client_id."),
    errors.MissingRedirectURIError: (
        "missing_redirect_uri",
        "The request has no redirect_uri, and the application has more than one registered.",
    ),
    errors.InvalidRedirectURIError: (
        "invalid_redirect_uri",
        "The redirect_uri is not an absolute URI.",
    ),
    errors.MismatchingRedirectURIError: (
        "mismatching_redirect_uri",
        "The redirect_uri is not registered for this application.",
    ),
}


# Descriptions for the redirected errors oauthlib raises without one.
_DESCRIPTIONS = {
    "unsupported_response_type": "Only response_type=code is supported.",
    "unauthorized_client": "This application may not use the authorization code grant.",
    "invalid_scope": "The requested scope is unknown or not allowed for this application.",
}


def _with_iss(location: str, issuer: str) -> str:
    return str(add_params_to_uri(location, [("iss", issuer)]))


def _error_location(
    redirect_uri: str, error: str, description: str, state: str | None, issuer: str
) -> str:
    params = [("error", error), ("error_description", description)]
    if state is not None:
        params.append(("state", state))
    return _with_iss(add_params_to_uri(redirect_uri, params), issuer)


def validate(request: HttpRequest, *, issuer: str) -> ValidAuthorization:
    """Validate the authorization request in the URL's query (for GET and for the consent POST).

    Raises :class:`AuthorizationPageError` or :class:`AuthorizationRedirectError`.
    """
    uri = request.build_absolute_uri()
    try:
        scopes, credentials = server.authorization_endpoint().validate_authorization_request(
            uri, http_method="GET", body=None, headers={}
        )
    except errors.FatalClientError as exc:
        error, description = _FATAL.get(
            type(exc), (exc.error, exc.description or "The request is malformed.")
        )
        raise AuthorizationPageError(error, description) from exc
    except errors.OAuth2Error as exc:
        state = request.GET.get("state")
        description = exc.description or _DESCRIPTIONS.get(exc.error, exc.error)
        raise AuthorizationRedirectError(
            _error_location(exc.redirect_uri, exc.error, description, state, issuer)
        ) from exc
    oauth_request = credentials.pop("request")
    return ValidAuthorization(
        application=oauth_request.client,
        scopes=list(scopes),
        redirect_uri=credentials["redirect_uri"],
        state=credentials.get("state"),
        prompt=frozenset(request.GET.get("prompt", "").split()),
        issuer=issuer,
        _uri=uri,
    )


def approve(valid: ValidAuthorization, user: UserModel) -> str:
    """Issue an authorization code for ``user``; the redirect location carrying it."""
    headers, _, _ = server.authorization_endpoint().create_authorization_response(
        valid._uri,
        http_method="GET",
        body=None,
        headers={},
        scopes=valid.scopes,
        # Only the user: oauthlib validates the request again from the URI, and a redirect_uri
        # passed here would hide that the request relied on the registered default.
        credentials={"user": user},
    )
    return _with_iss(headers["Location"], valid.issuer)


def refuse(valid: ValidAuthorization, error: str, description: str) -> str:
    """The redirect location telling the client why no code was issued (RFC 6749 §4.1.2.1)."""
    return _error_location(valid.redirect_uri, error, description, valid.state, valid.issuer)
