"""A small GraphQL-over-HTTP client for tests, on Django's test client."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.test import Client

GRAPHQL_URL = "/graphql/"


@dataclass
class GraphQLResponse:
    """An HTTP answer of the endpoint with its decoded JSON body."""

    http: HttpResponse
    body: dict[str, Any]

    @property
    def status(self) -> int:
        return self.http.status_code

    @property
    def data(self) -> Any:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.body.get("errors") or []


class GraphQLClient:
    """``post(query, variables=None, token=None, accept=None)`` / ``get(...)`` on ``/graphql/``.

    ``accept=None`` sends no ``Accept`` header, like Django's test client.
    """

    def __init__(self, client: Client | None = None) -> None:
        self.client = client or Client()

    def _headers(self, token: str | None, authorization: str | None) -> dict[str, str]:
        if authorization is not None:
            return {"Authorization": authorization}
        return {"Authorization": f"Bearer {token}"} if token else {}

    def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        authorization: str | None = None,
        accept: str | None = None,
    ) -> GraphQLResponse:
        payload: dict[str, Any] = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        headers = self._headers(token, authorization)
        if accept is not None:
            headers["Accept"] = accept
        http = self.client.post(
            GRAPHQL_URL,
            data=json.dumps(payload),
            content_type="application/json",
            headers=headers,
        )
        return GraphQLResponse(http, _decode(http))

    def get(
        self, query: str, *, token: str | None = None, accept: str = "application/json"
    ) -> GraphQLResponse:
        headers = self._headers(token, None) | {"Accept": accept}
        http = self.client.get(GRAPHQL_URL, {"query": query}, headers=headers)
        return GraphQLResponse(http, _decode(http))


def _decode(http: HttpResponse) -> dict[str, Any]:
    content_type = http.headers.get("Content-Type", "")
    if content_type.startswith(("application/json", "application/graphql-response+json")):
        return json.loads(http.content)
    return {}
