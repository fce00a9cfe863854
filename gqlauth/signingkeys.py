"""Signing keys of JWT access tokens: life cycle, publication, and encryption at rest.

A key's life (times on :class:`~gqlauth.models.SigningKey`):

1. **Created** by ``manage.py signingkeys create`` or ``rotate``: published in the JWK Set at once,
   but it signs only from ``activates_at``, ``JWT_KEY_ACTIVATION_SECONDS`` later (default one
   hour), so every verifier that caches the JWK Set (for :data:`JWKS_MAX_AGE`, or this process's
   :data:`VERIFY_CACHE_SECONDS`) has it before the first token it signs arrives.
2. **Signing**: the newest active key signs every new JWT access token.
3. **Retired** (``rotate`` retires the old keys when the new one activates; ``retire`` at once):
   it signs no more, and stays published until ``published_until``, when the last token it
   signed has expired (``JWT_ACCESS_TOKEN_EXPIRE_SECONDS`` later). ``retire --unpublish`` ends
   the publication at once, for a key that may have leaked: its tokens are refused from then on.
4. **Pruned** once unpublished: the row, and its encrypted private key, are deleted.

Private keys are never stored in plaintext: the PKCS #8 bytes are sealed with AES-256-GCM under
a key derived (HKDF-SHA256) from ``JWT_KEY_ENCRYPTION_KEY``, or from ``SECRET_KEY`` when that
setting is unset, with the ``kid`` as associated data, so a sealed key cannot be moved to
another row. The old values (``JWT_KEY_ENCRYPTION_KEY_FALLBACKS``, else
``SECRET_KEY_FALLBACKS``) still decrypt, and ``signingkeys reencrypt`` moves every key to the
current one. Nothing here logs, prints or returns a private key.
"""

from __future__ import annotations

import base64
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.signals import setting_changed
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from gqlauth import jose
from gqlauth.conf import oauth2_settings
from gqlauth.models import SigningKey

JWKS_MAX_AGE = 300
"""Seconds the JWK Set may be cached by clients (its ``Cache-Control: max-age``)."""
VERIFY_CACHE_SECONDS = 60
"""Seconds this process verifies with the public keys it last read from the database."""
MISS_RELOAD_SECONDS = 5
"""A ``kid`` missing from the cache reloads it, at most this often (a new key, seen sooner)."""

_SEALED_PREFIX = "aesgcm1:"
_HKDF_INFO = b"gqlauth signing-key encryption v1"
_NONCE_BYTES = 12


class NoSigningKeyError(Exception):
    """No key may sign now: none was created, the newest is still pending, or all are retired."""


class UnreadableKeyError(Exception):
    """No current or fallback key-encryption key decrypts a signing key."""


class UnknownKeyError(LookupError):
    """No signing key has this ``kid``."""


# -- encryption at rest ---------------------------------------------------------------------------


def _aead(secret: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
        secret.encode()
    )
    return AESGCM(key)


def seal(private_key: bytes, *, kid: str) -> str:
    """``private_key`` encrypted under the current key-encryption key, as ASCII for a text column.

    AES-256-GCM with a random 96-bit nonce; the ``kid`` is authenticated with it.
    """
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _aead(oauth2_settings().jwt_key_encryption_keys[0]).encrypt(
        nonce, private_key, kid.encode()
    )
    return _SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(sealed: str, *, kid: str) -> tuple[bytes, bool]:
    """The private key bytes, and whether they were sealed under the *current* key.

    Raises :class:`UnreadableKeyError` when no current or fallback key opens them (or they were
    sealed for another ``kid``).
    """
    if not sealed.startswith(_SEALED_PREFIX):
        raise UnreadableKeyError(f"Signing key {kid} is not sealed in a known format.")
    raw = base64.urlsafe_b64decode(sealed[len(_SEALED_PREFIX) :])
    nonce, body = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
    for index, secret in enumerate(oauth2_settings().jwt_key_encryption_keys):
        try:
            return _aead(secret).decrypt(nonce, body, kid.encode()), index == 0
        except InvalidTag:
            continue
    raise UnreadableKeyError(
        f"No JWT_KEY_ENCRYPTION_KEY (or SECRET_KEY) value, current or fallback, decrypts "
        f"signing key {kid}."
    )


# -- life cycle -----------------------------------------------------------------------------------


def create(
    *, algorithm: str | None = None, activate_now: bool = False, now: datetime | None = None
) -> SigningKey:
    """Generate and store a new key, published now and signing after the activation delay.

    ``algorithm`` defaults to ``JWT_SIGNING_ALGORITHM``. ``activate_now`` skips the delay: for
    the first key, before anyone caches the JWK Set; verifiers that cached it may refuse the
    new key's tokens until they reload it.
    """
    settings_ = oauth2_settings()
    algorithm = algorithm or settings_.jwt_signing_algorithm
    now = now or timezone.now()
    private = jose.generate_private_key(algorithm)
    jwk = jose.public_jwk(private, algorithm=algorithm)
    delay = 0 if activate_now else settings_.jwt_key_activation_seconds
    return SigningKey.objects.create(
        kid=jwk["kid"],
        algorithm=algorithm,
        public_jwk=jwk,
        private_key=seal(jose.private_key_bytes(private), kid=jwk["kid"]),
        activates_at=now + timedelta(seconds=delay),
    )


def _retire(key: SigningKey, at: datetime, *, unpublish: bool, now: datetime) -> None:
    """Stop ``key`` signing at ``at``; publish it until its last token expires (or until now)."""
    retired = at if key.retired_at is None else min(key.retired_at, at)
    until = (
        now
        if unpublish
        else retired + timedelta(seconds=oauth2_settings().jwt_access_token_expire_seconds)
    )
    if key.published_until is not None:
        until = min(until, key.published_until)
    key.retired_at, key.published_until = retired, until
    key.save(update_fields=["retired_at", "published_until"])


def rotate(
    *, algorithm: str | None = None, activate_now: bool = False, now: datetime | None = None
) -> tuple[SigningKey, list[SigningKey]]:
    """Create a new key and retire every other key when it activates; returns both.

    Until then the current key keeps signing, so there is always a key that signs and that
    every verifier knows.
    """
    now = now or timezone.now()
    with transaction.atomic():
        new = create(algorithm=algorithm, activate_now=activate_now, now=now)
        ends = new.activates_at
        retiring = list(
            SigningKey.objects.exclude(pk=new.pk).filter(
                models.Q(retired_at__isnull=True) | models.Q(retired_at__gt=ends)
            )
        )
        for key in retiring:
            _retire(key, ends, unpublish=False, now=now)
    return new, retiring


def retire(kid: str, *, unpublish: bool = False, now: datetime | None = None) -> SigningKey:
    """Stop the key ``kid`` signing now; with ``unpublish`` also stop publishing it now, which
    ends every token it signed. Raises :class:`UnknownKeyError`."""
    now = now or timezone.now()
    key = SigningKey.objects.filter(kid=kid).first()
    if key is None:
        raise UnknownKeyError(kid)
    _retire(key, now, unpublish=unpublish, now=now)
    return key


def prune(now: datetime | None = None) -> int:
    """Delete the keys no longer published (their tokens have all expired); returns how many."""
    deleted, _ = SigningKey.objects.filter(published_until__lte=now or timezone.now()).delete()
    return deleted


def reencrypt() -> tuple[int, list[str]]:
    """Re-seal under the current key-encryption key every key sealed under a fallback.

    Returns how many keys changed, and the ``kid`` of every key no key opens.
    """
    changed, unreadable = 0, []
    for key in SigningKey.objects.order_by("pk"):
        try:
            private, current = unseal(key.private_key, kid=key.kid)
        except UnreadableKeyError:
            unreadable.append(key.kid)
            continue
        if not current:
            key.private_key = seal(private, kid=key.kid)
            key.save(update_fields=["private_key"])
            changed += 1
    return changed, unreadable


def state(key: SigningKey, now: datetime | None = None) -> str:
    """``pending``, ``active``, ``retired`` (still published) or ``unpublished``."""
    now = now or timezone.now()
    if key.published_until is not None and key.published_until <= now:
        return "unpublished"
    if key.retired_at is not None and key.retired_at <= now:
        return "retired"
    return "pending" if key.activates_at > now else "active"


# -- signing --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Signer:
    """The key that signs now: its ``kid``, algorithm and (never shown) private key."""

    kid: str
    algorithm: str
    private_key: jose.PrivateKey = field(repr=False)


_private_keys: dict[str, jose.PrivateKey] = {}


def signer(now: datetime | None = None) -> Signer:
    """The newest active key (one query; decrypted once per process). Raises
    :class:`NoSigningKeyError`, or :class:`UnreadableKeyError` when it cannot be decrypted."""
    row = SigningKey.objects.signing(now).only("kid", "algorithm", "private_key").first()
    if row is None:
        raise NoSigningKeyError("No signing key is active.")
    private = _private_keys.get(row.kid)
    if private is None:
        private = _private_keys[row.kid] = jose.load_private_key(
            unseal(row.private_key, kid=row.kid)[0]
        )
    return Signer(row.kid, row.algorithm, private)


# -- publication and verification -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerificationKey:
    """A published public key, as verifiers use it."""

    kid: str
    algorithm: str
    public_key: jose.PublicKey
    published_until: datetime | None

    def is_published(self, now: datetime) -> bool:
        return self.published_until is None or self.published_until > now


@dataclass
class _KeySet:
    keys: dict[str, VerificationKey] = field(default_factory=dict)
    loaded_at: float | None = None


_cache = _KeySet()


def _load() -> None:
    rows = SigningKey.objects.published().only("kid", "algorithm", "public_jwk", "published_until")
    _cache.keys = {
        row.kid: VerificationKey(
            row.kid, row.algorithm, jose.load_public_jwk(row.public_jwk), row.published_until
        )
        for row in rows
    }
    _cache.loaded_at = time.monotonic()


def _fresh_keys() -> dict[str, VerificationKey]:
    loaded = _cache.loaded_at
    if loaded is None or time.monotonic() - loaded >= VERIFY_CACHE_SECONDS:
        _load()
    return _cache.keys


def verification_key(kid: str, now: datetime | None = None) -> VerificationKey | None:
    """The published key ``kid``, or None; no query while this process's copy is fresh.

    The copy is reloaded every :data:`VERIFY_CACHE_SECONDS`, and on a ``kid`` it lacks at most
    every :data:`MISS_RELOAD_SECONDS` (so unknown ``kid`` values cannot make every request
    query the database).
    """
    key = _fresh_keys().get(kid)
    loaded = _cache.loaded_at
    if key is None and loaded is not None and time.monotonic() - loaded >= MISS_RELOAD_SECONDS:
        _load()
        key = _cache.keys.get(kid)
    if key is None or not key.is_published(now or timezone.now()):
        return None
    return key


def any_published(now: datetime | None = None) -> bool:
    """Whether the JWK Set has a key (this process's copy; see :func:`verification_key`)."""
    now = now or timezone.now()
    return any(key.is_published(now) for key in _fresh_keys().values())


def jwk_set(now: datetime | None = None) -> dict[str, list[dict[str, str]]]:
    """The JWK Set document (RFC 7517 §5) of the published keys, read from the database.

    Each JWK is rebuilt from its public members, so whatever the stored JSON holds, only
    ``kty``, ``crv``/``x``/``y`` or ``n``/``e``, ``kid``, ``alg`` and ``use`` are served.
    """
    rows = SigningKey.objects.published(now).only("algorithm", "public_jwk")
    return {
        "keys": [
            jose.public_jwk(jose.load_public_jwk(row.public_jwk), algorithm=row.algorithm)
            for row in rows
        ]
    }


def clear_caches() -> None:
    """Forget the public keys and decrypted private keys this process holds."""
    _cache.keys, _cache.loaded_at = {}, None
    _private_keys.clear()


@receiver(post_save, sender=SigningKey)
@receiver(post_delete, sender=SigningKey)
def _key_changed(**kwargs: Any) -> None:
    # Other processes see the change within VERIFY_CACHE_SECONDS; this one at once.
    clear_caches()


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in (oauth2_settings.name, "SECRET_KEY", "SECRET_KEY_FALLBACKS"):
        clear_caches()
