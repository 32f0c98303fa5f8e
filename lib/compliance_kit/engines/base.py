"""The engine seam: what an analysis asks of the place its data is.

An analysis orchestrates once, against this interface; DuckDB (engines/duckdb_engine.py)
and Spark (engines/spark.py) implement it. Three things, all by name:

- `query(name, params, **fill)`: run sql/<name>, composed by compliance_kit.sql_compose
  (its dependencies, fill-ins and macros as the file declares them), with `params` bound,
  and return a Polars frame;
- `materialise(relation, name, params, **fill)`: compute sql/<name> once and keep it as
  `relation` for the queries that follow (a TEMP table on DuckDB, a local checkpoint on
  Spark), or, with view=True, only name it (a TEMP view, computed where it is read);
- `register(relation, frame)`: a Polars frame as the relation `relation`.

Two handles tell an analysis where the small work goes, so that what differs between
engines is said here and not in a second orchestration:

- `store`: the DuckDB store (the policy tables, the lookups built from them): the engine
  itself on DuckDB, the store connection the Spark engine was attached with on Spark;
- `local()`: a DuckDB engine for roll-ups over a small result (a metric cube, a monthly
  aggregate) that has the store's tables at hand: the engine itself on DuckDB, a new
  connection to the store on Spark (its TEMP relations are its own).

`version(relation)` counts how often `relation` was materialised on this engine: a handle
on an earlier materialisation can tell that it was replaced.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections import Counter

import polars as pl

from ..sql_compose import Query, compose

_RELATION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_relation(relation: str) -> str:
    """Relation names are the kit's own identifiers, never input: refuse anything else."""
    if not isinstance(relation, str) or not _RELATION.match(relation):
        raise ValueError(f"not a relation name: {relation!r}")
    return relation


class Engine(ABC):
    """Where queries run. Subclasses implement `run`, `_materialise`, `register`,
    `store` and `local`; `query` and `materialise` compose and delegate."""

    name: str

    def __init__(self) -> None:
        self._versions: Counter = Counter()

    def query(self, name: str, params: dict | None = None, /, **fill) -> pl.DataFrame:
        """sql/<name>, composed, with `params` bound: the result as a Polars frame."""
        return self.run(compose(name, params, **fill))

    def materialise(self, relation: str, name: str, params: dict | None = None, /, *,
                    view: bool = False, keep_order: bool = True, **fill) -> None:
        """sql/<name>, composed, kept as `relation` (see the module's docstring).
        keep_order=False: the rows may be stored in any order (every reader sorts), which
        lets DuckDB write them in parallel."""
        self._materialise(check_relation(relation), compose(name, params, **fill), view, keep_order)
        self._versions[relation] += 1

    def version(self, relation: str) -> int:
        return self._versions[relation]

    def declare_enum(self, type_name: str, name: str) -> None:
        """An ENUM type `type_name` whose values are the rows of sql/<name> (one VARCHAR
        column, in the order the values should sort), for the queries that follow to CAST
        to: a value stored in one byte. This default does nothing: an engine without ENUM
        types (Spark) keeps the strings, and transform 11 of transpile.py drops a cast to a
        type named `*_enum`."""

    @abstractmethod
    def run(self, query: Query) -> pl.DataFrame:
        """A composed query's rows."""

    @abstractmethod
    def _materialise(self, relation: str, query: Query, view: bool, keep_order: bool) -> None:
        ...

    @abstractmethod
    def register(self, relation: str, frame: pl.DataFrame) -> None:
        """`frame` as the relation `relation` (replacing one of that name)."""

    @property
    @abstractmethod
    def store(self) -> "Engine":
        """The DuckDB store this engine reads its policy from (a DuckDB engine)."""

    @abstractmethod
    def local(self) -> "Engine":
        """A DuckDB engine for roll-ups over small results, with the store's tables."""
