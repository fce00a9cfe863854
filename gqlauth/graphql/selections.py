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

__all__ = ["selects"]


def _selects(
    selection_sets: Iterable[SelectionSetNode | None],
    name: str,
    fragments: dict[str, FragmentDefinitionNode],
    seen: set[str],
) -> bool:
    for selection_set in selection_sets:
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value == name:
                    return True
            elif isinstance(selection, InlineFragmentNode):
                if _selects((selection.selection_set,), name, fragments, seen):
                    return True
            elif isinstance(selection, FragmentSpreadNode):
                spread = selection.name.value
                fragment = fragments.get(spread)
                if fragment is None or spread in seen:
                    continue
                seen.add(spread)
                if _selects((fragment.selection_set,), name, fragments, seen):
                    return True
    return False


def selects(info: Info[Any, Any], name: str) -> bool:
    """Whether the field being resolved selects the child field ``name`` (its schema name).

    Counts every mention, also under ``@skip`` / ``@include`` and type conditions: an answer of
    True may do work the client turns down, never miss work it asks for.
    """
    raw = info._raw_info
    return _selects((node.selection_set for node in raw.field_nodes), name, raw.fragments, set())
