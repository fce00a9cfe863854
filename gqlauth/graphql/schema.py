"""A strawberry federation ``Schema`` that fails closed and ships with the endpoint's defaults.

:class:`Schema` is a Federation 2 subgraph (``strawberry.federation.Schema``, linking federation
v2.6, the newest version Hive Gateway's composition accepts): ``_service { sdl }`` prints the
schema with ``@link`` importing the directives it uses, and ``_entities`` resolves the types
that carry ``@key``. It differs from strawberry's in four ways:

- **Fail closed.** Every root Query, Mutation and Subscription field must declare its access with
  one of :mod:`gqlauth.graphql.permissions`' rules; otherwise the build raises
  :class:`~gqlauth.graphql.permissions.ScopeConfigurationError` naming the fields. So do unknown
  or missing scopes, and an entity type without a type-level rule.
- **Rules in the SDL** as ``@authenticated`` / ``@requiresScopes``, in words in descriptions,
  and type-level rules applied wherever the type is returned
  (:mod:`gqlauth.graphql.declarations`).
- **Guarded entities.** ``_entities`` checks each representation's type-level rules before its
  ``resolve_reference`` runs, so neither a gateway nor anyone calling it directly reads an
  entity the token's scopes do not allow; a denied or malformed representation is an error at
  its own index, the others resolve. ``_service`` is open, like introspection, and refused
  with it when ``GQLAUTH_GRAPHQL["INTROSPECTION"]`` is off.
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
from dataclasses import dataclass
from typing import Any

import strawberry.federation
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, ParserCache, SchemaExtension
from strawberry.federation.schema import FederationAny
from strawberry.federation.schema_directives import Key
from strawberry.types import Info
from strawberry.types.base import get_object_definition, has_object_definition
from strawberry.types.execution import ExecutionContext, ExecutionResult

from gqlauth.graphql.conf import graphql_settings
from gqlauth.graphql.context import credentials_of
from gqlauth.graphql.declarations import declare_access, entity_rules, is_entity
from gqlauth.graphql.errors import BadUserInputError
from gqlauth.graphql.execution import PlainFieldsExecutor
from gqlauth.graphql.hardening import (
    HardeningRules,
    HashesPassword,
    Validation,
    hide_suggestions,
)
from gqlauth.graphql.permissions import Public, ReadWriteScope
from gqlauth.graphql.rules import AccessRule, ReturnedTypeRule, ScopeConfigurationError

__all__ = [
    "FEDERATION_VERSION",
    "UNEXPECTED_ERROR_MESSAGE",
    "Schema",
    "UnexpectedError",
    "is_unexpected",
]

# The federation version linked: v2.6, the newest @theguild/federation-composition (Hive
# Gateway's composer) accepts, and new enough for @authenticated / @requiresScopes (v2.5).
FEDERATION_VERSION = "2.6"

logger = logging.getLogger("gqlauth.graphql")

UNEXPECTED_ERROR_MESSAGE = "Unexpected error."

ExtensionFactory = type[SchemaExtension] | Callable[[], SchemaExtension]


def is_unexpected(error: GraphQLError) -> bool:
    """True for an error caused by an exception that is not a deliberate ``GraphQLError``."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


@dataclass(frozen=True, slots=True)
class Entity:
    """What ``_entities`` needs of an entity type: its type-level rules and its ``@key`` field
    sets (each a tuple of field names)."""

    rules: tuple[AccessRule, ...]
    keys: tuple[tuple[str, ...], ...]


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
            # The rules of the type a field returns (added by an earlier build) are not the
            # field's own declaration.
            rules = [
                ext
                for ext in field.extensions
                if isinstance(ext, AccessRule) and not isinstance(ext, ReturnedTypeRule)
            ]
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


class Schema(strawberry.federation.Schema):
    """A federation subgraph schema that refuses unguarded root fields and entities; see the
    module docstring.

    ``extensions`` are appended to :data:`DEFAULT_EXTENSIONS`; ``execution_context_class``
    defaults to :class:`~gqlauth.graphql.execution.PlainFieldsExecutor` and
    ``federation_version`` to :data:`FEDERATION_VERSION`; other keyword arguments go to
    ``strawberry.federation.Schema`` unchanged.
    """

    def __init__(
        self,
        query: type,
        mutation: type | None = None,
        subscription: type | None = None,
        *,
        extensions: Iterable[ExtensionFactory] = (),
        types: Iterable[type] = (),
        **kwargs: Any,
    ) -> None:
        _declare_root_access(query, mutation, subscription)
        types = tuple(types)
        declare_access((query, mutation, subscription, *types))
        kwargs.setdefault("execution_context_class", PlainFieldsExecutor)
        extra = [ext for ext in extensions if ext not in DEFAULT_EXTENSIONS]
        kwargs.setdefault("federation_version", FEDERATION_VERSION)
        try:
            super().__init__(
                query,
                mutation,
                subscription,
                extensions=[*DEFAULT_EXTENSIONS, *extra],
                types=types,
                **kwargs,
            )
        except TypeError as error:
            # graphql-core wraps exceptions raised while resolving a type's fields (where field
            # extensions are applied) in a TypeError; surface our own error as itself.
            if isinstance(error.__cause__, ScopeConfigurationError):
                raise error.__cause__ from None
            raise

        # Every entity declares its access, which _entities checks (fail closed); its rules
        # and key fields are read here once, not per representation.
        self._entities: dict[str, Entity] = {}
        for definition in self.schema_converter.type_map.values():
            origin = getattr(definition.definition, "origin", None)
            if isinstance(origin, type) and has_object_definition(origin) and is_entity(origin):
                entity = get_object_definition(origin, strict=True)
                keys = tuple(
                    tuple(str(directive.fields).split())
                    for directive in entity.directives or ()
                    if isinstance(directive, Key)
                )
                self._entities[entity.name] = Entity(entity_rules(origin), keys)

    def entities_resolver(
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        """``_entities``: each representation resolved after its type's access rules passed.

        A representation that is not an object naming a known entity type and its key fields is
        a ``BAD_USER_INPUT`` error at its index; a denied one the rule's error; either way the
        others still resolve. More representations than ``MAX_LIMIT`` (a list field's largest
        page) fail the whole field with ``BAD_USER_INPUT``.
        """
        # Each representation may cost a query: as many as a list field's page, no more.
        most = graphql_settings().max_limit
        if len(representations) > most:
            raise BadUserInputError(
                "representations",
                f"at most {most} representations; got {len(representations)}.",
            )
        credentials = credentials_of(info)
        results: list[Any] = []
        for representation in representations:
            entity = self._entity_of(representation)
            if isinstance(entity, GraphQLError):
                results.append(entity)
                continue
            try:
                for rule in entity.rules:
                    rule.check(credentials)
            except GraphQLError as denial:
                results.append(denial)
                continue
            # strawberry's resolver pops __typename: hand it a copy.
            copy = FederationAny(dict(representation))  # type: ignore[call-overload]
            results.extend(super().entities_resolver(info, [copy]))
        return results

    def _entity_of(self, representation: object) -> Entity | GraphQLError:
        """The entity a representation names, or the error to answer it with."""
        typename = representation.get("__typename") if isinstance(representation, dict) else None
        entity = self._entities.get(typename) if isinstance(typename, str) else None
        if entity is None:
            return BadUserInputError(
                "representations", "A representation names no entity type of this schema."
            )
        assert isinstance(representation, dict)
        if not any(all(name in representation for name in key) for key in entity.keys):
            return BadUserInputError(
                "representations", f"A {typename} representation lacks its key fields."
            )
        return entity

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
