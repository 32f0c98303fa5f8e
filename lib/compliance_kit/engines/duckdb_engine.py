"""The DuckDB engine: the store's connection (or an in-memory one) behind the seam."""

from __future__ import annotations

import duckdb
import polars as pl

from ..paths import read_sql
from ..sql_compose import Query, compose
from .base import Engine, check_relation


class DuckDBEngine(Engine):
    """Queries on one DuckDB connection. TEMP tables, views and macros are the
    connection's own, so the store may be opened read-only."""

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection):
        super().__init__()
        self.con = con
        # The SQL compares UTC wall times; the store's connect() does this too.
        con.execute("SET TimeZone = 'UTC'")
        self._macros: set[str] = set()

    @classmethod
    def in_memory(cls) -> "DuckDBEngine":
        return cls(duckdb.connect())

    def _ensure_macros(self, files) -> None:
        # CREATE OR REPLACE TEMP MACRO: once per connection and file
        for file in files:
            if file not in self._macros:
                self.con.execute(read_sql(file))
                self._macros.add(file)

    def run(self, query: Query) -> pl.DataFrame:
        self._ensure_macros(query.macros)
        return self.con.sql(query.sql, params=query.params).pl()

    def _materialise(self, relation: str, query: Query, view: bool, keep_order: bool) -> None:
        self._ensure_macros(query.macros)
        kind = "VIEW" if view else "TABLE"
        statement = f"CREATE OR REPLACE TEMP {kind} {relation} AS\n{query.sql}"
        if keep_order or view:
            self.con.execute(statement, query.params)
            return
        keep = self.con.sql("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
        self.con.execute("SET preserve_insertion_order = false")
        try:
            self.con.execute(statement, query.params)
        finally:
            self.con.execute(f"SET preserve_insertion_order = {'true' if keep else 'false'}")

    def register(self, relation: str, frame: pl.DataFrame) -> None:
        self.con.register(check_relation(relation), frame)

    def declare_enum(self, type_name: str, name: str) -> None:
        # a TEMP type, the connection's own (the store may be read-only); replacing it
        # leaves a table written with the earlier one as it was
        self._create_enum(check_relation(type_name), compose(name))

    def _create_enum(self, type_name: str, query: Query) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TYPE {type_name} AS ENUM ({query.sql})", query.params)

    @property
    def store(self) -> "DuckDBEngine":
        return self

    def local(self) -> "DuckDBEngine":
        return self

    def __repr__(self) -> str:
        return f"DuckDBEngine({self.con!r})"
