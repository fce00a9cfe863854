"""Django <-> oauthlib adapters for the protocol endpoints.

Each ``*_response`` function takes a Django request, checks what oauthlib does not (form
encoding, duplicated parameters, a missing ``grant_type``), hands ``(uri, method, body,
headers)`` to the process-wide oauthlib endpoint, and turns the result or any ``OAuth2Error``
into an ``HttpResponse`` with an RFC 6749 §5.2 JSON body and ``Cache-Control: no-store``. The
client oauthlib authenticated is recorded on the Django request (:func:`gqlauth.cors.answered_for`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus
from urllib.parse import parse_qsl

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from oauthlib.oauth2.rfc6749 import errors

from gqlauth import cors, throttling, tokens
from gqlauth.oauth import server, validator
from gqlauth.tokens import AuthorizationCodeReusedError, RefreshTokenReusedError

FORM_ENCODING = "application/x-www-form-urlencoded"

# Descriptions for errors oauthlib raises without one, so every error body explains itself.
_DEFAULT_DESCRIPTIONS = {
    "invalid_client": "Client authentication failed: unknown client, wrong secret, "
    "or malformed client credentials.",
    "invalid_grant": "The grant is invalid: wrong username or password, inactive user, a "
    "refresh token or authorization code that is invalid, expired, revoked or issued to another "
    "client, a redirect_uri that differs from the authorization request's, or a PKCE "
    "code_verifier that does not match.",
    "unauthorized_client": "This application is not allowed to use this grant type.",
    "unsupported_grant_type": "Supported grant types: " + ", ".join(server.SUPPORTED_GRANTS) + ".",
    "invalid_scope": "The requested scope is unknown, not allowed for this application, or "
    "wider than the scope originally granted.",
}

Params = list[tuple[str, str]]
Endpoint = Callable[[str, str, Params, dict[str, str]], tuple[dict[str, str], str, int]]


def oauth_error_response(error: errors.OAuth2Error) -> HttpResponse:
    """Render an oauthlib error as RFC 6749 §5.2 JSON with its status code."""
    return _json_response(error.json, error.status_code)


def _json_response(body: str, status: int, headers: dict[str, str] | None = None) -> HttpResponse:
    """Build the response; error bodies get a description when oauthlib gave none."""
    if status >= HTTPStatus.BAD_REQUEST:
        payload = json.loads(body)
        if not payload.get("error_description") and payload.get("error") in _DEFAULT_DESCRIPTIONS:
            payload["error_description"] = _DEFAULT_DESCRIPTIONS[payload["error"]]
        body = json.dumps(payload)
    response = HttpResponse(body, status=status, content_type="application/json")
    for name, value in (headers or {}).items():
        if name.lower() not in ("www-authenticate", "content-type"):
            response[name] = value
    if status == HTTPStatus.UNAUTHORIZED:
        # RFC 6749 §5.2: the challenge names the client authentication scheme we accept
        # (oauthlib would send a Bearer challenge, which is for resource servers).
        response["WWW-Authenticate"] = 'Basic realm="oauth2", error="invalid_client"'
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _params(request: HttpRequest) -> Params:
    """The form-encoded body as ordered pairs; raises ``InvalidRequestError`` on bad input."""
    try:
        body = request.body
    except RequestDataTooBig as exc:
        raise errors.InvalidRequestError(description="The request body is too large.") from exc
    if body and request.content_type != FORM_ENCODING:
        got = request.content_type or "no Content-Type"
        raise errors.InvalidRequestError(
            description=f"The request body must be {FORM_ENCODING} "
            f"(RFC 6749 section 4.3.2), not {got}."
        )
    try:
        params = parse_qsl(body.decode("ascii"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise errors.InvalidRequestError(
            description="The request body must be percent-encoded ASCII with UTF-8 values."
        ) from exc
    seen: set[str] = set()
    for name, value in params:
        if "\x00" in name or "\x00" in value:
            # Databases such as PostgreSQL refuse NUL in text; refuse it here, not with a 500.
            raise errors.InvalidRequestError(description="Parameters must not contain NUL.")
        if name in seen:
            raise errors.InvalidRequestError(
                description=f"Duplicate {name} parameter (RFC 6749 section 3.2)."
            )
        seen.add(name)
    return params


def _headers(request: HttpRequest) -> dict[str, str]:
    """Only what oauthlib needs; cookies and the rest never reach it."""
    headers = {"Content-Type": request.content_type or ""}
    if "Authorization" in request.headers:
        headers["Authorization"] = request.headers["Authorization"]
    return headers


def _dispatch(request: HttpRequest, endpoint: Endpoint, params: Params) -> HttpResponse:
    """Call oauthlib; the client it authenticated (if any) is recorded for :mod:`gqlauth.cors`,
    also when an error escapes (a replayed refresh token or code is answered by the caller).
    The validator's ``authenticate()`` reaches Django's request through the throttle."""
    with validator.recording_client() as authenticated, throttling.serving(request):
        try:
            headers, body, status = endpoint(
                request.build_absolute_uri(), request.method or "POST", params, _headers(request)
            )
        finally:
            cors.answered_for(request, authenticated())
    return _json_response(body, status, headers)


def too_many_attempts_response(exc: throttling.TooManyAttemptsError) -> HttpResponse:
    """A password attempt refused unchecked: 429 with ``Retry-After`` (RFC 6585 §4).

    The code is ``temporarily_unavailable``: each RFC 6749 §5.2 code says the request, the client
    or the grant is wrong, and none is (the password was not even checked; ``invalid_grant`` would
    tell a client with the right password to drop it). OAuth's word for "try again later" is
    ``temporarily_unavailable`` (§4.1.2.1); the status and ``Retry-After`` say the rest.
    """
    error = errors.TemporarilyUnavailableError(
        description=f"Too many failed password attempts: retry after {exc.retry_after} seconds."
    )
    return _json_response(
        error.json, HTTPStatus.TOO_MANY_REQUESTS, {"Retry-After": str(exc.retry_after)}
    )


def token_response(request: HttpRequest) -> HttpResponse:
    """RFC 6749 §3.2 token endpoint: authorization_code, password, client_credentials and
    refresh_token grants."""
    try:
        params = _params(request)
        grant_type = dict(params).get("grant_type")
        if not grant_type:
            raise errors.InvalidRequestError(description="Missing grant_type parameter.")
        if grant_type not in server.SUPPORTED_GRANTS:
            # oauthlib would hand unknown grants to its default grant and complain about
            # that grant's parameters instead.
            raise errors.UnsupportedGrantTypeError()
        try:
            with server.answering(request):
                return _dispatch(request, server.token_endpoint().create_token_response, params)
        except RefreshTokenReusedError as exc:
            # A revoked refresh token was presented, or another request rotated it first: a
            # replay (RFC 9700 §4.14.2). Rotation is one compare-and-set transaction
            # (tokens.store), so no lock is held while the client and the token are checked.
            revoked = tokens.on_replay(exc)
            raise errors.InvalidGrantError(
                description="The refresh token was revoked or already used"
                + ("; its tokens are revoked." if revoked else ".")
            ) from exc
        except tokens.RefreshRaceLostError as exc:
            raise errors.InvalidGrantError(
                description="Another request refreshed with this refresh token at the same time; "
                "retry."
            ) from exc
        except throttling.TooManyAttemptsError as exc:
            return too_many_attempts_response(exc)
        except AuthorizationCodeReusedError as exc:
            # RFC 6749 §4.1.2: deny, and revoke every token issued from the code.
            tokens.on_code_replay(exc)
            raise errors.InvalidGrantError(
                description="The authorization code was already used; its tokens are revoked."
            ) from exc
    except errors.OAuth2Error as exc:
        return oauth_error_response(exc)


def revocation_response(request: HttpRequest) -> HttpResponse:
    """RFC 7009 §2: 200 for revoked and for unknown tokens alike."""
    try:
        params = _params(request)
        return _dispatch(request, server.revocation_endpoint().create_revocation_response, params)
    except errors.OAuth2Error as exc:
        return oauth_error_response(exc)


def introspection_response(request: HttpRequest) -> HttpResponse:
    """RFC 7662 §2: ``{"active": true, ...claims}`` or ``{"active": false}``."""
    try:
        params = _params(request)
        return _dispatch(
            request, server.introspection_endpoint().create_introspect_response, params
        )
    except errors.OAuth2Error as exc:
        return oauth_error_response(exc)


def method_not_allowed() -> HttpResponse:
    """Every protocol endpoint is POST only (RFC 6749 §3.2)."""
    response = oauth_error_response(
        errors.InvalidRequestError(description="Use POST with a form-encoded body.")
    )
    response.status_code = HTTPStatus.METHOD_NOT_ALLOWED
    response["Allow"] = "POST"
    return response
