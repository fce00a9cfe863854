"""PKCE rules of this server (RFC 7636, RFC 9700 §2.1.1).

The S256 method is always accepted; ``plain`` only with ``ALLOW_PLAIN_PKCE``, because a plain
challenge is the verifier itself and protects nothing once the authorization request leaks.
PKCE is required of public clients always and of every client while ``PKCE_REQUIRED`` is on.
"""

from __future__ import annotations

import re

from gqlauth.conf import oauth2_settings
from gqlauth.models import Application

S256 = "S256"
PLAIN = "plain"

# RFC 7636 §4.1 / §4.2: 43 to 128 unreserved characters.
_VALUE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def methods() -> tuple[str, ...]:
    """The code_challenge_method values this server accepts, strongest first."""
    return (S256, PLAIN) if oauth2_settings().allow_plain_pkce else (S256,)


def required_for(application: Application) -> bool:
    return oauth2_settings().pkce_required or not application.is_confidential


def is_well_formed(value: str) -> bool:
    """A code_challenge or code_verifier of RFC 7636's alphabet and length."""
    return _VALUE.fullmatch(value) is not None
