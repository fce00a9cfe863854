"""A strawberry ``Schema`` that fails closed and ships with the endpoint's defaults.

:class:`Schema` differs from ``strawberry.Schema`` in three ways:

- **Fail closed.** Every root Query, Mutation and Subscription field must declare its access with
  one of :mod:`gqlauth.graphql.permissions`' rules; otherwise the build raises
  :class:`~gqlauth.graphql.permissions.ScopeConfigurationError` naming the fields. So do unknown
  or missing scopes.
- **Default extensions**, each passed as a class so every request gets its own instance: parse and
  validation caches, the ``GQLAUTH_GRAPHQL`` limits (:mod:`gqlauth.graphql.hardening`, which
  also hides "Did you mean ...?" suggestions when introspection is off) and masking of
  unexpected errors. No per-field hook: strawberry-django's query optimizer runs for every
  resolved field, which made it the largest cost of a list; root resolvers shape their
  querysets themselves (:mod:`gqlauth.graphql.selections`), and objects made only of plain
  attribute fields skip graphql-core's per-field machinery
  (:mod:`gqlauth.graphql.execution`).
- **Errors.** Client errors (any ``GraphQLError`` raised on purpose, such as a scope denial, and
  parse / validation errors) are returned as they are and not logged. Any other exception is
  logged on ``gqlauth.graphql`` with its traceback and reaches the client as "Unexpected error."
  with code ``INTERNAL_SERVER_ERROR`` (an :class:`UnexpectedError`), wherever it was raised: in a
  resolver, or in a schema extension's hook, which strawberry reports outside the extensions
  that would mask it (hence :meth:`Schema.execute_sync` / :meth:`Schema.execute` mask too).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, ParserCache, SchemaExtension
from strawberry.types.base import has_object_definition
from strawberry.types.execution import ExecutionContext, ExecutionResult

from gqlauth.graphql.execution import PlainFieldsExecutor
from gqlauth.graphql.hardening import (
    HardeningRules,
    HashesPassword,
    Validation,
    hide_suggestions,
)
from gqlauth.graphql.permissions import (
    AccessRule,
    Public,
    ReadWriteScope,
    ScopeConfigurationError,
)

__all__ = ["UNEXPECTED_ERROR_MESSAGE", "Schema", "UnexpectedError", "is_unexpected"]

logger = logging.getLogger("gqlauth.graphql")

UNEXPECTED_ERROR_MESSAGE = "Unexpected error."

ExtensionFactory = type[SchemaExtension] | Callable[[], SchemaExtension]


def is_unexpected(error: GraphQLError) -> bool:
    """True for an error caused by an exception that is not a deliberate ``GraphQLError``."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class UnexpectedError(GraphQLError):
    """What the client sees of an unexpected error: "Unexpected error.", ``INTERNAL_SERVER_ERROR``.

    Path and location are kept so the client knows which field failed; the message, the
    exception and its extensions are dropped. The class marks the error as a server failure
    (the view answers a request error of this kind with 500, not 400).
    """

    def __init__(self, error: GraphQLError) -> None:
        super().__init__(
            UNEXPECTED_ERROR_MESSAGE,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR"},
        )


def mask_unexpected(errors: list[GraphQLError] | None) -> list[GraphQLError] | None:
    """``errors`` with every unexpected error replaced by an :class:`UnexpectedError`."""
    if not errors:
        return errors
    return [UnexpectedError(error) if is_unexpected(error) else error for error in errors]


class MaskUnexpectedErrors(MaskErrors):
    """Mask unexpected errors of results that pass through the operation (streams included)."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=UNEXPECTED_ERROR_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return UnexpectedError(error)


DEFAULT_EXTENSIONS: tuple[ExtensionFactory, ...] = (
    ParserCache,
    HardeningRules,
    Validation,
    MaskUnexpectedErrors,
)


def _declare_root_access(query: type, mutation: type | None, subscription: type | None) -> None:
    """Check that every root field carries an access rule; bind read/write rules to their root,
    and password-hashing markers to the Mutation root."""
    missing: list[str] = []
    conflicting: list[str] = []
    for root, is_mutation in ((query, False), (mutation, True), (subscription, False)):
        if root is None or not has_object_definition(root):
            continue
        definition = root.__strawberry_definition__
        for field in definition.fields:
            label = f"{definition.name}.{field.python_name}"
            rules = [ext for ext in field.extensions if isinstance(ext, AccessRule)]
            if not rules:
                missing.append(label)
            elif len(rules) > 1 and any(isinstance(rule, Public) for rule in rules):
                conflicting.append(label)
            for rule in rules:
                if isinstance(rule, ReadWriteScope):
                    rule.bind(mutation=is_mutation)
            if root is mutation:
                for extension in field.extensions:
                    if isinstance(extension, HashesPassword):
                        extension.bind()
    if missing:
        raise ScopeConfigurationError(
            f"Root fields without an access declaration: {', '.join(missing)}. Decorate each "
            "with requires_scope(...), requires_read_write_scope(), authenticated() or public()."
        )
    if conflicting:
        raise ScopeConfigurationError(
            f"Root fields both public and guarded: {', '.join(conflicting)}. Keep one declaration."
        )


class Schema(strawberry.Schema):
    """A ``strawberry.Schema`` that refuses unguarded root fields; see the module docstring.

    ``extensions`` are appended to :data:`DEFAULT_EXTENSIONS`; ``execution_context_class``
    defaults to :class:`~gqlauth.graphql.execution.PlainFieldsExecutor`; other keyword
    arguments go to ``strawberry.Schema`` unchanged.
    """

    def __init__(
        self,
        query: type,
        mutation: type | None = None,
        subscription: type | None = None,
        *,
        extensions: Iterable[ExtensionFactory] = (),
        **kwargs: Any,
    ) -> None:
        _declare_root_access(query, mutation, subscription)
        kwargs.setdefault("execution_context_class", PlainFieldsExecutor)
        extra = [ext for ext in extensions if ext not in DEFAULT_EXTENSIONS]
        try:
            super().__init__(
                query, mutation, subscription, extensions=[*DEFAULT_EXTENSIONS, *extra], **kwargs
            )
        except TypeError as error:
            # graphql-core wraps exceptions raised while resolving a type's fields (where field
            # extensions are applied) in a TypeError; surface our own error as itself.
            if isinstance(error.__cause__, ScopeConfigurationError):
                raise error.__cause__ from None
            raise

    def _get_custom_context_kwargs(
        self, operation_extensions: dict[str, Any] | None = None, *, sync: bool = False
    ) -> dict[str, Any]:
        """strawberry's extra arguments of graphql-core's ``execute``, plus ``hide_suggestions``.

        Validation hides suggestions in :class:`~gqlauth.graphql.hardening.Validation`; this
        does the same for the coercion of variables ("Did you mean the enum value ...?").
        """
        kwargs = super()._get_custom_context_kwargs(operation_extensions, sync=sync)
        return {**kwargs, "hide_suggestions": hide_suggestions()}

    def execute_sync(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """strawberry's ``execute_sync``, masking what escaped :class:`MaskUnexpectedErrors`.

        An exception raised by an extension's hook (``on_operation``, ``on_validate``, ...)
        unwinds through every extension, the masking one included, and strawberry turns it into
        the result's only error, message and all; it was logged already (:meth:`process_errors`).
        """
        result = super().execute_sync(*args, **kwargs)
        result.errors = mask_unexpected(result.errors)
        return result

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """strawberry's ``execute``, masking as :meth:`execute_sync` does."""
        result = await super().execute(*args, **kwargs)
        result.errors = mask_unexpected(result.errors)
        return result

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log unexpected errors with their traceback; client errors are not server errors."""
        for error in errors:
            if is_unexpected(error):
                logger.error(
                    "Unexpected error while resolving %s",
                    ".".join(map(str, error.path or ())) or "the operation",
                    exc_info=error.original_error,
                )
