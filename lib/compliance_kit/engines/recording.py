"""A DuckDB engine that also writes down what it ran, so that the SQL of a figure can be
printed exactly as the library ran it (`compliance-kit sql`): the analysis runs its one
orchestration on this engine, and `script` turns the steps up to the figure's query into
a DuckDB script (macros, TEMP tables and views, the query), every parameter written as a
literal, or left as `$name` with bound=True."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ..errors import UserError
from ..paths import read_sql
from ..sql_compose import Query, literal
from .duckdb_engine import DuckDBEngine


@dataclass(frozen=True)
class Step:
    kind: str            # "macros" | "create" | "query" | "type"
    query: Query | None
    relation: str = ""   # for "create"
    view: bool = False
    macro_file: str = ""


class RecordingEngine(DuckDBEngine):
    """DuckDBEngine on `con` that keeps every step, and which query each frame came from."""

    def __init__(self, con):
        super().__init__(con)
        self.steps: list[Step] = []
        self.frames: dict[int, tuple[Query, pl.DataFrame]] = {}  # id(frame) -> (query, frame)

    def _ensure_macros(self, files) -> None:
        for file in files:
            if file not in self._macros:
                self.steps.append(Step("macros", None, macro_file=file))
        super()._ensure_macros(files)

    def run(self, query: Query) -> pl.DataFrame:
        frame = super().run(query)
        self.steps.append(Step("query", query))
        self.frames[id(frame)] = (query, frame)  # the frame is kept: its id stays its own
        return frame

    def _materialise(self, relation: str, query: Query, view: bool, keep_order: bool) -> None:
        super()._materialise(relation, query, view, keep_order)
        self.steps.append(Step("create", query, relation, view))

    def _create_enum(self, type_name: str, query: Query) -> None:
        super()._create_enum(type_name, query)
        self.steps.append(Step("type", query, type_name))

    def register(self, relation: str, frame: pl.DataFrame) -> None:
        super().register(relation, frame)
        origin = self.frames.get(id(frame))
        if origin is None or origin[1] is not frame:
            raise UserError(f"cannot print: the relation {relation} is a frame made in Python, "
                            "not the result of a query")
        self.steps.append(Step("create", origin[0], relation))

    def last(self, name: str) -> tuple[Query, pl.DataFrame]:
        """The last run of sql/<name> and the frame it returned."""
        for i in range(len(self.steps) - 1, -1, -1):
            step = self.steps[i]
            if step.kind == "query" and step.query.name == name:
                return step.query, self._frame_of(step.query)
        raise UserError(f"{name} was not run by this figure's orchestration")

    def _frame_of(self, query: Query) -> pl.DataFrame:
        for q, frame in reversed(list(self.frames.values())):
            if q is query:
                return frame
        raise KeyError(query.name)

    def script(self, name: str, title: str, bound: bool = False) -> str:
        """The DuckDB script of the steps up to the last run of sql/<name>: what an analyst
        pastes into `duckdb -readonly <store>` to get the rows the library got."""
        final, _ = self.last(name)
        end = max(i for i, s in enumerate(self.steps) if s.query is final)
        seen, body, params = set(), [], {}
        for step in self.steps[:end]:
            if step.kind == "macros":
                body.append(f"-- macros: {step.macro_file}\n{read_sql(step.macro_file).strip()}")
                continue
            if step.kind == "type":
                body.append(f"-- {step.relation}: {', '.join(step.query.files)}\n"
                            f"CREATE OR REPLACE TEMP TYPE {step.relation} AS ENUM (\n"
                            f"{_text(step.query, bound)});")
                continue
            if step.kind != "create":
                continue  # checks and counts the orchestration ran: no part of the figure
            kind = "VIEW" if step.view else "TABLE"
            key = (step.relation, step.view, step.query.inline())
            if key in seen:
                continue
            seen.add(key)
            params.update(step.query.params)
            body.append(f"-- {step.relation}: {', '.join(step.query.files)}\n"
                        f"CREATE OR REPLACE TEMP {kind} {step.relation} AS\n"
                        f"{_text(step.query, bound)};")
        params.update(final.params)
        body.append(f"-- the figure: {', '.join(final.files)}\n{_text(final, bound)};")
        return _header(title, params, bound) + "\n".join(["SET TimeZone = 'UTC';", *body]) + "\n"


def _text(query: Query, bound: bool) -> str:
    return query.sql if bound else query.inline()


def _short(value) -> str:
    text = literal(value)
    return text if len(text) <= 200 else text[:200] + f"... ({len(text)} characters)"


def _header(title: str, params: dict, bound: bool) -> str:
    lines = [f"-- compliance-kit sql {title}",
             "-- Composed from sql/*.sql as the library runs it (docs/architecture.md). Paste it",
             "-- into the DuckDB CLI on the store: duckdb -readonly data/compliance.duckdb",
             "-- Parameters the library binds:" if params else "-- No parameters."]
    lines += [f"--   ${k} = {_short(v)}" for k, v in sorted(params.items())]
    lines.append("-- In the text below they are $name placeholders (bound=True: to read, not to paste)."
                 if bound else "-- In the text below each is written as its literal.")
    return "\n".join(lines) + "\n"
