"""Generation and at-rest digests of tokens and client secrets.

Every secret we issue carries at least 256 bits from :mod:`secrets`, so a keyed SHA-256 (HMAC)
digest is enough to store it: there is nothing to brute-force, and a fast digest keeps lookups by
digest a single indexed query. Users' passwords are not handled here; they keep Django's hasher.
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


def digest(value: str, *, purpose: str) -> str:
    """Keyed SHA-256 of ``value`` as 64 hex characters.

    ``purpose`` separates domains ("access", "refresh", "client-secret") so a value valid in one
    table never matches a digest in another.
    """
    key = f"gqlauth:{purpose}:{oauth2_settings().token_digest_key}".encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def matches(value: str, stored_digest: str, *, purpose: str) -> bool:
    """Constant-time comparison of ``value``'s digest with a stored digest."""
    return hmac.compare_digest(digest(value, purpose=purpose), stored_digest)
