"""Fixtures of the tutorial API's tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User

from gqlauth import tokens
from gqlauth.models import Application
from tests.graphql.client import GraphQLClient


@pytest.fixture
def gql(db: None) -> GraphQLClient:
    """A GraphQL client for ``/graphql/`` (Django test client, no cookies, no CSRF token)."""
    return GraphQLClient()


@dataclass
class World:
    """Two users in known groups and one application, as in the tutorial."""

    alice: User
    bob: User
    application: Application
    make_tokens: Callable[..., tokens.IssuedTokens]
    make_user: Callable[..., User]

    def token(self, *scopes: str, **kwargs: Any) -> str:
        """A fresh access token of alice's with ``scopes``."""
        kwargs.setdefault("user", self.alice)
        return self.make_tokens(scopes=scopes, application=self.application, **kwargs).access_token


@pytest.fixture
def world(make_user, make_application, make_tokens) -> World:
    alice = make_user("alice", groups=("staff",), email="alice@example.com")
    bob = make_user("bob", groups=("admins",), email="bob@example.com")
    application = make_application(user=alice).app
    return World(alice, bob, application, make_tokens, make_user)
