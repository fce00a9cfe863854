"""Client authentication (RFC 6749 §2.3) with the same work for every failure.

Credentials come from HTTP Basic (§2.3.1, form-urlencoded id and secret) or from the
``client_id`` / ``client_secret`` body parameters, never both. An unknown client id costs one
lookup and one digest comparison, exactly like a wrong secret, so response times do not reveal
which client ids exist.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote_plus

from gqlauth.models import Application

# Compared against when there is no client to check, so failures cost a real comparison.
_NO_CLIENT = Application(client_secret_digest="0" * 64)

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")
"""What :func:`presented` and :func:`verify_credentials` accept, by their registered names
(RFC 7591 §2, used in RFC 8414 §2 metadata): HTTP Basic; ``client_id`` and ``client_secret`` in
the body; and ``none``, a public client presenting only its ``client_id`` (in the body, or as
Basic with an empty password). The token, revocation and introspection endpoints all
authenticate clients through these two functions, so all three accept all three methods.
"""


class MalformedCredentialsError(ValueError):
    """The Authorization header is not valid HTTP Basic, or credentials conflict."""


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """Client credentials as presented; ``secret`` is None when none was sent."""

    client_id: str
    secret: str | None


def parse_basic(header: str) -> tuple[str, str]:
    """Decode ``Basic base64(urlencode(id):urlencode(secret))`` (RFC 6749 §2.3.1)."""
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise MalformedCredentialsError("The Authorization header must use the Basic scheme.")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise MalformedCredentialsError("The Basic credentials are not valid base64.") from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep or not client_id:
        raise MalformedCredentialsError("The Basic credentials must be 'client_id:client_secret'.")
    return unquote_plus(client_id), unquote_plus(secret)


def presented(
    headers: Mapping[str, str], client_id: str | None, client_secret: str | None
) -> ClientCredentials | None:
    """The credentials a token-endpoint request carries, or None when it carries none.

    Raises :class:`MalformedCredentialsError` for a broken Basic header, or when a request uses
    Basic together with a body ``client_secret`` or names a different ``client_id`` in the body.
    """
    header = headers.get("Authorization")
    if header is not None:
        basic_id, basic_secret = parse_basic(header)
        if client_secret is not None:
            raise MalformedCredentialsError("Send client credentials in one way only.")
        if client_id is not None and client_id != basic_id:
            raise MalformedCredentialsError("client_id does not match the Basic credentials.")
        # "client_id:" with an empty password is how many libraries send a public client's id.
        return ClientCredentials(basic_id, basic_secret or None)
    if client_id:
        return ClientCredentials(client_id, client_secret)
    return None


def verify_credentials(credentials: ClientCredentials, application: Application | None) -> bool:
    """Check ``credentials`` against the looked-up ``application`` (None if unknown).

    Public clients authenticate by client id alone and must not send a secret;
    confidential clients must send the right secret. Every path does one digest comparison.
    """
    target = application or _NO_CLIENT
    secret_ok = target.check_client_secret(credentials.secret or "")
    if application is None:
        return False
    if application.is_confidential:
        return secret_ok
    return not credentials.secret
