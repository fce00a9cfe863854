"""What an answer of ours and an answer of Hive Gateway must share, once their forms are aligned.

Both answer the same GraphQL request with the same token; the gateway checks scopes before it
plans the request, we check them while resolving. Their answers then differ in form only
(design.md, "Federation gateway facts"), in these ways, each undone here:

- **List positions.** We report a denied field once per list element (``["users", 0,
  "groups"]``), the gateway once for the list (``["users", "@", "groups"]``; it writes the
  ``"@"`` before every denied field whose type is a list, under a list or not). Paths are
  compared without positions.
- **Denials under a denied field.** The gateway refuses every field it may not show, even under
  a field our server then refuses (Django permissions are ours alone); we never resolve, hence
  never refuse, what lies under a refused field. Either way that data is null, so only the
  outermost denied paths are compared.
- **Nulls the gateway writes.** It sets a denied field's null at its ``"@"`` path, which inside
  an object (not a list) creates an object under the key ``"@"`` holding that field, and over a
  null parent (that our server refused) creates an object holding only that. :func:`folded`
  moves such fields to their parent, and turns a parent holding nothing else back into null.
- **Null propagation.** GraphQL nulls the parent of a null non-null field (spec, "Handling
  Field Errors"); we do, the gateway leaves ``{"users": null}`` for a refused ``users: [User!]!``
  where we answer ``data: null``. :func:`propagated` applies the rule to its answer.
- **Where a refusal is reported.** A type's rule (``User`` needs ``read``) makes us refuse the
  entity, ``_entities[0]``, and the gateway refuse each field it selects of that type; an entity
  our server refuses, the gateway reports at the first field it asked us for
  (``["userRef", "username"]``). Both leave the same null, so a denied path is compared at the
  outermost position on it that is null in the (aligned) data: :func:`anchored`.
- **``_entities``.** No gateway exposes it; the gateway calls it to resolve a reference that
  another subgraph returned (``userRef``). Our ``_entities[0]`` and its ``userRef`` are both
  renamed ``ref``, in data and paths.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLObjectType,
    GraphQLOutputType,
    get_nullable_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)

GATEWAY_LIST = "@"
ENTITIES = "_entities"
REF = "ref"


@dataclass(frozen=True)
class Outcome:
    """The substance of an answer: its data and its outermost denied field paths."""

    data: Any
    denied: frozenset[tuple[str, ...]]


def without_positions(path: Sequence[str | int]) -> tuple[str, ...]:
    """A field path without list positions: our indices and the gateway's "@"."""
    return tuple(part for part in path if isinstance(part, str) and part != GATEWAY_LIST)


def outermost(paths: Iterable[tuple[str, ...]]) -> frozenset[tuple[str, ...]]:
    """The paths no other path of ``paths`` is a proper prefix of."""
    unique = set(paths)
    return frozenset(
        path for path in unique if not any(path[: len(other)] == other for other in unique - {path})
    )


def null_at(data: Any, path: Sequence[str]) -> bool:
    """Whether ``data`` is null at ``path`` (field names; through a list: in every element)."""
    value = data
    for index, name in enumerate(path):
        if value is None:
            return True
        if isinstance(value, list):
            rest = path[index:]
            return bool(value) and all(null_at(item, rest) for item in value)
        value = value.get(name)
    return value is None


def anchored(path: tuple[str, ...], data: Any) -> tuple[str, ...]:
    """The shortest prefix of ``path`` at which ``data`` is null; ``path`` when none is."""
    for length in range(1, len(path)):
        if null_at(data, path[:length]):
            return path[:length]
    return path


def renamed_ref(path: tuple[str, ...], ref_field: str | None) -> tuple[str, ...]:
    """``_entities`` (ours) or ``ref_field`` (the gateway's) at the root becomes "ref"."""
    if ref_field is not None and path[:1] in ((ENTITIES,), (ref_field,)):
        return (REF, *path[1:])
    return path


def folded(value: Any) -> Any:
    """``value`` with the gateway's ``"@"`` objects folded into their parents (module doc)."""
    if isinstance(value, list):
        return [folded(item) for item in value]
    if not isinstance(value, dict):
        return value
    result = {key: folded(item) for key, item in value.items() if key != GATEWAY_LIST}
    if GATEWAY_LIST not in value:
        return result
    if not result:
        return None  # the parent was null: the gateway built this object to hold its null
    written = folded(value[GATEWAY_LIST])
    return {**result, **(written if isinstance(written, dict) else {})}


def propagated(value: Any, type_: GraphQLOutputType) -> Any:
    """``value`` (of ``type_``) with a null in a non-null position nulling its parent."""
    if value is None:
        return None
    nullable = get_nullable_type(type_)
    if is_list_type(nullable):
        item_type = nullable.of_type
        items = [propagated(item, item_type) for item in value]
        if any(item is None for item in items) and is_non_null_type(item_type):
            return None
        return items
    if is_object_type(nullable):
        assert isinstance(nullable, GraphQLObjectType)
        result = {}
        for key, item in value.items():
            field_type = nullable.fields[key].type
            result[key] = propagated(item, field_type)
            if result[key] is None and is_non_null_type(field_type):
                return None
        return result
    return value


def our_outcome(body: dict[str, Any], ref_field: str | None) -> Outcome:
    """The outcome of our answer; ``ref_field`` set for an ``_entities`` request."""
    data = body["data"]
    if ref_field is not None:
        # One representation asked, so one entity; a refused _entities ([_Entity]!, non-null
        # by the federation spec) nulls the data, where the gateway's nullable ref is null.
        entities = None if data is None else data[ENTITIES]
        data = {REF: None if entities is None else entities[0]}
    return Outcome(data, _denied(body, ref_field, data))


def gateway_outcome(
    body: dict[str, Any], ref_field: str | None, root: GraphQLObjectType
) -> Outcome:
    """The outcome of the gateway's answer to an operation on ``root``, the root type of the
    supergraph it serves."""
    data = body["data"]
    if data is not None:
        data = propagated(folded(data), root)
    if ref_field is not None:
        data = {REF: None if data is None else data[ref_field]}
    return Outcome(data, _denied(body, ref_field, data))


def _denied(body: dict[str, Any], ref_field: str | None, data: Any) -> frozenset[tuple[str, ...]]:
    """The outermost denied paths of ``body``'s errors, anchored in the aligned ``data``."""
    return outermost(
        anchored(renamed_ref(without_positions(error["path"]), ref_field), data)
        for error in body.get("errors", [])
    )
