"""Limits on what one GraphQL document may ask for: depth, aliases, tokens, introspection.

Values come from ``GQLAUTH_GRAPHQL`` (:mod:`gqlauth.graphql.conf`) at request time. The validation
rule classes are built once per distinct set of values and reused, so the rule tuple handed to
graphql-core is the same object on every request and the validation cache (:class:`Validation`,
keyed on it) keeps hitting; strawberry's ``QueryDepthLimiter`` / ``MaxAliasesLimiter`` extensions
would build new classes per request and defeat such a cache (strawberry#4635).

With ``INTROSPECTION`` off, errors suggest no names ("Did you mean 'user'?" would hand out the
schema piece by piece): validation and the coercion of variables run with graphql-core's
``hide_suggestions``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache, lru_cache

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    NoSchemaIntrospectionCustomRule,
    validate,
)
from strawberry.extensions import AddValidationRules, SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_limit_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_limit_rule
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from gqlauth.graphql.conf import graphql_settings

# Rules strawberry adds to every validation (its own ``validate_document`` does the same).
_STRAWBERRY_RULES: tuple[type[ASTValidationRule], ...] = (
    MaybeNullValidationRule,
    OneOfInputValidationRule,
)


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


def hide_suggestions() -> bool:
    """Whether errors must not suggest names of the schema: when introspection is off."""
    return not graphql_settings().introspection


# Bounded, like strawberry's ValidationCache, so unique documents cannot grow memory for ever.
@lru_cache(maxsize=128)
def cached_validate(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
    hide_suggestions: bool,
) -> list[GraphQLError]:
    """graphql-core's ``validate`` plus strawberry's rules, once per distinct arguments."""
    return validate(
        schema, document, (*rules, *_STRAWBERRY_RULES), hide_suggestions=hide_suggestions
    )


class Validation(SchemaExtension):
    """Validate each document once (an LRU cache shared by requests), suggestions as configured.

    Replaces strawberry's ``ValidationCache``, which cannot pass ``hide_suggestions``. Pass the
    class; the rules are the operation's, which :class:`HardeningRules` extended.
    """

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None  # parsed before validation
        context.pre_execution_errors = cached_validate(
            context.schema._schema,
            context.graphql_document,
            tuple(context.validation_rules),
            hide_suggestions(),
        )
        yield
