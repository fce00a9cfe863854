"""The base of the access rules: what every rule is, and how type-level rules are kept.

:class:`AccessRule` is a strawberry ``FieldExtension`` and a decorator; the concrete rules and
their public constructors (``requires_scope``, ``authenticated``, ...) live in
:mod:`gqlauth.graphql.permissions`, which re-exports the names here. A rule decorating a type
(object, interface, enum or ``strawberry.scalar`` scalar) is kept on the type itself and read
back with :func:`type_rules`; :mod:`gqlauth.graphql.declarations` turns it into a
:class:`ReturnedTypeRule` on every field returning the type.
"""

from __future__ import annotations

import abc
import inspect
from collections.abc import Awaitable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.extensions import FieldExtension
from strawberry.types.base import has_object_definition
from strawberry.types.enum import StrawberryEnumDefinition
from strawberry.types.field import StrawberryField
from strawberry.types.scalar import ScalarDefinition

from gqlauth.graphql.context import BearerCredentials, credentials_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from strawberry.types import Info

__all__ = [
    "AccessRule",
    "ReturnedTypeRule",
    "ScopeConfigurationError",
    "lowered",
    "named_definition",
    "type_rules",
    "words",
]

_T = TypeVar("_T")

# Where a type keeps its type-level rules (set by AccessRule.__call__, read by type_rules()).
_TYPE_RULES = "__gqlauth_access__"


class ScopeConfigurationError(Exception):
    """A field's declaration (access rule or marker) is wrong; raised while the schema is built."""


def words(items: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c`` (nothing for none: the build refuses that later)."""
    names = list(items)
    if not names:
        return "nothing"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def lowered(rules: Iterable[AccessRule]) -> str:
    """The rules' descriptions as the predicate of a sentence: "requires a bearer token..."."""
    return " ".join(rule.describe()[0].lower() + rule.describe()[1:] for rule in rules)


class AccessRule(FieldExtension, abc.ABC):
    """Base of the access declarations; a root field must carry at least one of them.

    Subclasses implement :meth:`check`, which raises a
    :class:`~gqlauth.graphql.errors.ClientError` to deny the field, or returns to allow it, and
    :meth:`describe`, the requirement in words for the field's description.
    """

    #: Whether the rule may decorate a type (federation allows only its own directives there).
    type_level = False

    def __call__(self, target: _T) -> _T:
        """Decorator form: put it *above* ``@strawberry.field`` (or mutation / django field),
        or, for a type-level rule, above ``@strawberry.type`` (or a federation type)."""
        if isinstance(target, StrawberryField):
            target.extensions.append(self)
            return target
        if named_definition(target) is not None:
            if not self.type_level:
                raise TypeError(
                    f"{type(self).__name__} applies to fields only; on a type use "
                    "requires_scope(...), authenticated() or public()."
                )
            # The type's own rules only, never a base class's.
            rules = (*vars(target).get(_TYPE_RULES, ()), self)
            setattr(target, _TYPE_RULES, rules)
            return target
        raise TypeError(
            f"{type(self).__name__} decorates a strawberry field: place it above "
            "@strawberry.field or @strawberry.mutation (or a field class built on them)."
        )

    @abc.abstractmethod
    def check(self, credentials: BearerCredentials | None) -> None:
        """Raise to deny the field to ``credentials`` (None when the request has no token)."""

    @abc.abstractmethod
    def describe(self) -> str:
        """The requirement as a sentence, for the field's description (GraphiQL's docs)."""

    def directive(self) -> object | None:
        """The federation schema directive that states this rule in the SDL, if one does."""
        return None

    def implies(self, other: AccessRule) -> bool:
        """Whether every token this rule lets through also passes ``other`` (for descriptions:
        a returned type's rule the field's own rule implies goes without saying)."""
        return False

    def decide(self, info: Info[Any, Any]) -> None:
        """:meth:`check` the request's credentials, once per request if they pass.

        :meth:`check` depends on the credentials alone, so an allowed decision holds for the
        whole request (every object of a list); a denial is checked again each time, so each
        denied field gets its own error, exactly as the first.
        """
        credentials = credentials_of(info)
        if credentials is None:
            self.check(None)
        elif self not in credentials.allowed_by:
            self.check(credentials)
            credentials.allowed_by.add(self)

    def resolve(
        self, next_: Callable[..., Any], source: Any, info: Info[Any, Any], **kwargs: Any
    ) -> Any:
        self.decide(info)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: Info[Any, Any],
        **kwargs: Any,
    ) -> Any:
        self.decide(info)
        result = next_(source, info, **kwargs)
        if inspect.isawaitable(result):
            return await result
        return result


def named_definition(target: object) -> Any:
    """strawberry's definition of a type a rule may decorate (an object type, an interface, an
    enum or a scalar made with ``strawberry.scalar``), or None for anything else."""
    if has_object_definition(target):
        return target.__strawberry_definition__
    definition = getattr(target, "__strawberry_definition__", None)
    if isinstance(definition, StrawberryEnumDefinition):
        return definition
    definition = getattr(target, "_scalar_definition", None)
    return definition if isinstance(definition, ScalarDefinition) else None


def type_rules(target: object) -> tuple[AccessRule, ...]:
    """The type-level rules declared on ``target`` itself (not inherited), in declaration
    order."""
    rules: tuple[AccessRule, ...] = vars(target).get(_TYPE_RULES, ())
    # Decorators apply bottom-up; the one written first (on top) comes last: reverse it.
    return tuple(reversed(rules))


class ReturnedTypeRule(AccessRule):
    """The type-level rules of the type a field returns, added to that field by the schema.

    Never written by hand: :mod:`gqlauth.graphql.declarations` adds it when the schema is
    built (and replaces it on a rebuild); it prints no directive of its own, since the SDL
    carries the rule on the type.
    """

    def __init__(self, type_name: str, rules: tuple[AccessRule, ...]) -> None:
        super().__init__()
        self.type_name = type_name
        self.rules = rules

    def check(self, credentials: BearerCredentials | None) -> None:
        for rule in self.rules:
            rule.check(credentials)

    def describe(self) -> str:
        return f"The {self.type_name} it returns {lowered(self.rules)}"
