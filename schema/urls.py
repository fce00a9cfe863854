"""The GraphQL endpoint; include under ``graphql/``."""

from __future__ import annotations

from django.urls import path

from gqlauth.graphql.views import GraphQLView
from schema.api import schema

urlpatterns = [
    path("", GraphQLView.as_view(schema=schema), name="graphql"),
]
