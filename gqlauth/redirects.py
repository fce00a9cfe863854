"""Redirect URI matching for the authorization endpoint (RFC 6749 §3.1.2, RFC 9700 §2.1).

A presented redirect URI must equal a registered one exactly, character for character: no
prefix, pattern or normalisation, because every loosening has been an open redirect somewhere.
The one exception is RFC 8252 §7.3: a native app listening on a loopback IP literal picks its port
when it starts, so for native apps ``http://127.0.0.1:{any}/path`` and ``http://[::1]:{any}/path``
match a registered loopback URI with the same path and query.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit

# RFC 8252 §7.3: IP literals; §8.3 advises against "localhost", so it gets no port exception.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1"})


def _loopback(uri: str) -> SplitResult | None:
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError:
        return None
    if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS or parts.fragment:
        return None
    return parts


def _same_but_port(presented: str, registered: str) -> bool:
    a, b = _loopback(presented), _loopback(registered)
    return (
        a is not None
        and b is not None
        and a.hostname == b.hostname
        and a.path == b.path
        and a.query == b.query
        and "@" not in a.netloc
    )


def is_registered(presented: str, registered: Iterable[str], *, native: bool) -> bool:
    """Whether ``presented`` may receive the authorization response for this client."""
    return any(
        presented == uri or (native and _same_but_port(presented, uri)) for uri in registered
    )
