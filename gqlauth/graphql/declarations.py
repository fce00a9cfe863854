"""Writing the access rules into the schema: directives, descriptions and type-level rules.

Called by :class:`gqlauth.graphql.schema.Schema` before strawberry converts the types, on every
object type and interface reachable from the roots (and ``types=``):

- **Directives.** Each field's and type's rules print as Apollo Federation's ``@authenticated``
  and ``@requiresScopes`` (federation spec v2.5+), so a gateway enforces the same rules at its
  edge. Permission rules have no federation directive: only our server can know a user's
  Django permissions.
- **Type-level rules** (a rule decorating a type) apply wherever the type is returned, as the
  federation spec says: each field returning it gets a
  :class:`~gqlauth.graphql.rules.ReturnedTypeRule`, checked after the field's own scope
  rule and before its permission rule, so our view answers exactly what a gateway would (unless
  the field's own rules imply it: then it would check nothing more, and is left out).
- **Descriptions.** Each guarded field's (and type's) description ends with its requirement in
  words, so GraphiQL's documentation and explorer show it.

Idempotent: a schema built twice from the same classes (tests, changed settings) replaces what
the previous build wrote instead of stacking it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from strawberry.federation.schema_directives import Authenticated as AuthenticatedDirective
from strawberry.federation.schema_directives import Key
from strawberry.federation.schema_directives import RequiresScopes as RequiresScopesDirective
from strawberry.types.base import (
    get_object_definition,
    has_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition
from strawberry.types.field import StrawberryField
from strawberry.types.union import StrawberryUnion

from gqlauth.graphql.permissions import PermissionRequirement, Public, ScopeRequirement
from gqlauth.graphql.rules import (
    AccessRule,
    ReturnedTypeRule,
    ScopeConfigurationError,
    lowered,
    named_definition,
    type_rules,
)

__all__ = ["declare_access", "entity_rules", "is_entity"]

_OUR_DIRECTIVES = (AuthenticatedDirective, RequiresScopesDirective)
_BASE_DESCRIPTION = "_gqlauth_base_description"


def _named_types(annotation: Any) -> Iterator[Any]:
    """What a field's type names, through lists, nulls and unions: object types, interfaces,
    enums (their class) and ``strawberry.scalar`` scalars (their wrapper)."""
    while hasattr(annotation, "of_type"):
        annotation = annotation.of_type
    if isinstance(annotation, StrawberryUnion):
        for member in annotation.types:
            yield from _named_types(member)
    elif isinstance(annotation, StrawberryEnumDefinition):
        yield annotation.wrapped_cls
    elif named_definition(annotation) is not None:
        yield annotation


def _reachable(roots: Iterable[type | None]) -> list[type]:
    """Every object type and interface reachable from ``roots``, each once, roots first."""
    seen: dict[type, None] = {}
    pending = [root for root in roots if root is not None and has_object_definition(root)]
    while pending:
        cls = pending.pop(0)
        if cls in seen:
            continue
        seen[cls] = None
        definition = get_object_definition(cls, strict=True)
        pending.extend(interface.origin for interface in definition.interfaces)
        for field in definition.fields:
            pending.extend(t for t in _named_types(field.type) if has_object_definition(t))
    return list(seen)


def _described(owner: Any, sentences: list[str]) -> str | None:
    """``owner``'s own description followed by ``sentences``; remembers the original."""
    if not hasattr(owner, _BASE_DESCRIPTION):
        setattr(owner, _BASE_DESCRIPTION, owner.description)
    base: str | None = getattr(owner, _BASE_DESCRIPTION)
    unique = list(dict.fromkeys(sentences))
    return " ".join([*([base] if base else []), *unique]) or None


def _with_directives(current: Iterable[object], rules: Iterable[AccessRule]) -> list[object]:
    """``current`` without our directives of a previous build, plus those of ``rules``."""
    kept = [d for d in current if not isinstance(d, _OUR_DIRECTIVES)]
    return kept + [d for rule in rules if (d := rule.directive()) is not None]


def _guarding(rules: tuple[AccessRule, ...]) -> tuple[AccessRule, ...]:
    """The rules that restrict anything: ``public()`` on a type (an entity open to anyone) is a
    declaration for ``_entities``, not a check."""
    return tuple(rule for rule in rules if not isinstance(rule, Public))


def _declare_type(cls: object) -> None:
    """Directives and description of a type-level rule's target (validated)."""
    definition = named_definition(cls)
    rules = type_rules(cls)
    label = f"Type {definition.name!r}"
    for rule in rules:
        if isinstance(rule, ScopeRequirement):
            rule.validate(label)
    if sum(isinstance(rule, ScopeRequirement) for rule in rules) > 1:
        raise ScopeConfigurationError(
            f"{label} has two scope requirements; list all scopes in one requires_scope(...), "
            "and alternatives with |."
        )
    definition.directives = _with_directives(definition.directives or (), rules)
    if guarding := _guarding(rules):
        definition.description = _described(
            definition, [f"Every field returning {definition.name} {lowered(guarding)}"]
        )


def _declare_field(field: StrawberryField) -> None:
    for stale in [ext for ext in field.extensions if isinstance(ext, ReturnedTypeRule)]:
        field.extensions.remove(stale)
    own = [ext for ext in field.extensions if isinstance(ext, AccessRule)]
    returned = [
        ReturnedTypeRule(named_definition(cls).name, rules)
        for cls in _named_types(field.type)
        if (rules := _guarding(type_rules(cls)))
    ]
    # A returned type's rule that the field's own rules imply (every token they let through
    # passes it) would check nothing more: it is neither added nor described.
    needed = [
        rule for rule in returned if not all(any(o.implies(r) for o in own) for r in rule.rules)
    ]
    # Extensions run from the last in the list to the first: the returned type's rules go just
    # below (before, in the list) the field's own scope rules, above its permission rule.
    scoped = [
        i
        for i, ext in enumerate(field.extensions)
        if not isinstance(ext, PermissionRequirement) and isinstance(ext, AccessRule)
    ]
    position = scoped[0] if scoped else len(field.extensions)
    field.extensions[position:position] = needed
    field.directives = _with_directives(field.directives, own)
    sentences = [rule.describe() for rule in reversed(own)]
    sentences += [rule.describe() for rule in needed]
    if sentences:
        field.description = _described(field, sentences)


def declare_access(roots: Iterable[type | None]) -> None:
    """Write directives, descriptions and type-level rules into every reachable type."""
    leaves: dict[object, None] = {}
    for cls in _reachable(roots):
        _declare_type(cls)
        for field in get_object_definition(cls, strict=True).fields:
            _declare_field(field)
            leaves.update(
                (t, None) for t in _named_types(field.type) if not has_object_definition(t)
            )
    for leaf in leaves:  # enums and scalars
        _declare_type(leaf)


def entity_rules(cls: type) -> tuple[AccessRule, ...]:
    """The rules ``_entities`` checks before resolving a representation of ``cls``.

    An entity (a type with ``@key``) must declare type-level access, ``public()`` included:
    ``_entities`` reads it by key alone, outside every field that guards it elsewhere (fail
    closed, like root fields).
    """
    definition = get_object_definition(cls, strict=True)
    rules = type_rules(cls)
    if not rules:
        raise ScopeConfigurationError(
            f"Entity type {definition.name!r} (it has @key) declares no access: decorate it "
            "with requires_scope(...), authenticated() or public(), which _entities checks."
        )
    return rules


def is_entity(cls: type) -> bool:
    """Whether ``cls`` is a federation entity (carries ``@key``)."""
    return any(isinstance(d, Key) for d in get_object_definition(cls, strict=True).directives or ())
