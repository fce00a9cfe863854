"""The oauthlib ``RequestValidator``: a table of short contracts backed by gqlauth's models.

Served: the authorization endpoint with PKCE (RFC 6749 §4.1, RFC 7636), and at the token endpoint
the grants ``authorization_code`` (§4.1.3), ``password`` (§4.3), ``client_credentials`` (§4.4) and
``refresh_token`` (§6); plus revocation (RFC 7009) and introspection (RFC 7662). Each method's
docstring names the flows that call it. Decisions are always taken from ``request.client``, the
authenticated application, never from the raw ``client_id`` parameter.

Over the ~300-line guideline because oauthlib calls one ``RequestValidator`` object for every
grant and endpoint; each method is a short contract, and the rules behind them live in small
modules (``clients``, ``scopes``, ``pkce``, ``redirects``, ``tokens``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth import authenticate as authenticate_user
from django.utils import timezone
from oauthlib.common import Request
from oauthlib.oauth2 import RequestValidator
from oauthlib.oauth2.rfc6749 import errors

from gqlauth import clients, digests, pkce, redirects, scopes, throttling, tokens
from gqlauth.conf import oauth2_settings
from gqlauth.models import (
    AccessToken,
    Application,
    AuthorizationCode,
    GrantType,
    RefreshToken,
    account_unchanged,
)

if TYPE_CHECKING:
    from gqlauth.jwtaccess import SignedAccessToken

_UNSET = object()

# The application authenticated by the request being handled, for the adapters of
# gqlauth.oauth.http: oauthlib builds its own Request and hands none of it back.
_authenticated: ContextVar[Application | None] = ContextVar(
    "gqlauth_authenticated_client", default=None
)


@contextmanager
def recording_client() -> Iterator[Callable[[], Application | None]]:
    """Within the block, the returned function tells which client the validator authenticated
    (None until one is). For one endpoint call: the adapter that calls oauthlib wraps it."""
    reset = _authenticated.set(None)
    try:
        yield _authenticated.get
    finally:
        _authenticated.reset(reset)


class Validator(RequestValidator):  # type: ignore[misc]
    """Stateless: per-request state lives on the oauthlib ``Request``."""

    # -- client authentication (all token, revocation and introspection requests) -----------

    def _credentials(self, request: Request) -> clients.ClientCredentials | None:
        cached = getattr(request, "_gqlauth_credentials", _UNSET)
        if cached is _UNSET:
            try:
                cached = clients.presented(
                    request.headers, request.client_id, request.client_secret
                )
            except clients.MalformedCredentialsError as exc:
                raise errors.InvalidClientError(description=str(exc), request=request) from exc
            request._gqlauth_credentials = cached
        return cached  # type: ignore[return-value]

    def _application(self, client_id: str) -> Application | None:
        return Application.objects.lookup(client_id)

    def _lookup_once(self, request: Request, client_id: str) -> Application | None:
        cached = getattr(request, "_gqlauth_application", _UNSET)
        if cached is _UNSET:
            cached = self._application(client_id)
            request._gqlauth_application = cached
        return cached  # type: ignore[return-value]

    def client_authentication_required(self, request: Request, *args: Any, **kwargs: Any) -> bool:
        """All flows: True unless a known public client presents only its client_id."""
        credentials = self._credentials(request)
        if credentials is None or credentials.secret is not None:
            return True
        application = self._lookup_once(request, credentials.client_id)
        return application is None or application.is_confidential

    def _authenticate_presented(self, request: Request, *, confidential: bool) -> bool:
        """Check the presented credentials; on success ``request.client`` is the application."""
        credentials = self._credentials(request)
        if credentials is None:
            return False
        application = self._lookup_once(request, credentials.client_id)
        # clients.verify_credentials does the same work when the application is unknown.
        if not clients.verify_credentials(credentials, application) or application is None:
            return False
        if not application.is_usable:
            return False
        if confidential and not application.is_confidential:
            return False
        request.client = application
        request.client_id = application.client_id
        _authenticated.set(application)
        return True

    def authenticate_client(self, request: Request, *args: Any, **kwargs: Any) -> bool:
        """All flows, confidential clients (RFC 6749 §3.2.1): Basic or body credentials."""
        return self._authenticate_presented(request, confidential=True)

    def authenticate_client_id(
        self, client_id: str, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        """Password and refresh grants, revocation, introspection: public clients by id alone."""
        return self._authenticate_presented(request, confidential=False)

    def validate_grant_type(
        self,
        client_id: str,
        grant_type: str,
        client: Application,
        request: Request,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """All grants: the authenticated application is allowed this grant type."""
        return client.allows_grant(grant_type)

    # -- authorization endpoint (RFC 6749 §4.1.1, RFC 7636 §4.3) ---------------------------------

    def validate_client_id(
        self, client_id: str, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        """Authorization request: an active application with this id (else an error page)."""
        application = self._lookup_once(request, client_id)
        if application is None or not application.is_usable:
            return False
        request.client = application
        return True

    def validate_redirect_uri(
        self, client_id: str, redirect_uri: str, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        """Authorization request: a registered URI, exactly (RFC 8252 §7.3 loopback ports aside)."""
        client: Application = request.client
        return redirects.is_registered(
            redirect_uri, client.redirect_uri_list(), native=client.is_native
        )

    def get_default_redirect_uri(
        self, client_id: str, request: Request, *args: Any, **kwargs: Any
    ) -> str | None:
        """Authorization and code grant: the only registered URI, or None when there are several."""
        client: Application = request.client
        registered = client.redirect_uri_list()
        return registered[0] if len(registered) == 1 else None

    def validate_response_type(
        self,
        client_id: str,
        response_type: str,
        client: Application,
        request: Request,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """Authorization request: ``code`` only, for applications allowed that grant."""
        return response_type == "code" and client.allows_grant(GrantType.AUTHORIZATION_CODE)

    def is_pkce_required(self, client_id: str, request: Request) -> bool:
        """Authorization request and code grant: public clients always, others by PKCE_REQUIRED."""
        client: Application | None = request.client
        return client is None or pkce.required_for(client)

    def save_authorization_code(
        self, client_id: str, code: dict[str, str], request: Request, *args: Any, **kwargs: Any
    ) -> None:
        """Authorization response: store the code's digest, bound to everything it was issued for.

        ``request.user`` is the signed-in resource owner, set by the view before oauthlib runs.
        """
        seconds = oauth2_settings().authorization_code_expire_seconds
        AuthorizationCode.objects.create(
            digest=digests.digest(code["code"], purpose="code"),
            application=request.client,
            user=request.user,
            user_fingerprint=tokens.fingerprint_of(request.user),
            redirect_uri=request.redirect_uri,
            redirect_uri_given=not request.using_default_redirect_uri,
            scope=" ".join(request.scopes),
            code_challenge=request.code_challenge or "",
            code_challenge_method=request.code_challenge_method or "",
            expires=timezone.now() + timedelta(seconds=seconds),
        )

    # -- authorization code grant (RFC 6749 §4.1.3, RFC 7636 §4.6) ------------------------------

    def validate_code(
        self,
        client_id: str,
        code: str,
        client: Application,
        request: Request,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """Code grant: an unexpired code of this client for an active user whose password is
        unchanged since the code was issued.

        Raises :class:`gqlauth.tokens.AuthorizationCodeReusedError` for a code already exchanged:
        a replay, answered in one place (:func:`gqlauth.oauth.http.token_response`).
        """
        row = AuthorizationCode.objects.lookup(code).select_related("user").first()
        if row is None or row.application_id != client.pk:
            return False
        if row.used_at is not None:
            raise tokens.AuthorizationCodeReusedError(row.pk)
        if row.is_expired() or not account_unchanged(row.user, row.user_fingerprint):
            return False
        row.upgrade_digest(code, purpose="code")
        request.authorization_code_instance = row
        request.user = row.user
        request.scopes = row.scopes
        return True

    def get_code_challenge(self, code: str, request: Request) -> str | None:
        """Code grant: the PKCE challenge the code was issued with, or None."""
        row: AuthorizationCode = request.authorization_code_instance
        return row.code_challenge or None

    def get_code_challenge_method(self, code: str, request: Request) -> str | None:
        """Code grant: the PKCE method the code was issued with (``S256`` or ``plain``)."""
        row: AuthorizationCode = request.authorization_code_instance
        return row.code_challenge_method or None

    def confirm_redirect_uri(
        self,
        client_id: str,
        code: str,
        redirect_uri: str | None,
        client: Application,
        request: Request,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """Code grant: the redirect URI matches the authorization request's (RFC 6749 §4.1.3).

        Identical when the authorization request named one; when it relied on the only registered
        URI, the token request may omit it or name that URI.
        """
        row: AuthorizationCode = request.authorization_code_instance
        if row.redirect_uri_given and request.using_default_redirect_uri:
            return False  # missing: invalid_request
        if redirect_uri != row.redirect_uri:
            # A code is bound to its redirect URI: another one is a bad grant (RFC 6749 §5.2).
            raise errors.InvalidGrantError(
                description="The redirect_uri differs from the authorization request's.",
                request=request,
            )
        return True

    def invalidate_authorization_code(
        self, client_id: str, code: str, request: Request, *args: Any, **kwargs: Any
    ) -> None:
        """Code grant: nothing left to do; :func:`gqlauth.tokens.store` redeemed the code atomically
        with the tokens it issued (a compare-and-set, so two exchanges never both succeed)."""

    # -- scopes (all grants) ------------------------------------------------------------------

    def get_default_scopes(
        self, client_id: str, request: Request, *args: Any, **kwargs: Any
    ) -> list[str]:
        """Requests without ``scope``: the application's default scopes within its allowed set."""
        return scopes.default_for(request.client)

    def validate_scopes(
        self,
        client_id: str,
        scopes_: list[str],
        client: Application,
        request: Request,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """Authorization, password and client_credentials: every scope known and allowed."""
        # "read read" grants "read" once; the token and its answer list each scope once.
        request.scopes = list(dict.fromkeys(scopes_))
        return scopes.may_request(client, request.scopes)

    # -- password grant (RFC 6749 §4.3) -------------------------------------------------------

    def validate_user(
        self,
        username: str,
        password: str,
        client: Application,
        request: Request,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """Password grant: active user with this password. Checks the grant type first, so a
        client that may not use this grant never gets a password verified.

        Raises :class:`gqlauth.throttling.TooManyAttemptsError` when the throttle refused the
        attempt before the password was checked (:func:`gqlauth.oauth.http.token_response`
        answers it).
        """
        if not client.allows_grant(GrantType.PASSWORD):
            raise errors.UnauthorizedClientError(request=request)
        http_request = throttling.current_request()
        user = authenticate_user(http_request, username=username, password=password)
        if user is None or not user.is_active:
            throttling.raise_if_refused(http_request)
            return False
        throttling.succeeded(http_request, username)
        request.user = user
        return True

    # -- refresh grant (RFC 6749 §6, RFC 9700 §4.14.2) ----------------------------------------

    def validate_refresh_token(
        self, refresh_token: str, client: Application, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        """Refresh grant: a live refresh token of this client whose user is still active and has
        the password the family was issued under.

        Raises :class:`gqlauth.tokens.RefreshTokenReusedError` for a revoked token of this client:
        a replay, answered in one place (:func:`gqlauth.oauth.http.token_response`).
        """
        row = (
            RefreshToken.objects.lookup(refresh_token).select_related("user", "application").first()
        )
        if row is None or row.application_id != client.pk:
            return False
        if row.revoked_at is not None:
            raise tokens.RefreshTokenReusedError(row.family)
        if row.is_expired() or not row.user_unchanged():
            return False
        row.upgrade_digest(refresh_token, purpose="refresh")
        request.refresh_token_instance = row
        request.user = row.user
        return True

    def get_original_scopes(
        self, refresh_token: str, request: Request, *args: Any, **kwargs: Any
    ) -> list[str]:
        """Refresh grant: the refresh token's scopes that the application may still have.

        Narrowed at every refresh to the application's allowed scopes, so narrowing them takes
        effect without waiting for the family to end; with nothing left, ``invalid_scope``.
        """
        row: RefreshToken = request.refresh_token_instance
        allowed = set(scopes.allowed_for(row.application))
        kept = [scope for scope in row.scopes if scope in allowed]
        if not kept:
            raise errors.InvalidScopeError(
                description="The application may no longer have any scope of this refresh token.",
                request=request,
            )
        request.refresh_scopes = kept
        return kept

    def is_within_original_scope(
        self,
        request_scopes: list[str],
        refresh_token: str,
        request: Request,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """Refresh grant: called only when a scope is outside the original set; never widen."""
        return False

    def rotate_refresh_token(self, request: Request) -> bool:
        """Refresh grant: issue a new refresh token (ROTATE_REFRESH_TOKEN)."""
        return oauth2_settings().rotate_refresh_token

    # -- storing tokens (all grants) ----------------------------------------------------------

    def save_bearer_token(
        self, token: dict[str, Any], request: Request, *args: Any, **kwargs: Any
    ) -> None:
        """All grants: store digests of the new tokens; rotation revokes the presented one.

        Raises :class:`gqlauth.tokens.RefreshTokenReusedError` when a concurrent request rotated the
        same refresh token first: a replay like any other.
        """
        previous: RefreshToken | None = getattr(request, "refresh_token_instance", None)
        code: AuthorizationCode | None = getattr(request, "authorization_code_instance", None)
        new_refresh = token.get("refresh_token")
        signed: SignedAccessToken | None = getattr(request, "signed_access_token", None)
        if previous is not None and not oauth2_settings().rotate_refresh_token:
            tokens.reissue_access(
                previous,
                token["access_token"],
                token["scope"].split(),
                int(token["expires_in"]),
                signed=signed,
            )
            return
        tokens.store(
            application=request.client,
            user=request.user,
            scopes=token["scope"].split(),
            access_token=token["access_token"],
            refresh_token=new_refresh,
            expires_in=int(token["expires_in"]),
            rotated_from=previous,
            refresh_scopes=getattr(request, "refresh_scopes", None),
            from_code=code,
            signed=signed,
        )

    # -- revocation (RFC 7009) ----------------------------------------------------------------

    def revoke_token(
        self, token: str, token_type_hint: str | None, request: Request, *args: Any, **kwargs: Any
    ) -> None:
        """Revocation: revoke the client's own access or refresh token; others' are ignored."""
        found = self._find(token, token_type_hint, request.client)
        if isinstance(found, AccessToken):
            tokens.revoke_access_token(found)
        elif isinstance(found, RefreshToken):
            tokens.revoke_refresh_token(found)

    def _find(
        self, token: str, hint: str | None, client: Application
    ) -> AccessToken | RefreshToken | None:
        """The token if it belongs to ``client``; a client never touches another's tokens."""
        row = self._find_any(token, hint)
        return row if row is not None and row.application_id == client.pk else None

    # -- introspection (RFC 7662) -------------------------------------------------------------

    def introspect_token(
        self, token: str, token_type_hint: str | None, request: Request, *args: Any, **kwargs: Any
    ) -> dict[str, Any] | None:
        """Introspection: claims of an active token, or None (``{"active": false}``).

        Only the token's own client, or a confidential client with ``can_introspect``, learns
        anything; for every other client every token looks inactive.
        """
        client: Application = request.client
        row = self._find_any(token, token_type_hint)
        if row is None:
            return None
        may_see = row.application_id == client.pk or (
            client.can_introspect and client.is_confidential
        )
        if not may_see:
            return None
        if row.is_expired() or (isinstance(row, RefreshToken) and row.revoked_at is not None):
            return None
        # The API refuses these tokens, so introspection must call them inactive too.
        if not row.application.is_usable or not row.user_unchanged():
            return None
        token_type = "Bearer" if isinstance(row, AccessToken) else "refresh_token"
        claims: dict[str, Any] = {
            "scope": row.scope,
            "client_id": row.application.client_id,
            "username": row.user.get_username() if row.user is not None else None,
            "iat": int(row.created.timestamp()),
            "exp": None if row.expires is None else int(row.expires.timestamp()),
            "token_type": token_type,
        }
        return {k: v for k, v in claims.items() if v is not None}

    def _find_any(self, token: str, hint: str | None) -> AccessToken | RefreshToken | None:
        """Look in the hinted table first, then the other (RFC 7009 §2.1, RFC 7662 §2.1)."""
        models: tuple[type[AccessToken] | type[RefreshToken], ...] = (AccessToken, RefreshToken)
        if hint == "refresh_token":
            models = (RefreshToken, AccessToken)
        for model in models:
            row = (
                model.objects.lookup(token)
                .select_related("user", "application", "application__user")
                .first()
            )
            if row is not None:
                return row
        return None
