"""Issuing, rotating and revoking tokens: the storage side of the token endpoint.

Callers pass plaintext token values exactly once; only digests are written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from gqlauth import digests
from gqlauth.conf import oauth2_settings
from gqlauth.models import AccessToken, Application, RefreshToken, revoke_family


class RefreshTokenReusedError(Exception):
    """A rotated (revoked) refresh token was presented again; its family must be revoked."""

    def __init__(self, family: uuid.UUID) -> None:
        super().__init__(f"refresh token family {family} reused")
        self.family = family


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    """Plaintext values of freshly issued tokens, to hand to the client once."""

    access_token: str
    refresh_token: str | None
    access: AccessToken
    refresh: RefreshToken | None


def store(
    *,
    application: Application,
    user: Any,
    scopes: list[str],
    access_token: str,
    refresh_token: str | None,
    expires_in: int,
    rotated_from: RefreshToken | None = None,
) -> IssuedTokens:
    """Store the digests of a new access token (and refresh token) atomically.

    With ``rotated_from``, the old refresh token is revoked by a compare-and-set update and its
    access token deleted in the same transaction; if another request rotated it first, raises
    :class:`RefreshTokenReusedError` and writes nothing (RFC 9700 §4.14.2: one rotation wins).
    """
    now = timezone.now()
    with transaction.atomic():
        family = uuid.uuid4()
        if rotated_from is not None:
            family = rotated_from.family
            won = RefreshToken.objects.filter(pk=rotated_from.pk, revoked_at__isnull=True).update(
                revoked_at=now
            )
            if not won:
                raise RefreshTokenReusedError(family)
            if rotated_from.access_token_id is not None:
                AccessToken.objects.filter(pk=rotated_from.access_token_id).delete()
        access = AccessToken.objects.create(
            digest=digests.digest(access_token, purpose="access"),
            user=user,
            application=application,
            scope=" ".join(scopes),
            expires=now + timedelta(seconds=expires_in),
        )
        refresh = None
        if refresh_token is not None:
            refresh = RefreshToken.objects.create(
                digest=digests.digest(refresh_token, purpose="refresh"),
                user=user,
                application=application,
                access_token=access,
                # RFC 6749 §6: a rotated refresh token keeps the scope of the one it replaces,
                # even when the access token was narrowed.
                scope=rotated_from.scope if rotated_from is not None else " ".join(scopes),
                family=family,
            )
    return IssuedTokens(access_token, refresh_token, access, refresh)


def reissue_access(
    refresh: RefreshToken, access_token: str, scopes: list[str], expires_in: int
) -> AccessToken:
    """Refresh without rotation: a new access token replaces the refresh token's old one."""
    with transaction.atomic():
        old_access_id = refresh.access_token_id
        access = AccessToken.objects.create(
            digest=digests.digest(access_token, purpose="access"),
            user=refresh.user,
            application=refresh.application,
            scope=" ".join(scopes),
            expires=timezone.now() + timedelta(seconds=expires_in),
        )
        RefreshToken.objects.filter(pk=refresh.pk).update(access_token=access)
        if old_access_id is not None:
            AccessToken.objects.filter(pk=old_access_id).delete()
    return access


def issue(
    application: Application,
    user: Any,
    scopes: list[str],
    *,
    with_refresh: bool = True,
    expires_in: int | None = None,
) -> IssuedTokens:
    """Generate and store a new token pair outside any grant flow (commands, tests, demos)."""
    return store(
        application=application,
        user=user,
        scopes=scopes,
        access_token=digests.new_token(),
        refresh_token=digests.new_token() if with_refresh else None,
        expires_in=oauth2_settings().access_token_expire_seconds
        if expires_in is None
        else expires_in,
    )


def revoke_access_token(token: AccessToken) -> None:
    """Revoke an access token and the refresh token issued with it (RFC 7009 §2.1 allows both)."""
    with transaction.atomic():
        RefreshToken.objects.filter(access_token=token).revoke()
        token.delete()


def revoke_refresh_token(token: RefreshToken) -> None:
    """Revoke a refresh token, its family and their access tokens (RFC 7009 §2.1)."""
    revoke_family(token.family)
