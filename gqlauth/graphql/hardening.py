"""Limits on what one GraphQL document may ask for: depth, aliases, tokens, introspection.

Values come from ``GQLAUTH_GRAPHQL`` (:mod:`gqlauth.graphql.conf`) at request time. The validation
rule classes are built once per distinct set of values and reused, so the rule tuple handed to
graphql-core is the same object on every request and strawberry's ``ValidationCache`` (keyed on
it) keeps hitting; strawberry's ``QueryDepthLimiter`` / ``MaxAliasesLimiter`` extensions would
build new classes per request and defeat that cache (strawberry#4635).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from graphql import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules
from strawberry.extensions.max_aliases import create_validator as alias_limit_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_limit_rule

from gqlauth.graphql.conf import graphql_settings


@cache
def _depth_rule(max_depth: int) -> type[ASTValidationRule]:
    return depth_limit_rule(max_depth, should_ignore=None)


@cache
def _alias_rule(max_aliases: int) -> type[ASTValidationRule]:
    return alias_limit_rule(max_aliases)


@cache
def validation_rules(
    max_depth: int | None, max_aliases: int | None, introspection: bool
) -> tuple[type[ASTValidationRule], ...]:
    """The extra validation rules for these limits; the same classes for the same limits."""
    rules: list[type[ASTValidationRule]] = []
    if max_depth is not None:
        rules.append(_depth_rule(max_depth))
    if max_aliases is not None:
        rules.append(_alias_rule(max_aliases))
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    return tuple(rules)


class HardeningRules(AddValidationRules):
    """Schema extension adding the configured limits to every operation; pass the class."""

    def __init__(self) -> None:
        settings = graphql_settings()
        super().__init__(
            list(validation_rules(settings.max_depth, settings.max_aliases, settings.introspection))
        )
        self.max_tokens = settings.max_tokens

    def on_operation(self) -> Iterator[None]:
        if self.max_tokens is not None:
            # graphql-core stops lexing past this many tokens, before building a huge AST.
            self.execution_context.parse_options["max_tokens"] = self.max_tokens
        yield from super().on_operation()
