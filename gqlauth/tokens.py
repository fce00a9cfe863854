"""Issuing, rotating and revoking tokens: the storage side of the token endpoint.

Callers pass plaintext token values exactly once; only digests are written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from gqlauth import digests
from gqlauth.conf import oauth2_settings
from gqlauth.models import (
    AccessToken,
    Application,
    AuthorizationCode,
    Consent,
    RefreshToken,
    revoke_family,
)

if TYPE_CHECKING:
    from gqlauth.jwtaccess import SignedAccessToken
    from gqlauth.models import UserModel


class RefreshTokenReusedError(Exception):
    """A revoked refresh token was presented again: a replay (RFC 9700 §4.14.2).

    Raised where a replay is found (the grant's token check, or a lost rotation race) and handled
    in one place, :func:`on_replay`, by whoever answers the token request.
    """

    def __init__(self, family: uuid.UUID) -> None:
        super().__init__(f"refresh token family {family} reused")
        self.family = family


def on_replay(error: RefreshTokenReusedError) -> bool:
    """The one answer to a replayed refresh token: revoke its family when reuse protection is on.

    Returns whether the family was revoked. With ``REFRESH_TOKEN_REUSE_PROTECTION`` off the replay
    is only refused (by the caller), and the family's live token keeps working.
    """
    if not oauth2_settings().refresh_token_reuse_protection:
        return False
    revoke_family(error.family)
    return True


class AuthorizationCodeReusedError(Exception):
    """An authorization code was presented a second time (RFC 6749 §4.1.2).

    Raised by the token check of a used code, or by an exchange that lost the race to redeem it;
    answered in one place, :func:`on_code_replay`.
    """

    def __init__(self, code_id: int) -> None:
        super().__init__(f"authorization code #{code_id} reused")
        self.code_id = code_id


def on_code_replay(error: AuthorizationCodeReusedError) -> None:
    """Revoke every token issued from the reused code: the family its first exchange started.

    Read after the winner's transaction, so its family is known (a row lock or SQLite's write
    lock made the loser wait for it).
    """
    family = (
        AuthorizationCode.objects.filter(pk=error.code_id).values_list("family", flat=True).first()
    )
    if family is not None:
        revoke_family(family)


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    """Plaintext values of freshly issued tokens, to hand to the client once."""

    access_token: str
    refresh_token: str | None
    access: AccessToken
    refresh: RefreshToken | None


def _new_access_row(
    *,
    application: Application,
    user: UserModel | None,
    scopes: list[str],
    access_token: str,
    expires_in: int,
    now: datetime,
    signed: SignedAccessToken | None,
) -> AccessToken:
    """Insert the one row an access token leaves: its digest, owner, scopes and expiry.

    For a JWT (``signed``) also its ``jti``, and the very expiry its ``exp`` claim states.
    """
    return AccessToken.objects.create(
        digest=digests.digest(access_token, purpose="access"),
        user=user,
        user_fingerprint=fingerprint_of(user),
        application=application,
        scope=" ".join(scopes),
        expires=now + timedelta(seconds=expires_in) if signed is None else signed.expires,
        jti=None if signed is None else signed.jti,
    )


def fingerprint_of(user: UserModel | None) -> str:
    """The password fingerprint a new token of ``user`` carries ("" for client tokens)."""
    return "" if user is None else digests.password_fingerprint(user.password)


def store(
    *,
    application: Application,
    user: UserModel | None,
    scopes: list[str],
    access_token: str,
    refresh_token: str | None,
    expires_in: int,
    rotated_from: RefreshToken | None = None,
    refresh_scopes: list[str] | None = None,
    from_code: AuthorizationCode | None = None,
    signed: SignedAccessToken | None = None,
) -> IssuedTokens:
    """Store the digests of a new access token (and refresh token) atomically.

    ``signed`` describes ``access_token`` when it is a JWT
    (:func:`gqlauth.jwtaccess.sign_access_token`).

    With ``from_code``, the code is redeemed in the same transaction by a compare-and-set update
    that records the new family; if it was already redeemed, raises
    :class:`AuthorizationCodeReusedError` and writes nothing (single use, RFC 6749 §4.1.2).

    With ``rotated_from``, the old refresh token is revoked by a compare-and-set update and its
    access token deleted in the same transaction; if another request rotated it first, raises
    :class:`RefreshTokenReusedError` and writes nothing (RFC 9700 §4.14.2: one rotation wins).
    The new refresh token keeps its family's start, and ``refresh_scopes`` (default: ``scopes``).
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
        if from_code is not None:
            redeemed = AuthorizationCode.objects.filter(
                pk=from_code.pk, used_at__isnull=True
            ).update(used_at=now, family=family)
            if not redeemed:
                raise AuthorizationCodeReusedError(from_code.pk)
        access = _new_access_row(
            application=application,
            user=user,
            scopes=scopes,
            access_token=access_token,
            expires_in=expires_in,
            now=now,
            signed=signed,
        )
        refresh = None
        if refresh_token is not None:
            refresh = RefreshToken.objects.create(
                digest=digests.digest(refresh_token, purpose="refresh"),
                user=user,
                user_fingerprint=access.user_fingerprint,
                application=application,
                access_token=access,
                scope=" ".join(scopes if refresh_scopes is None else refresh_scopes),
                family=family,
                family_started=rotated_from.family_started if rotated_from is not None else now,
            )
    return IssuedTokens(access_token, refresh_token, access, refresh)


class RefreshRaceLostError(Exception):
    """Without rotation, another request reissued this refresh token's access token first."""


def reissue_access(
    refresh: RefreshToken,
    access_token: str,
    scopes: list[str],
    expires_in: int,
    signed: SignedAccessToken | None = None,
) -> AccessToken:
    """Refresh without rotation: a new access token replaces the refresh token's old one.

    A compare-and-set on the refresh token's live access token, so a refresh token has at most
    one access token, and revoking it ends every token it produced. The loser of two concurrent
    reissues raises :class:`RefreshRaceLostError` and writes nothing.
    """
    with transaction.atomic():
        old_access_id = refresh.access_token_id
        access = _new_access_row(
            application=refresh.application,
            user=refresh.user,
            scopes=scopes,
            access_token=access_token,
            expires_in=expires_in,
            now=timezone.now(),
            signed=signed,
        )
        won = RefreshToken.objects.filter(
            pk=refresh.pk, access_token_id=old_access_id, revoked_at__isnull=True
        ).update(access_token=access)
        if not won:
            raise RefreshRaceLostError
        if old_access_id is not None:
            AccessToken.objects.filter(pk=old_access_id).delete()
    return access


def issue(
    application: Application,
    user: UserModel | None,
    scopes: list[str],
    *,
    with_refresh: bool = True,
    expires_in: int | None = None,
) -> IssuedTokens:
    """Generate and store a new token pair outside any grant flow (commands, tests, demos).

    The access token is opaque (a JWT needs the request's issuer: the token endpoint issues
    those); ``expires_in`` defaults to ``ACCESS_TOKEN_EXPIRE_SECONDS``.
    """
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


def revoke_application_tokens(
    application: Application, user: UserModel | None = None, *, forget_consent: bool = False
) -> int:
    """End the tokens of ``application``: every user's, or only ``user``'s, in one transaction.

    Deletes the access tokens, revokes the refresh tokens (the rows stay, so a replay of one is
    still recognised, RFC 9700 §4.14.2) and deletes the codes not yet exchanged, which would
    otherwise turn into new tokens (RFC 6749 §4.1.2). Redeemed codes stay for their replay check;
    their tokens are among those ended here. With ``forget_consent`` the matching
    :class:`~gqlauth.models.Consent` rows go too, so the next authorization request asks again.

    Client-credentials tokens have no user, so a ``user`` never reaches them. Returns how many
    access tokens were deleted. Callers: the developer pages and the admin (every user), and the
    authorized-applications page (one user, forgetting the consent).
    """
    access = AccessToken.objects.filter(application=application)
    refresh = RefreshToken.objects.filter(application=application)
    pending = AuthorizationCode.objects.filter(application=application, used_at__isnull=True)
    consents = Consent.objects.filter(application=application)
    if user is not None:
        access = access.filter(user=user)
        refresh = refresh.filter(user=user)
        pending = pending.filter(user=user)
        consents = consents.filter(user=user)
    with transaction.atomic():
        deleted, _ = access.delete()
        refresh.revoke()
        pending.delete()
        if forget_consent:
            consents.delete()
    return deleted
