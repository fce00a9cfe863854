"""The Schema's defaults: error masking and logging, parse/validation caching, optimizer."""

from __future__ import annotations

import asyncio
import enum
import logging
import uuid
from collections.abc import Iterator

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.extensions.parser_cache import _get_parse_cache

from gqlauth.graphql.errors import BadUserInputError
from gqlauth.graphql.hardening import HardeningRules, cached_validate
from gqlauth.graphql.permissions import public, requires_scope
from gqlauth.graphql.schema import (
    DEFAULT_EXTENSIONS,
    MaskUnexpectedErrors,
    Schema,
    UnexpectedError,
)
from tests.graphql.schemas import context, errors_of


@strawberry.type
class Query:
    @public()
    @strawberry.field
    def boom(self) -> str | None:
        raise RuntimeError("database password is hunter2")

    @public()
    @strawberry.field
    def bad_input(self) -> str | None:
        raise BadUserInputError("name", "name is too long.")

    @requires_scope("groups")
    @strawberry.field
    def guarded(self) -> str | None:
        return "ok"

    @public()
    @strawberry.field
    def ok(self) -> str:
        return "ok"


SCHEMA = Schema(query=Query)


def test_unexpected_errors_are_masked_and_logged_with_traceback(caplog):
    result = SCHEMA.execute_sync("{ boom ok }", context_value=context(token=False))

    assert result.data == {"boom": None, "ok": "ok"}
    assert errors_of(result) == [("Unexpected error.", ["boom"], {"code": "INTERNAL_SERVER_ERROR"})]
    (record,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert record.name == "gqlauth.graphql"
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "Unexpected error while resolving boom"
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)
    assert "hunter2" in caplog.text  # in the server log only, never in the response
    assert "hunter2" not in str(result.errors)


def test_permission_denials_and_client_errors_are_neither_logged_nor_masked(caplog):
    result = SCHEMA.execute_sync("{ guarded badInput ok }", context_value=context("read"))

    assert result.data == {"guarded": None, "badInput": None, "ok": "ok"}
    assert errors_of(result) == [
        (
            "You do not have permission to perform this action.",
            ["guarded"],
            {"code": "FORBIDDEN", "requiredScopes": [["groups"]]},
        ),
        (
            "name is too long.",
            ["badInput"],
            {
                "code": "BAD_USER_INPUT",
                "field": "name",
                "fieldErrors": {"name": ["name is too long."]},
            },
        ),
    ]
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_validation_errors_are_returned_and_not_logged(caplog):
    result = SCHEMA.execute_sync("{ nope }", context_value=context(token=False))

    assert errors_of(result) == [("Cannot query field 'nope' on type 'Query'.", None, {})]
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_extensions_are_passed_as_classes_without_per_field_hooks():
    assert all(isinstance(ext, type) for ext in SCHEMA.extensions)
    assert SCHEMA.extensions[: len(DEFAULT_EXTENSIONS)] == DEFAULT_EXTENSIONS
    # No default extension has a resolve hook, which would run for every field of every answer.
    assert [ext for ext in DEFAULT_EXTENSIONS if ext._implements_resolve()] == []
    # Passing a default again does not add a second instance.
    again = Schema(query=Query, extensions=[MaskUnexpectedErrors])
    assert again.extensions.count(MaskUnexpectedErrors) == 1


def test_parsing_and_validation_are_cached_across_requests():
    query = f"{{ ok }} # {uuid.uuid4()}"
    parse_cache, validate_cache = _get_parse_cache(128), cached_validate

    SCHEMA.execute_sync(query, context_value=context(token=False))
    parse_hits, validate_hits = parse_cache.cache_info().hits, validate_cache.cache_info().hits
    result = SCHEMA.execute_sync(query, context_value=context(token=False))

    assert result.data == {"ok": "ok"}
    assert parse_cache.cache_info().hits == parse_hits + 1
    assert validate_cache.cache_info().hits == validate_hits + 1


def test_hardening_rule_classes_are_built_once_per_configuration(settings):
    first, second = HardeningRules(), HardeningRules()
    assert first is not second
    assert len(first.validation_rules) == 3  # depth, aliases and password hashes by default
    assert all(a is b for a, b in zip(first.validation_rules, second.validation_rules, strict=True))

    settings.GQLAUTH_GRAPHQL = {"MAX_DEPTH": 3}
    changed = HardeningRules()
    assert changed.validation_rules[0] is not first.validation_rules[0]
    assert changed.validation_rules[1] is first.validation_rules[1]


class _RaisesInOnOperation(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        raise RuntimeError("secret internals")
        yield


class _RaisesAfterExecution(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        yield
        raise KeyError("secret internals")


@pytest.mark.parametrize("extension", [_RaisesInOnOperation, _RaisesAfterExecution])
def test_an_exception_in_an_extension_hook_is_masked_and_logged(caplog, extension):
    schema = Schema(query=Query, extensions=[extension])

    sync = schema.execute_sync("{ ok }", context_value=context(token=False))
    not_sync = asyncio.run(schema.execute("{ ok }", context_value=context(token=False)))

    for result in (sync, not_sync):
        assert result.data is None
        assert [error.formatted for error in result.errors or ()] == [
            {"message": "Unexpected error.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
        ]
        assert isinstance(result.errors[0], UnexpectedError)
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.name, r.getMessage()) for r in records] == [
        ("gqlauth.graphql", "Unexpected error while resolving the operation")
    ] * 2
    assert all(r.exc_info and "secret internals" in str(r.exc_info[1]) for r in records)


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


@strawberry.type
class PaintQuery:
    @public()
    @strawberry.field
    def paint(self, colour: Colour) -> str:
        return colour.value


PAINT_SCHEMA = Schema(query=PaintQuery)


def test_variable_errors_suggest_values_only_while_introspection_is_on(settings):
    query = "query ($c: Colour!) { paint(colour: $c) }"
    message = "Variable '$c' has invalid value: Value 'REDD' does not exist in 'Colour' enum."

    shown = PAINT_SCHEMA.execute_sync(query, {"c": "REDD"}, context_value=context(token=False))
    settings.GQLAUTH_GRAPHQL = {"INTROSPECTION": False}
    hidden = PAINT_SCHEMA.execute_sync(query, {"c": "REDD"}, context_value=context(token=False))
    ok = PAINT_SCHEMA.execute_sync(query, {"c": "RED"}, context_value=context(token=False))

    assert [e.message for e in shown.errors or ()] == [
        message + " Did you mean the enum value 'RED'?"
    ]
    assert [e.message for e in hidden.errors or ()] == [message]
    assert ok.data == {"paint": "red"}
