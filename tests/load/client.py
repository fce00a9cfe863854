"""A small HTTP client for the load tests: one keep-alive connection per thread, loopback only."""

from __future__ import annotations

import base64
import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # parsed JSON, or the raw text when the body is not JSON

    @property
    def error(self) -> str | None:
        """The OAuth2 ``error`` code of a token-endpoint answer."""
        return self.body.get("error") if isinstance(self.body, dict) else None


class Connection:
    """Requests to one server from one thread; reconnects when the server closes."""

    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self._port = port
        self._timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> Answer:
        """One request; a connection error propagates (never resent: requests are not idempotent).

        gunicorn's sync workers close every connection after the answer (``Connection: close``),
        so each request opens a new one.
        """
        if self._conn is None:
            self._conn = http.client.HTTPConnection(HOST, self._port, timeout=self._timeout)
        try:
            self._conn.request(method, path, body, headers)
            response = self._conn.getresponse()
            raw = response.read()
        except BaseException:
            self.close()
            raise
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        try:
            parsed: Any = json.loads(raw)
        except ValueError:
            parsed = raw.decode(errors="replace")
        return Answer(response.status, parsed)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def token(self, client: tuple[str, str], **params: str) -> Answer:
        """POST /o/token/ with HTTP Basic client authentication."""
        basic = base64.b64encode(f"{client[0]}:{client[1]}".encode()).decode()
        return self.request(
            "POST",
            "/o/token/",
            urlencode(params).encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Authorization": f"Basic {basic}",
            },
        )

    def revoke(self, client: tuple[str, str], token: str, hint: str | None = None) -> Answer:
        params = {"token": token, "client_id": client[0], "client_secret": client[1]}
        if hint:
            params["token_type_hint"] = hint
        return self.request(
            "POST",
            "/o/revoke_token/",
            urlencode(params).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )

    def graphql(
        self, query: str, token: str | None, variables: dict[str, Any] | None = None
    ) -> Answer:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        return self.request("POST", "/graphql/", body, headers)
