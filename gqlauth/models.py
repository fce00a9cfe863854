"""Applications (OAuth2 clients), access tokens, refresh tokens and JWT signing keys.

Secrets never reach the database: every token and client secret column holds the keyed digest
from :mod:`gqlauth.digests`, and lookups go by digest through one unique index. A signing key's
private half is stored only encrypted, by :mod:`gqlauth.signingkeys`, under a key that is not in
the database.

Over the ~300-line guideline on purpose: Django expects an app's models in one ``models`` module
(migrations and the admin find them there), and the querysets sit beside the models they serve.
Splitting into a ``models/`` package is the next step if it grows further.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from gqlauth import digests
from gqlauth.conf import ACCESS_TOKEN_FORMATS, SIGNING_ALGORITHMS, oauth2_settings

if TYPE_CHECKING:
    from typing import TypeAlias

    from django.contrib.auth.models import User

    # The configured AUTH_USER_MODEL as django-stubs resolves it from the settings it checks
    # with: what ``token.user`` is to the type checker.
    UserModel: TypeAlias = User


class ClientType(models.TextChoices):
    """RFC 6749 §2.1 client types; values are the wire strings."""

    CONFIDENTIAL = "confidential", "Confidential"
    PUBLIC = "public", "Public"


class GrantType(models.TextChoices):
    """RFC 6749 grant types; values are the ``grant_type`` wire strings."""

    AUTHORIZATION_CODE = "authorization_code", "Authorization code"
    PASSWORD = "password", "Resource owner password-based"
    CLIENT_CREDENTIALS = "client_credentials", "Client credentials"
    REFRESH_TOKEN = "refresh_token", "Refresh token"


class ApplicationType(models.TextChoices):
    """Where the client runs (OpenID Connect Dynamic Registration's ``application_type``).

    A native app (RFC 8252) may redirect to a loopback address on any port (§7.3), because the
    port is chosen when the app starts; a web app's redirect URIs are compared exactly.
    """

    WEB = "web", "Web application"
    NATIVE = "native", "Native (desktop or mobile) application"


class AccessTokenFormat(models.TextChoices):
    """What an application's access tokens are; "" follows ``ACCESS_TOKEN_FORMAT``."""

    SETTING = "", "As the ACCESS_TOKEN_FORMAT setting says"
    OPAQUE = ACCESS_TOKEN_FORMATS[0], "Opaque (checked in the database on every use)"
    JWT = ACCESS_TOKEN_FORMATS[1], "JWT (RFC 9068, verified by its signature)"


# Grants whose tokens come with a refresh token, so allowing them implies allowing refresh.
GRANTS_WITH_REFRESH = frozenset({GrantType.PASSWORD, GrantType.AUTHORIZATION_CODE})


def validate_client_secret(secret: str) -> None:
    """Refuse a user-supplied client secret shorter than MIN_CLIENT_SECRET_LENGTH.

    Raises :class:`django.core.exceptions.ValidationError` with code ``"client_secret_too_short"``.
    Generated secrets are always long enough; this guards secrets typed by people.
    """
    minimum = oauth2_settings().min_client_secret_length
    if len(secret) < minimum:
        raise ValidationError(
            f"A client secret must be at least {minimum} characters long; "
            "leave it empty to have a strong one generated.",
            code="client_secret_too_short",
        )


def account_unchanged(user: UserModel | None, fingerprint: str) -> bool:
    """A token's user is still active and has the password hash the token was issued under.

    Client tokens (no user) pass. The fingerprint binds a token to the account's state the way
    Django binds sessions: a password change by any path (admin, ``changepassword``,
    ``set_password``, a queryset update) changes the hash and so ends every token.
    """
    if user is None:
        return True
    return user.is_active and digests.matches(user.password, fingerprint, purpose="password")


class ApplicationQuerySet(models.QuerySet["Application"]):
    def lookup(self, client_id: str) -> Application | None:
        """The application with this client id and its owner, or None (one indexed query)."""
        return self.filter(client_id=client_id).select_related("user").first()


class Application(models.Model):
    """An OAuth2 client registered with this server."""

    client_id = models.CharField(max_length=100, unique=True)
    client_secret_digest = models.CharField(
        max_length=64,
        blank=True,
        help_text="Keyed SHA-256 of the secret; the secret is never stored.",
    )
    name = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="oauth2_applications",
    )
    client_type = models.CharField(max_length=32, choices=ClientType.choices)
    grant_types = models.JSONField(
        default=list, help_text="Allowed RFC 6749 grant types, as wire values."
    )
    redirect_uris = models.TextField(
        blank=True, help_text="Allowed redirect URIs, space separated."
    )
    allowed_origins = models.TextField(
        blank=True,
        help_text="Origins (scheme://host[:port]) of browser pages that may read this client's "
        "answers from the token, revocation and GraphQL endpoints (CORS), space separated.",
    )
    allowed_scopes = models.CharField(
        max_length=1000,
        blank=True,
        help_text="Space-separated scopes this client may ask for; empty means every scope.",
    )
    application_type = models.CharField(
        max_length=16, choices=ApplicationType.choices, default=ApplicationType.WEB
    )
    default_scopes = models.CharField(
        max_length=1000,
        blank=True,
        help_text="Space-separated scopes granted when a request names none; empty means the "
        "DEFAULT_SCOPES setting.",
    )
    skip_authorization = models.BooleanField(
        default=False,
        help_text="Trusted first-party client: users are not asked to consent.",
    )
    active = models.BooleanField(
        default=True,
        help_text="An inactive application authenticates no more and its tokens and codes stop "
        "working at once.",
    )
    can_introspect = models.BooleanField(
        default=False,
        help_text="A confidential client that may introspect tokens issued to other clients.",
    )
    access_token_format = models.CharField(
        max_length=8,
        choices=AccessTokenFormat.choices,
        default=AccessTokenFormat.SETTING,
        blank=True,
        help_text="JWT access tokens are verified without the database: revoking them, or "
        "deactivating or changing the password of their user, takes effect only when they "
        "expire (JWT_ACCESS_TOKEN_EXPIRE_SECONDS) for fields that need no user.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.name or self.client_id

    @property
    def is_confidential(self) -> bool:
        return self.client_type == ClientType.CONFIDENTIAL

    def allows_grant(self, grant_type: str) -> bool:
        """Whether ``grant_type`` is allowed; password and code grants imply refresh_token."""
        granted = set(self.grant_types)
        if grant_type == GrantType.REFRESH_TOKEN:
            return bool(granted & GRANTS_WITH_REFRESH) or GrantType.REFRESH_TOKEN in granted
        return grant_type in granted

    @property
    def is_usable(self) -> bool:
        """Active, and its owner (if any) too: an inactive owner's applications stop at once."""
        return self.active and (self.user is None or self.user.is_active)

    @property
    def is_native(self) -> bool:
        return self.application_type == ApplicationType.NATIVE

    def default_scope_list(self) -> list[str] | None:
        """This application's own default scopes, or None to use DEFAULT_SCOPES."""
        return self.default_scopes.split() or None

    def allowed_scope_list(self) -> list[str] | None:
        """The allowed-scopes subset, or None when every configured scope is allowed."""
        scopes = self.allowed_scopes.split()
        return scopes or None

    def redirect_uri_list(self) -> list[str]:
        return self.redirect_uris.split()

    def allowed_origin_list(self) -> list[str]:
        """The origins whose pages may read this client's answers (see :mod:`gqlauth.cors`)."""
        return self.allowed_origins.split()

    def set_client_secret(self, secret: str) -> None:
        """Store the digest of ``secret``; the caller shows the secret once and forgets it."""
        self.client_secret_digest = digests.digest(secret, purpose="client-secret")

    def rotate_secret(self) -> str:
        """Give this confidential client a new generated secret, saved at once; returns it.

        The old secret stops working immediately. The caller shows the returned value once.
        """
        secret = digests.new_client_secret()
        self.set_client_secret(secret)
        self.save(update_fields=["client_secret_digest", "updated"])
        return secret

    def check_client_secret(self, secret: str) -> bool:
        """Constant-time check of a presented secret (False for clients without a secret)."""
        # Compare against a digest that cannot match when there is no secret, so public and
        # confidential clients cost the same work.
        stored = self.client_secret_digest or "0" * 64
        return digests.matches(secret, stored, purpose="client-secret") and bool(
            self.client_secret_digest
        )


class AuthorizationCodeQuerySet(models.QuerySet["AuthorizationCode"]):
    def lookup(self, code: str) -> AuthorizationCodeQuerySet:
        """Rows whose digest matches ``code`` under any accepted key (zero or one, one query)."""
        return self.filter(digest__in=digests.candidates(code, purpose="code"))

    def expired(self, now: datetime | None = None) -> AuthorizationCodeQuerySet:
        return self.filter(expires__lte=now or timezone.now())


class AccessTokenQuerySet(models.QuerySet["AccessToken"]):
    def lookup(self, token: str) -> AccessTokenQuerySet:
        """Rows whose digest matches ``token`` under any accepted key (zero or one, one query)."""
        return self.filter(digest__in=digests.candidates(token, purpose="access"))

    def valid(self, now: datetime | None = None) -> AccessTokenQuerySet:
        return self.filter(expires__gt=now or timezone.now())

    def expired(self, now: datetime | None = None) -> AccessTokenQuerySet:
        return self.filter(expires__lte=now or timezone.now())


class DigestedSecret(models.Model):
    """A row found by the digest of a secret we issued; ``digest`` is the only trace of it."""

    digest = models.CharField(max_length=64, unique=True)

    class Meta:
        abstract = True

    def upgrade_digest(self, value: str, *, purpose: str) -> None:
        """Re-digest under the current key a row found under a fallback key (rare; one UPDATE)."""
        if not digests.is_current(value, self.digest, purpose=purpose):
            self.digest = digests.digest(value, purpose=purpose)
            type(self)._default_manager.filter(pk=self.pk).update(digest=self.digest)


class IssuedToken(DigestedSecret):
    """Columns shared by access and refresh tokens."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="oauth2_%(class)ss",
    )
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="%(class)ss"
    )
    scope = models.TextField(blank=True)
    user_fingerprint = models.CharField(
        max_length=64,
        blank=True,
        help_text="Keyed digest of the user's password hash at issue; a changed password ends "
        "the token.",
    )
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta(DigestedSecret.Meta):
        abstract = True
        ordering = ["-created"]

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()

    def user_unchanged(self) -> bool:
        """Whether the token's user (if any) is active with the password it was issued under."""
        return account_unchanged(self.user, self.user_fingerprint)


class AccessToken(IssuedToken):
    """An issued bearer token (RFC 6750). Revocation deletes the row.

    A JWT access token (RFC 9068) has a row too, with the digest of the whole JWT (so revocation
    and introspection find it like any token) and its ``jti`` (so a verified JWT finds its row
    without digesting it).
    """

    expires = models.DateTimeField(db_index=True)
    # NULL for opaque tokens: a unique column that many opaque rows leave empty.
    jti = models.CharField(max_length=64, null=True, blank=True, unique=True)

    objects = AccessTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"access token #{self.pk}"

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires <= (now or timezone.now())


def _cutoff(seconds: int | None, now: datetime | None) -> datetime | None:
    return None if seconds is None else (now or timezone.now()) - timedelta(seconds=seconds)


def refresh_cutoffs(now: datetime | None = None) -> tuple[datetime | None, datetime | None]:
    """(issued before, family started before): refresh tokens past either are expired.

    The first is the idle limit (REFRESH_TOKEN_EXPIRE_SECONDS: a rotation renews it), the second
    the family's absolute lifetime (REFRESH_TOKEN_MAX_LIFETIME_SECONDS); None: no such limit.
    """
    settings_ = oauth2_settings()
    return (
        _cutoff(settings_.refresh_token_expire_seconds, now),
        _cutoff(settings_.refresh_token_max_lifetime_seconds, now),
    )


class RefreshTokenQuerySet(models.QuerySet["RefreshToken"]):
    def lookup(self, token: str) -> RefreshTokenQuerySet:
        return self.filter(digest__in=digests.candidates(token, purpose="refresh"))

    def live(self, now: datetime | None = None) -> RefreshTokenQuerySet:
        """Not revoked and not expired."""
        qs = self.filter(revoked_at__isnull=True)
        idle, family = refresh_cutoffs(now)
        if idle is not None:
            qs = qs.filter(created__gt=idle)
        if family is not None:
            qs = qs.filter(family_started__gt=family)
        return qs

    def expired(self, now: datetime | None = None) -> RefreshTokenQuerySet:
        idle, family = refresh_cutoffs(now)
        condition = models.Q(pk__in=[])
        if idle is not None:
            condition |= models.Q(created__lte=idle)
        if family is not None:
            condition |= models.Q(family_started__lte=family)
        return self.filter(condition)

    def revoke(self, now: datetime | None = None) -> int:
        """Mark every not-yet-revoked row revoked; returns how many changed."""
        return self.filter(revoked_at__isnull=True).update(revoked_at=now or timezone.now())


class RefreshToken(IssuedToken):
    """A refresh token. Rotation revokes it and issues a successor in the same ``family``.

    Revoked rows are kept while their family lives, so a replayed rotated token is recognised
    and revokes the whole family (RFC 9700 §4.14.2).
    """

    access_token = models.OneToOneField(
        AccessToken,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="refresh_token",
    )
    family = models.UUIDField(default=uuid.uuid4, db_index=True)
    family_started = models.DateTimeField(
        default=timezone.now, help_text="When the family's first token was issued."
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = RefreshTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"refresh token #{self.pk}"

    @property
    def expires(self) -> datetime | None:
        """When this token expires: the idle limit after its issue or the family's end, whichever
        comes first (None: never)."""
        settings_ = oauth2_settings()
        ends = [
            start + timedelta(seconds=seconds)
            for start, seconds in (
                (self.created, settings_.refresh_token_expire_seconds),
                (self.family_started, settings_.refresh_token_max_lifetime_seconds),
            )
            if seconds is not None and start is not None
        ]
        return min(ends, default=None)

    def is_expired(self, now: datetime | None = None) -> bool:
        expires = self.expires
        return expires is not None and expires <= (now or timezone.now())


def revoke_family(family: uuid.UUID | str, now: datetime | None = None) -> None:
    """Revoke every refresh token of ``family`` and delete their access tokens, atomically.

    Safe against a rotation of the same family running at the same time: the first UPDATE waits
    for a rotation that already holds the live row (or makes a later one lose its compare-and-
    set), and the statements after it run on a fresh snapshot (PostgreSQL's READ COMMITTED), so
    they also see, and end, the tokens such a rotation committed.
    """
    with transaction.atomic():
        refresh_tokens = RefreshToken.objects.filter(family=family)
        refresh_tokens.revoke(now)
        AccessToken.objects.filter(refresh_token__family=family).delete()
        refresh_tokens.revoke(now)


class AuthorizationCode(DigestedSecret):
    """An authorization code (RFC 6749 §4.1.2), stored as a digest and used at most once.

    It binds the client, the user, the redirect URI, the scopes and the PKCE challenge
    (RFC 7636 §4.4). ``used_at`` is set by the exchange that wins; the row stays until it expires
    so that a second use is recognised, and ``family`` names the refresh-token family issued from
    it, which a second use revokes (RFC 6749 §4.1.2).
    """

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="authorization_codes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oauth2_codes"
    )
    redirect_uri = models.TextField()
    redirect_uri_given = models.BooleanField(
        default=True,
        help_text="Whether the authorization request named redirect_uri (then the token request "
        "must repeat it, RFC 6749 §4.1.3).",
    )
    scope = models.TextField(blank=True)
    user_fingerprint = models.CharField(max_length=64, blank=True)
    code_challenge = models.CharField(max_length=128, blank=True)
    code_challenge_method = models.CharField(max_length=10, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)
    family = models.UUIDField(null=True, blank=True)

    objects = AuthorizationCodeQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"authorization code #{self.pk}"

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires <= (now or timezone.now())


class Consent(models.Model):
    """A user's approval of an application for a set of scopes (RFC 6749 §4.1.1, step B).

    A later request for the same or fewer scopes is approved without asking again, unless it
    says ``prompt=consent``. Revoking an application's tokens on the authorized-applications page
    removes the consent too.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oauth2_consents"
    )
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="consents")
    scope = models.TextField(blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "application"], name="one_consent_per_client")
        ]

    def __str__(self) -> str:
        return f"consent of user #{self.user_id} for {self.application_id}"

    def covers(self, requested: list[str]) -> bool:
        return set(requested) <= set(self.scope.split())


class SigningAlgorithm(models.TextChoices):
    """JWS algorithms of signing keys; values are the ``alg`` wire strings (RFC 7518 §3.1)."""

    ES256 = SIGNING_ALGORITHMS[0], "ES256 (ECDSA P-256, SHA-256)"
    RS256 = SIGNING_ALGORITHMS[1], "RS256 (RSA 3072, PKCS#1 v1.5, SHA-256)"


class SigningKeyQuerySet(models.QuerySet["SigningKey"]):
    def published(self, now: datetime | None = None) -> SigningKeyQuerySet:
        """Keys in the JWK Set: every key until ``published_until`` (None: not retired)."""
        return self.filter(
            models.Q(published_until__isnull=True)
            | models.Q(published_until__gt=now or timezone.now())
        )

    def signing(self, now: datetime | None = None) -> SigningKeyQuerySet:
        """Keys that may sign at ``now``, the newest activation first (the first one signs)."""
        now = now or timezone.now()
        return (
            self.filter(activates_at__lte=now)
            .filter(models.Q(retired_at__isnull=True) | models.Q(retired_at__gt=now))
            .order_by("-activates_at", "-pk")
        )


class SigningKey(models.Model):
    """A key pair that signs JWT access tokens; managed by ``manage.py signingkeys``.

    Published (in the JWK Set) from creation, so verifiers know it before it signs; signs from
    ``activates_at`` until ``retired_at``; stays published until ``published_until``, when the
    last token it signed has expired. ``private_key`` holds the PKCS #8 key encrypted with
    AES-256-GCM (:mod:`gqlauth.signingkeys`); the database alone cannot sign.
    """

    kid = models.CharField(max_length=64, unique=True, help_text="RFC 7638 thumbprint.")
    algorithm = models.CharField(max_length=8, choices=SigningAlgorithm.choices)
    public_jwk = models.JSONField(help_text="The public key as published (RFC 7517).")
    private_key = models.TextField(
        help_text="The private key, encrypted under JWT_KEY_ENCRYPTION_KEY; never in plaintext."
    )
    created = models.DateTimeField(auto_now_add=True)
    activates_at = models.DateTimeField(db_index=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    published_until = models.DateTimeField(null=True, blank=True)

    objects = SigningKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-activates_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.algorithm} signing key {self.kid}"
