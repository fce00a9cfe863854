"""Prepared selects: a ``select_related`` query whose SQL is compiled once, then re-run.

Compiling a select of a few joined tables costs Django several times what running it costs (the
bearer-token lookup: ~0.6 ms to build ~50 columns' SQL against ~0.1 ms to run it). A
:class:`PreparedSelect` compiles its query the first time it is needed, with placeholder values,
and later runs the same SQL with the real values, turning rows into model instances with Django's
own machinery (the compiler's ``results_iter`` for the backend's converters, ``Model.from_db``,
``get_related_populators``), as ``QuerySet.__iter__`` does.

Contract: ``PreparedSelect(model, build).fetch(values)`` returns what ``list(build(values))``
would, in one query through Django's connection cursor (so query logging, execute wrappers and
``assertNumQueries`` see it), for every tuple of ``values`` that ``build`` passes to the database
unchanged (strings compared with a ``CharField``, as digests and ``jti`` are).

Compiled state belongs to one thread's connection (a compiler holds the connection it compiled
for, and Django's connections are per thread): nothing shared is mutated by a lookup.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from django.db import connections, router
from django.db.models import Model
from django.db.models.query import ModelIterable, get_related_populators

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models import QuerySet

M = TypeVar("M", bound=Model)


class _Compiled(Generic[M]):
    """One query compiled for one connection and one number of values (immutable once built)."""

    def __init__(self, queryset: QuerySet[M], alias: str, markers: list[str]) -> None:
        if (
            queryset._iterable_class is not ModelIterable
            or getattr(queryset, "_prefetch_related_lookups", False)
            or getattr(queryset, "_known_related_objects", False)
        ):
            raise ValueError("A prepared select yields plain model instances only.")
        self.alias = alias
        self.connection: BaseDatabaseWrapper = connections[alias]
        self.compiler = queryset.query.get_compiler(using=alias)
        sql, params = self.compiler.as_sql()
        params = tuple(params)
        if [params.count(marker) for marker in markers] != [1] * len(markers):
            raise ValueError("Each value must be one parameter of the compiled query.")
        self.positions = [params.index(marker) for marker in markers]
        self.sql = sql
        self.params = params
        if self.compiler.annotation_col_map or self.compiler.has_extra_select:
            raise ValueError("A prepared select has no annotations or extra columns.")
        klass_info = self.compiler.klass_info
        select = self.compiler.select
        self.model: type[M] = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        # Django 6.1 added fetch modes: from_db and the related populators take the queryset's.
        # A populator keeps a list of peers when its mode tracks them; shared across lookups,
        # it would grow without end and link unrelated rows, so such modes are refused.
        self.fetch_mode = getattr(queryset, "_fetch_mode", None)
        if self.fetch_mode is None:
            self.populators = cast("Any", get_related_populators)(klass_info, select, alias)
        elif self.fetch_mode.track_peers:
            raise ValueError("A prepared select cannot track peers (fetch mode).")
        else:
            self.populators = get_related_populators(klass_info, select, alias, self.fetch_mode)

    def run(self, values: Sequence[str]) -> list[M]:
        params = list(self.params)
        for position, value in zip(self.positions, values, strict=True):
            params[position] = value
        with self.connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        objects = []
        # results_iter applies the backend's and the fields' converters (e.g. SQLite's datetime
        # strings to aware datetimes, JSON text to Python) exactly as a queryset does.
        for row in self.compiler.results_iter([rows]):
            own = row[self.start : self.end]
            if self.fetch_mode is None:
                obj = self.model.from_db(self.alias, self.init_list, own)
            else:
                obj = self.model.from_db(
                    self.alias, self.init_list, own, fetch_mode=self.fetch_mode
                )
            for populator in self.populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects


class PreparedSelect(Generic[M]):
    """``build(values)``'s query, compiled once per thread, database alias and number of values.

    ``build`` must return the same query shape for any values of one length, must put each value
    in exactly one parameter, and must not route by value; its rows are read from the database
    that ``model`` is read from.
    """

    def __init__(self, model: type[M], build: Callable[[Sequence[str]], QuerySet[M]]) -> None:
        self._model = model
        self._build = build
        self._local = threading.local()

    def fetch(self, values: Sequence[str]) -> list[M]:
        """``list(build(values))`` in one query; ``values`` must not be empty."""
        if not values:
            raise ValueError("A prepared select needs at least one value.")
        alias = router.db_for_read(self._model)
        cache: dict[tuple[str, int], _Compiled[M]] = self._local.__dict__.setdefault("cache", {})
        compiled = cache.get((alias, len(values)))
        # A thread's connection object is replaced when the connections are reconfigured (tests
        # overriding DATABASES): recompile for the new one.
        if compiled is None or compiled.connection is not connections[alias]:
            # Markers that no real value equals: where they land in the compiled parameters is
            # exactly where the real values go, whatever else Django parametrises.
            markers = [f"<gqlauth.prepared value {index}>" for index in range(len(values))]
            queryset = self._build(markers).using(alias)
            compiled = cache[alias, len(values)] = _Compiled(queryset, alias, markers)
        return compiled.run(values)
