"""Fixtures of the GraphQL layer's tests."""

from __future__ import annotations

import pytest

from tests.graphql.client import GraphQLClient


@pytest.fixture
def gql(db: None) -> GraphQLClient:
    """A GraphQL client for ``/graphql/`` (Django test client, no cookies, no CSRF token)."""
    return GraphQLClient()
