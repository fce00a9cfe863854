"""The oauthlib ``RequestValidator``: a table of short contracts backed by gqlauth's models.

Only three grants are served at the token endpoint: ``password`` (RFC 6749 §4.3),
``client_credentials`` (§4.4) and ``refresh_token`` (§6); plus revocation (RFC 7009) and
introspection (RFC 7662). Each method's docstring names the flows that call it. Decisions are
always taken from ``request.client``, the authenticated application, never from the raw
``client_id`` parameter.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate as authenticate_user
from oauthlib.common import Request
from oauthlib.oauth2 import RequestValidator
from oauthlib.oauth2.rfc6749 import errors

from gqlauth import clients, scopes, tokens
from gqlauth.conf import oauth2_settings
from gqlauth.models import AccessToken, Application, GrantType, RefreshToken

_UNSET = object()


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
        if confidential and not application.is_confidential:
            return False
        request.client = application
        request.client_id = application.client_id
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

    # -- scopes (all grants) ------------------------------------------------------------------

    def get_default_scopes(
        self, client_id: str, request: Request, *args: Any, **kwargs: Any
    ) -> list[str]:
        """Password and client_credentials grants without ``scope``: allowed DEFAULT_SCOPES."""
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
        """Password and client_credentials grants: every scope known and allowed for the client."""
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
        client that may not use this grant never gets a password verified."""
        if not client.allows_grant(GrantType.PASSWORD):
            raise errors.UnauthorizedClientError(request=request)
        user = authenticate_user(None, username=username, password=password)
        if user is None or not user.is_active:
            return False
        request.user = user
        return True

    # -- refresh grant (RFC 6749 §6, RFC 9700 §4.14.2) ----------------------------------------

    def validate_refresh_token(
        self, refresh_token: str, client: Application, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        """Refresh grant: a live refresh token of this client whose user is still active.

        Raises :class:`gqlauth.tokens.RefreshTokenReusedError` for a revoked token of this client:
        a replay, answered in one place (:func:`gqlauth.oauth.http.token_response`).
        """
        row = RefreshToken.objects.lookup(refresh_token).select_related("user").first()
        if row is None or row.application_id != client.pk:
            return False
        if row.revoked_at is not None:
            raise tokens.RefreshTokenReusedError(row.family)
        if row.is_expired() or (row.user is not None and not row.user.is_active):
            return False
        request.refresh_token_instance = row
        request.user = row.user
        return True

    def get_original_scopes(
        self, refresh_token: str, request: Request, *args: Any, **kwargs: Any
    ) -> list[str]:
        """Refresh grant: the scopes of the presented refresh token."""
        row: RefreshToken = request.refresh_token_instance
        return row.scopes

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
        new_refresh = token.get("refresh_token")
        if previous is not None and not oauth2_settings().rotate_refresh_token:
            tokens.reissue_access(
                previous, token["access_token"], token["scope"].split(), int(token["expires_in"])
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
            row = model.objects.lookup(token).select_related("user", "application").first()
            if row is not None:
                return row
        return None
