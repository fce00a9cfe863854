"""An access rule is checked once per request when it allows, every time when it denies."""

from __future__ import annotations

import strawberry

from gqlauth.graphql.context import BearerCredentials
from gqlauth.graphql.permissions import ScopeRequirement, public
from gqlauth.graphql.schema import Schema
from tests.graphql.schemas import context, errors_of


class CountedScope(ScopeRequirement):
    def __init__(self) -> None:
        super().__init__((("read",),))
        self.checks = 0

    def check(self, credentials: BearerCredentials | None) -> None:
        self.checks += 1
        super().check(credentials)


RULE = CountedScope()


@strawberry.type
class Row:
    n: int
    secret: int | None = strawberry.field(extensions=[RULE])


@strawberry.type
class Query:
    @public()
    @strawberry.field
    def rows(self) -> list[Row]:
        return [Row(n=n, secret=n) for n in range(3)]


SCHEMA = Schema(query=Query)


def test_an_allowed_rule_is_checked_once_per_request():
    RULE.checks = 0

    first = SCHEMA.execute_sync("{ rows { secret } }", context_value=context("read"))
    second = SCHEMA.execute_sync("{ rows { secret } }", context_value=context("read"))

    assert first.data == second.data == {"rows": [{"secret": 0}, {"secret": 1}, {"secret": 2}]}
    assert RULE.checks == 2  # one per request, not one per row


def test_a_denying_rule_gives_every_field_its_own_error():
    RULE.checks = 0

    result = SCHEMA.execute_sync("{ rows { n secret } }", context_value=context("groups"))

    assert result.data == {"rows": [{"n": n, "secret": None} for n in range(3)]}
    assert errors_of(result) == [
        (
            "You do not have permission to perform this action.",
            ["rows", n, "secret"],
            {"code": "FORBIDDEN", "requiredScopes": [["read"]]},
        )
        for n in range(3)
    ]
    assert RULE.checks == 3


def test_without_a_token_each_field_is_refused():
    RULE.checks = 0

    result = SCHEMA.execute_sync("{ rows { secret } }", context_value=context(token=False))

    assert [code for _, _, code in errors_of(result)] == [{"code": "UNAUTHENTICATED"}] * 3
    assert RULE.checks == 3
