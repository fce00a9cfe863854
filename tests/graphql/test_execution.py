"""PlainFieldsExecutor answers exactly as graphql-core's executor does: a differential test.

The same schema is built twice, once with gqlauth's executor and once with strawberry's own,
and both answer the same generated queries (aliases, repeated fields, inline and named
fragments, ``@skip`` / ``@include`` with literals and variables, ``__typename``, nested and
listed objects, guarded fields and resolvers among plain ones) over rows holding nulls and
values their types refuse. Data and errors (message, locations, path, extensions) must be equal.
"""

from __future__ import annotations

import enum
import logging
import random
from dataclasses import dataclass
from typing import Any

import pytest
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gqlauth.graphql import execution
from gqlauth.graphql.permissions import public, requires_scope
from gqlauth.graphql.schema import Schema
from tests.graphql.schemas import context

QUERIES = 360


@strawberry.enum
class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Item:
    id: strawberry.ID
    name: str
    note: str | None
    count: int
    ratio: float | None
    color: Color
    tags: list[str]
    secret: str | None = strawberry.field(extensions=[requires_scope("read")])
    child: Item | None

    @strawberry.field
    def shout(self, root: strawberry.Parent[Any]) -> str:
        return str(root.name).upper()


@dataclass
class Row:
    """A source object, as a resolver would return a model instance."""

    id: Any = 1
    name: Any = "one"
    note: Any = None
    count: Any = 1
    ratio: Any = 0.5
    color: Any = Color.RED
    tags: Any = ()
    secret: Any = "s"
    child: Any = None


GOOD = [
    Row(id=1, name="one", note="n", count=1, ratio=1.5, color=Color.RED, tags=["a"]),
    Row(id="x2", name="two", count=-3, ratio=None, color=Color.BLUE, child=Row(id=9, name="c")),
    Row(id=3, name="", note="", count=0, ratio=2, tags=[], child=Row(id=8, name="d", note="e")),
]
BAD = [
    Row(name=None),  # null for a non-null field
    Row(count="many"),  # Int refuses a string
    Row(count=2**40),  # Int refuses a 64-bit value
    Row(color="green"),  # not an enum value
    Row(id=None, note=5),  # null ID; a String from an int is fine
    Row(child=Row(name=None)),  # the error is one level down
]


@strawberry.type
class Query:
    @public()
    @strawberry.field
    def items(self) -> list[Item]:
        return GOOD  # type: ignore[return-value]

    @public()
    @strawberry.field
    def bad_items(self) -> list[Item | None] | None:
        return BAD  # type: ignore[return-value]

    @public()
    @strawberry.field
    def strict_bad(self) -> list[Item]:
        return BAD[:2]  # type: ignore[return-value]

    @public()
    @strawberry.field
    def item(self, good: bool = True) -> Item | None:
        return (GOOD if good else BAD)[1]  # type: ignore[return-value]


COMPILED = Schema(query=Query)
REFERENCE = Schema(query=Query, execution_context_class=StrawberryGraphQLCoreExecutionContext)

LEAVES = ["id", "name", "note", "count", "ratio", "color", "__typename"]
OTHERS = ["tags", "secret", "shout"]
ROOTS = ["items", "badItems", "strictBad", "item", "item(good: false)", "item(good: $good)"]


class QueryWriter:
    """Writes random documents over ``Query``; fragments go in :attr:`fragments`."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.fragments: list[str] = []
        self.aliases = 0

    def directive(self) -> str:
        return self.rng.choice(
            [""] * 6
            + [
                " @skip(if: true)",
                " @skip(if: false)",
                " @include(if: true)",
                " @include(if: false)",
                " @skip(if: $flag)",
                " @include(if: $flag)",
            ]
        )

    def alias(self) -> str:
        if self.rng.random() < 0.15:  # few: MAX_ALIASES refuses more than 15 in a document
            self.aliases += 1
            return f"a{self.aliases}: "
        return ""

    def item_selection(self, depth: int) -> str:
        rng = self.rng
        names = rng.sample(LEAVES, rng.randint(1, len(LEAVES)))
        if rng.random() < 0.15:
            names.append(rng.choice(OTHERS))
        parts = [f"{self.alias()}{name}{self.directive()}" for name in names]
        if rng.random() < 0.3:
            parts.append(rng.choice(names))  # the same field twice: merged
        if depth < 2 and rng.random() < 0.25:
            parts.append(f"child{self.directive()} {{ {self.item_selection(depth + 1)} }}")
        if rng.random() < 0.3:
            parts.append(f"... on Item{self.directive()} {{ {self.item_selection(depth + 1)} }}")
        if rng.random() < 0.2:
            parts.append(f"... {{ {rng.choice(LEAVES)} }}")
        if rng.random() < 0.3:
            name = f"F{len(self.fragments)}"
            self.fragments.append("")  # the name is taken before nested fragments take theirs
            index = len(self.fragments) - 1
            self.fragments[index] = (
                f"fragment {name} on Item {{ {self.item_selection(depth + 1)} }}"
            )
            parts.append(f"...{name}{self.directive()}")
        rng.shuffle(parts)
        return " ".join(parts)

    def document(self) -> str:
        roots = self.rng.sample(ROOTS, self.rng.randint(1, 3))
        body = " ".join(
            f"r{i}: {root}{self.directive()} {{ {self.item_selection(0)} }}"
            for i, root in enumerate(roots)
        )
        if self.rng.random() < 0.2:
            body += " __typename"
        # Both variables used, else the document fails validation and nothing runs.
        body += " f: __typename @skip(if: $flag) g: __typename @include(if: $good)"
        return " ".join(
            ["query Q($flag: Boolean!, $good: Boolean! = true) {", body, "}", *self.fragments]
        )


def outcome(schema: Schema, document: str, variables: dict[str, Any], scopes: tuple[str, ...]):
    result = schema.execute_sync(
        document, variable_values=variables, context_value=context(*scopes)
    )
    return result.data, [error.formatted for error in result.errors or []]


@pytest.fixture
def counted(monkeypatch):
    """How many objects the executor answered itself, and how many it handed back."""
    counts = {"answered": 0, "handed back": 0}
    answer = execution._answer

    def counting(plan, source):
        try:
            result = answer(plan, source)
        except execution._NotPlainError:
            counts["handed back"] += 1
            raise
        counts["answered"] += 1
        return result

    monkeypatch.setattr(execution, "_answer", counting)
    return counts


@pytest.mark.parametrize("seed", range(3))
def test_answers_equal_graphql_cores_over_generated_queries(seed, counted, caplog):
    # The refused values are unexpected errors, logged with a traceback each: not needed here.
    caplog.set_level(logging.CRITICAL, logger="gqlauth.graphql")
    rng = random.Random(seed)
    for _ in range(QUERIES // 3):
        document = QueryWriter(rng).document()
        variables = {"flag": rng.random() < 0.5, "good": rng.random() < 0.5}
        scopes = rng.choice([("read",), ()])

        assert outcome(COMPILED, document, variables, scopes) == outcome(
            REFERENCE, document, variables, scopes
        ), document
    # The test is not vacuous: both paths of the executor ran, many times.
    assert counted["answered"] > 100
    assert counted["handed back"] > 40


@pytest.mark.parametrize(
    "document",
    [
        "{ items { id name color __typename } }",
        "{ badItems { id name count } }",
        "{ strictBad { name } }",
        "{ items { ...F } } fragment F on Item { a: name b: name id }",
        "{ items { child { name note } } }",
        "{ badItems { child { name } } }",
    ],
)
def test_known_shapes_answer_as_graphql_core(document):
    assert outcome(COMPILED, document, {}, ()) == outcome(REFERENCE, document, {}, ())


def test_plain_objects_are_answered_without_graphql_cores_field_machinery(counted):
    data, errors = outcome(COMPILED, "{ items { id name count color } }", {}, ())

    assert errors == []
    assert data == {
        "items": [
            {"id": "1", "name": "one", "count": 1, "color": "RED"},
            {"id": "x2", "name": "two", "count": -3, "color": "BLUE"},
            {"id": "3", "name": "", "count": 0, "color": "RED"},
        ]
    }
    assert counted == {"answered": 3, "handed back": 0}


def test_a_guarded_field_keeps_its_rule_and_its_object_goes_to_graphql_core(counted):
    data, errors = outcome(COMPILED, "{ item { name secret } }", {}, ())

    assert data == {"item": {"name": "two", "secret": None}}
    assert [(e["message"], e["path"], e["extensions"]["code"]) for e in errors] == [
        ("You do not have permission to perform this action.", ["item", "secret"], "FORBIDDEN")
    ]
    assert counted == {"answered": 0, "handed back": 0}


def test_mutations_are_left_to_graphql_core(counted):
    @strawberry.type
    class Mutation:
        @public()
        @strawberry.mutation
        def touch(self) -> Item:
            return GOOD[0]  # type: ignore[return-value]

    schema = Schema(query=Query, mutation=Mutation)
    result = schema.execute_sync("mutation { touch { id name } }", context_value=context())

    assert result.data == {"touch": {"id": "1", "name": "one"}}
    assert counted == {"answered": 0, "handed back": 0}
