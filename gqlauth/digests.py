"""Generation and at-rest digests of tokens and client secrets, and password fingerprints.

Every secret we issue carries at least 256 bits from :mod:`secrets`, so a keyed SHA-256 (HMAC)
digest is enough to store it: there is nothing to brute-force, and a fast digest keeps lookups by
digest a single indexed query. Users' passwords are not handled here; they keep Django's hasher.

Keys rotate the Django way: the digest key is ``TOKEN_DIGEST_KEY`` (else ``SECRET_KEY``), and the
old values in ``TOKEN_DIGEST_KEY_FALLBACKS`` (else ``SECRET_KEY_FALLBACKS``) still verify. A lookup
asks for every candidate digest in one query; a row found under an old key is re-digested with the
current one on use (:func:`is_current`), so old keys can be dropped once traffic has passed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from gqlauth.conf import oauth2_settings

# 32 bytes = 256 bits of entropy, URL-safe base64 without padding: 43 characters.
TOKEN_BYTES = 32
# Alphabet for client ids and generated client secrets: unambiguous in URLs, forms and Basic auth.
_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def new_token() -> str:
    """A fresh bearer, refresh or similar token (256 bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_client_id() -> str:
    """A public, random client identifier (40 alphanumerics, about 238 bits)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(40))


def new_client_secret() -> str:
    """A generated secret of CLIENT_SECRET_GENERATOR_LENGTH alphanumerics (256+ bits at 43+)."""
    length = oauth2_settings().client_secret_generator_length
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _digest_with(key: str, value: str, purpose: str) -> str:
    return hmac.new(f"gqlauth:{purpose}:{key}".encode(), value.encode(), hashlib.sha256).hexdigest()


def digest(value: str, *, purpose: str) -> str:
    """Keyed SHA-256 of ``value`` under the current key, as 64 hex characters.

    ``purpose`` separates domains ("access", "refresh", "code", "client-secret", "password") so a
    value valid in one table never matches a digest in another.
    """
    return _digest_with(oauth2_settings().token_digest_keys[0], value, purpose)


def candidates(value: str, *, purpose: str) -> list[str]:
    """Digests of ``value`` under the current key and every fallback key, current first."""
    return [_digest_with(key, value, purpose) for key in oauth2_settings().token_digest_keys]


def matches(value: str, stored_digest: str, *, purpose: str) -> bool:
    """Whether ``value`` has ``stored_digest`` under any accepted key (constant-time compares)."""
    found = False
    for candidate in candidates(value, purpose=purpose):
        # No early exit: every key costs the same, whichever matched.
        found |= hmac.compare_digest(candidate, stored_digest)
    return found


def is_current(value: str, stored_digest: str, *, purpose: str) -> bool:
    """Whether ``stored_digest`` is under the current key (else the caller re-digests it)."""
    return hmac.compare_digest(digest(value, purpose=purpose), stored_digest)


def password_fingerprint(password_hash: str) -> str:
    """A keyed digest of a user's stored password hash (the ``password`` column, never a password).

    Tokens carry the fingerprint of the hash they were issued under; a changed password, by any
    path, changes the hash and so ends them, as Django's sessions do (``get_session_auth_hash``).
    """
    return digest(password_hash, purpose="password")
