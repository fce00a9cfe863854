"""What a resolver's field selects below itself, read from the document's syntax tree.

For root resolvers that shape their querysets once per request (prefetch a relation only when
the client asks for it) instead of a per-field optimizer hook. Cheap: it walks the field's
selection sets, fragments included, and converts nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode

if TYPE_CHECKING:
    from collections.abc import Iterable

    from graphql import FragmentDefinitionNode, SelectionSetNode
    from strawberry.types import Info

__all__ = ["selected_names"]


def _collect(
    selection_sets: Iterable[SelectionSetNode | None],
    names: set[str],
    fragments: dict[str, FragmentDefinitionNode],
    seen: set[str],
) -> None:
    for selection_set in selection_sets:
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                names.add(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                _collect((selection.selection_set,), names, fragments, seen)
            elif isinstance(selection, FragmentSpreadNode):
                spread = selection.name.value
                fragment = fragments.get(spread)
                if fragment is not None and spread not in seen:
                    seen.add(spread)
                    _collect((fragment.selection_set,), names, fragments, seen)


def selected_names(info: Info[Any, Any]) -> frozenset[str]:
    """The schema names of every child field the field being resolved mentions.

    A superset of what runs: fields under ``@skip`` / ``@include`` and type conditions count,
    so a resolver may do work the client turns down, never miss work it asks for.
    """
    raw = info._raw_info
    names: set[str] = set()
    _collect((node.selection_set for node in raw.field_nodes), names, raw.fragments, set())
    return frozenset(names)
