"""Tiny schemas and contexts for testing the GraphQL layer without the tutorial's API."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.test import RequestFactory

from gqlauth.graphql.context import BearerCredentials, GraphQLContext
from gqlauth.models import AccessToken


def context(*scopes: str, token: bool = True, user: Any = None) -> GraphQLContext:
    """A context as the view builds it: a token with ``scopes`` (of ``user``, or a client
    token without one), or none at all."""
    credentials = None
    if token:
        credentials = BearerCredentials.from_token(AccessToken(scope=" ".join(scopes), user=user))
    return GraphQLContext(
        request=RequestFactory().post("/graphql/"), response=HttpResponse(), credentials=credentials
    )


def errors_of(result: Any) -> list[tuple[str, Any, dict[str, Any] | None]]:
    """``(message, path, extensions)`` of each error of an execution result."""
    return [(e.message, e.path, e.extensions) for e in result.errors or []]
