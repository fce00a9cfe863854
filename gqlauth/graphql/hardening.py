"""Limits on what one GraphQL document may ask for: depth, aliases, tokens, introspection, and
password hashes.

Values come from ``GQLAUTH_GRAPHQL`` (:mod:`gqlauth.graphql.conf`) at request time. The validation
rule classes are built once per distinct set of values and reused, so the rule tuple handed to
graphql-core is the same object on every request and the validation cache (:class:`Validation`,
keyed on it) keeps hitting; strawberry's ``QueryDepthLimiter`` / ``MaxAliasesLimiter`` extensions
would build new classes per request and defeat such a cache (strawberry#4635).

Password hashing is slow by design, so one request may run at most ``MAX_PASSWORD_HASHES``
mutations that hash a password (declared with :func:`hashes_password`); a document with more is
refused as a whole at validation, before anything runs or is written.

With ``INTROSPECTION`` off, errors suggest no names ("Did you mean 'user'?" would hand out the
schema piece by piece): validation and the coercion of variables run with graphql-core's
``hide_suggestions``, and the federation field ``_service`` (whose ``sdl`` prints the whole
schema) is refused like ``__schema``: a gateway then composes from an exported SDL.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache, lru_cache
from typing import Any, TypeVar

from graphql import (
    SKIP,
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    validate,
)
from strawberry.extensions import AddValidationRules, FieldExtension, SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_limit_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_limit_rule
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule
from strawberry.types.field import StrawberryField

from gqlauth.graphql.conf import graphql_settings
from gqlauth.graphql.permissions import ScopeConfigurationError

__all__ = [
    "HardeningRules",
    "HashesPassword",
    "Validation",
    "hashes_password",
    "hide_suggestions",
    "validation_rules",
]

_T = TypeVar("_T")

PASSWORD_HASH_LIMIT_CODE = "TOO_MANY_PASSWORD_HASHES"

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


class HashesPassword(FieldExtension):
    """Marks a root Mutation field that hashes a password; counted by ``MAX_PASSWORD_HASHES``.

    A marker only: it takes no part in resolving. :class:`gqlauth.graphql.schema.Schema` binds it
    on root Mutation fields (:meth:`bind`); anywhere else it fails the build, since only root
    mutation fields are counted.
    """

    def __init__(self) -> None:
        super().__init__()
        self.bound = False

    def __call__(self, field: _T) -> _T:
        """Decorator form: put it *above* ``@strawberry.mutation``."""
        if not isinstance(field, StrawberryField):
            raise TypeError(
                "hashes_password() decorates a field: place it above @strawberry.mutation."
            )
        field.extensions.append(self)
        return field

    def bind(self) -> None:
        self.bound = True

    def apply(self, field: StrawberryField) -> None:
        if not self.bound:
            raise ScopeConfigurationError(
                f"Field {field.python_name!r}: hashes_password() only applies to root Mutation "
                "fields."
            )


def hashes_password() -> HashesPassword:
    """Declare that a root mutation hashes a password; a field extension and a decorator."""
    return HashesPassword()


def _hashes_password(field: GraphQLField) -> bool:
    definition = (field.extensions or {}).get("strawberry-definition")
    extensions: list[Any] = getattr(definition, "extensions", None) or []
    return any(isinstance(extension, HashesPassword) for extension in extensions)


def _password_hashing_keys(
    context: ValidationContext,
    selection_set: SelectionSetNode,
    root: GraphQLObjectType,
    keys: set[str],
    seen_fragments: set[str],
) -> None:
    """Add to ``keys`` the response key of each hashing root field the selection set runs.

    Fields are merged by response key (alias or name) before they run, so one key is one run,
    however often it is written; fragments on the root type count where they are spread.
    ``@skip`` / ``@include`` are ignored: a field counts whatever its variables decide.
    """
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            field = root.fields.get(selection.name.value)
            if field is not None and _hashes_password(field):
                keys.add((selection.alias or selection.name).value)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            if condition is None or condition.name.value == root.name:
                _password_hashing_keys(context, selection.selection_set, root, keys, seen_fragments)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = context.get_fragment(name)
            if name in seen_fragments or fragment is None:
                continue  # cycles and unknown fragments are other rules' errors
            seen_fragments.add(name)
            if fragment.type_condition.name.value == root.name:
                _password_hashing_keys(context, fragment.selection_set, root, keys, seen_fragments)


@cache
def _password_hash_rule(max_hashes: int) -> type[ASTValidationRule]:
    class PasswordHashLimit(ValidationRule):
        """Refuses a mutation operation that would hash more than ``max_hashes`` passwords."""

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> Any:
            root = self.context.schema.mutation_type
            if node.operation == OperationType.MUTATION and root is not None:
                keys: set[str] = set()
                _password_hashing_keys(self.context, node.selection_set, root, keys, set())
                if len(keys) > max_hashes:
                    self.report_error(
                        GraphQLError(
                            f"This operation runs {len(keys)} mutations that hash a password; "
                            f"one request may run at most {max_hashes}.",
                            node,
                            extensions={"code": PASSWORD_HASH_LIMIT_CODE},
                        )
                    )
            return SKIP

    return PasswordHashLimit


class NoServiceSdl(ValidationRule):
    """Refuses the root field ``_service`` (the federation SDL) when introspection is off."""

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        parent = self.context.get_parent_type()
        if node.name.value == "_service" and parent is self.context.schema.query_type:
            self.report_error(
                GraphQLError(
                    "GraphQL introspection has been disabled, but the requested query "
                    "contained the field '_service'.",
                    node,
                )
            )


@cache
def validation_rules(
    max_depth: int | None, max_aliases: int | None, introspection: bool, max_password_hashes: int
) -> tuple[type[ASTValidationRule], ...]:
    """The extra validation rules for these limits; the same classes for the same limits."""
    rules: list[type[ASTValidationRule]] = []
    if max_depth is not None:
        rules.append(_depth_rule(max_depth))
    if max_aliases is not None:
        rules.append(_alias_rule(max_aliases))
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
        rules.append(NoServiceSdl)
    rules.append(_password_hash_rule(max_password_hashes))
    return tuple(rules)


class HardeningRules(AddValidationRules):
    """Schema extension adding the configured limits to every operation; pass the class."""

    def __init__(self) -> None:
        settings = graphql_settings()
        super().__init__(
            list(
                validation_rules(
                    settings.max_depth,
                    settings.max_aliases,
                    settings.introspection,
                    settings.max_password_hashes,
                )
            )
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
