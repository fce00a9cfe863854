"""The schema object served at ``/graphql/`` and exported to ``schema.graphql``."""

from __future__ import annotations

from gqlauth.graphql.schema import Schema
from schema.mutations import Mutation
from schema.queries import Query

schema = Schema(query=Query, mutation=Mutation)
