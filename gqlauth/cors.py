"""Cross-origin access for browser applications (CORS): the origins an application may list.

A single-page app runs on its own origin (``https://app.example``) and calls this server with
``fetch``; each :class:`~gqlauth.models.Application` lists the origins of its pages in
``allowed_origins``, checked and normalised here for every way of registering one.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

# A DNS name as browsers serialise it in Origin: lowercase ASCII, an IDN in its xn-- form.
_HOST_NAME = re.compile(r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_HOST_NAME.fullmatch(host))
    return True


def normalise_origin(value: str) -> str:
    """``value`` as a browser serialises it in ``Origin``; raises ``ValidationError`` if invalid.

    An origin is ``scheme://host[:port]`` and nothing more: no path (not even ``/``), query,
    fragment or user info. The scheme is ``https``, or ``http`` for a loopback host
    (``localhost``, ``127.0.0.0/8``, ``[::1]``), where a developer's app runs. Scheme and host are
    lowercased and a default port (``:443``, ``:80``) is dropped, as browsers do, so the stored
    value compares equal to the header. ``null`` and ``*`` are refused: an opaque origin is
    anybody's, and a wildcard everybody's.
    """
    error = ValidationError(
        f"Not a valid origin: {value}. Use scheme://host[:port] with nothing after it, "
        "e.g. https://app.example.com or http://localhost:3000.",
        code="invalid_origin",
    )
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise error from exc
    scheme, host = parts.scheme.lower(), parts.hostname
    if (
        scheme not in _DEFAULT_PORTS
        or not host
        or not value.isascii()
        or "@" in parts.netloc
        or value.partition("://")[2] != parts.netloc
        or not _valid_host(host)
        or port == 0
    ):
        raise error
    if scheme != "https" and not _is_loopback(host):
        raise ValidationError(
            f"Not a valid origin: {value}. Use https; http is allowed only for loopback hosts "
            "(localhost, 127.0.0.1, [::1]).",
            code="insecure_origin",
        )
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    return f"{scheme}://{netloc}"


def parse_origins(text: str) -> list[str]:
    """Whitespace-separated origins -> normalised, without duplicates, in the given order.

    Raises one ``ValidationError`` listing every invalid origin.
    """
    origins: list[str] = []
    errors: list[ValidationError] = []
    for value in text.split():
        try:
            origins.append(normalise_origin(value))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return list(dict.fromkeys(origins))
