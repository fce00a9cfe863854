"""A faster graphql-core executor for objects whose selected fields are all plain attributes.

graphql-core resolves every field of every object the same general way: look the field up,
build a ``GraphQLResolveInfo``, call the resolver through strawberry's wrapper, complete the
value, coerce the scalar. For a list of 100 users with 4 fields that is 400 such rounds, and
they cost more CPU than the SQL. :class:`PlainFieldsExecutor` skips that machinery for one
case only: an object whose selection (after graphql-core has collected it: fragments merged,
``@skip`` / ``@include`` applied, aliases grouped) holds nothing but

- plain fields: strawberry fields with no resolver, no arguments and no field extension (so
  no access rule, which is always an extension), whose value is a scalar or enum read from the
  source object by strawberry's default resolver, and
- ``__typename``.

Such an object's answer is built directly: each field's value read and coerced by its type,
exactly as graphql-core would. Everything else takes graphql-core's own path with every
extension: any object selecting a field with a resolver or an extension (a guarded field, a
list, a nested object), root fields, mutations and subscriptions (every object of their
answers), deferred fragments, and schemas run with
middleware (schema extensions with a ``resolve`` hook). An object whose plain values do not
fit their type (null for a non-null field, a value the scalar refuses) is executed again by
graphql-core, which then produces the exact errors and nulls; plain fields only read
attributes, so reading them twice changes nothing.

The plan (which keys are plain, how to read and coerce them) is made once per collected
selection and execution, and reused for every object of a list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLEnumType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    OperationType,
    Undefined,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

if TYPE_CHECKING:
    from graphql.execution.collect_fields import GroupedFieldSet
    from graphql.pyutils import AwaitableOrValue, Path

__all__ = ["PlainFieldsExecutor"]

TYPENAME = "__typename"


@dataclass(frozen=True, slots=True)
class PlainField:
    """How to answer one response key without graphql-core: read, then coerce."""

    key: str
    read: Callable[[Any, str], Any]  # strawberry's default resolver (getattr by default)
    attribute: str
    coerce: Callable[[Any], Any]
    non_null: bool


# A plan: one entry per response key, in the selection's order; a str is __typename's value.
Plan = tuple[PlainField | tuple[str, str], ...]


def _plain_field(
    parent_type: GraphQLObjectType, key: str, field_name: str
) -> PlainField | tuple[str, str] | None:
    """The plan entry of one response key, or None when graphql-core must resolve it."""
    if field_name == TYPENAME:
        return (key, parent_type.name)
    field_def = parent_type.fields.get(field_name)
    if field_def is None or field_def.args:
        return None
    # strawberry marks the resolver of a field that only reads an attribute: no resolver,
    # no extension, no exception handler (schema_converter's "basic" fields).
    if not getattr(field_def.resolve, "_is_default", False):
        return None
    definition = (field_def.extensions or {}).get("strawberry-definition")
    if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
        return None
    field_type = field_def.type
    non_null = isinstance(field_type, GraphQLNonNull)
    leaf = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    if not isinstance(leaf, (GraphQLScalarType, GraphQLEnumType)):
        return None
    return PlainField(
        key=key,
        read=definition.default_resolver,
        attribute=definition.python_name,
        coerce=leaf.coerce_output_value,
        non_null=non_null,
    )


def plan_for(parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> Plan | None:
    """The plan answering every key of ``grouped_field_set``, or None if any needs graphql-core."""
    entries: list[PlainField | tuple[str, str]] = []
    for key, field_details_list in grouped_field_set.items():
        entry = _plain_field(parent_type, key, field_details_list[0].node.name.value)
        if entry is None:
            return None
        entries.append(entry)
    return tuple(entries)


class _NotPlainError(Exception):
    """A plain value that does not fit its type: graphql-core must answer the object."""


def _answer(plan: Plan, source: Any) -> dict[str, Any]:
    """The object's answer; raises :class:`_NotPlainError` where graphql-core would err."""
    answer: dict[str, Any] = {}
    for entry in plan:
        if type(entry) is tuple:
            answer[entry[0]] = entry[1]
            continue
        assert isinstance(entry, PlainField)
        try:
            value = entry.read(source, entry.attribute)
            if value is not None:
                value = entry.coerce(value)
                if value is None or value is Undefined:
                    raise _NotPlainError
            elif entry.non_null:
                raise _NotPlainError
        except Exception as error:
            raise _NotPlainError from error
        answer[entry.key] = value
    return answer


class PlainFieldsExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's graphql-core executor, answering plain-field objects directly.

    See the module docstring for which objects; any other object is graphql-core's.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Queries only: a mutation's answer is graphql-core's from top to bottom. strawberry
        # always passes a middleware manager, empty unless an extension has a resolve hook.
        middleware = self.middleware_manager
        self._planning = self.operation.operation == OperationType.QUERY and (
            middleware is None or not middleware.middlewares
        )
        # id(grouped field set) -> (the set, kept alive so its id stays unique; its plan).
        self._plans: dict[int, tuple[GroupedFieldSet, Plan | None]] = {}

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        plan = None
        if self._planning and position_context is None:
            cached = self._plans.get(id(grouped_field_set))
            if cached is None:
                cached = (grouped_field_set, plan_for(parent_type, grouped_field_set))
                self._plans[id(grouped_field_set)] = cached
            plan = cached[1]
        if plan is not None:
            try:
                return _answer(plan, source_value)
            except _NotPlainError:
                pass  # graphql-core answers it, with its errors
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )
