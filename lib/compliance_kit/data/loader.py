"""Validated loading of the operational data (docs/data-contract.md).

Every file is read by DuckDB's own readers (`read_csv` with every column VARCHAR and no
sniffing, so a bad value is reported per row instead of failing the file; `read_parquet`).
The checks are SQL generated from `contract.TABLES`: a row that fails any of them goes to
`quarantine` (once, with the first failed check as its reason and every failed check in
`all_reasons`); the others load. Per table, rows read = rows loaded + rows quarantined,
checked here before commit. No row is ever handled in Python.

File-level problems (missing file, missing or unexpected column, empty file, not CSV or
Parquet, both present) raise DataValidationError before any row is loaded.
"""

from __future__ import annotations

import csv
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb

from ..errors import DataValidationError
from ..files import sha256_file
from . import contract
from .contract import BOOL, ID, INT, TEXT, TS, Table

# An ISO 8601 timestamp with an offset (or Z), and one without (naive: quarantined).
TS_WITH_OFFSET = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?)"
TS_NAIVE = r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?"
INTEGER = r"[+-]?[0-9]+"
TRUE_WORDS = ["true", "t", "yes", "y", "1"]
FALSE_WORDS = ["false", "f", "no", "n", "0"]

NAIVE_TYPES = {"TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "DATE"}
INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT",
                 "UINTEGER", "UBIGINT", "HUGEINT", "UHUGEINT"}
PARQUET_MAGIC = b"PAR1"


@dataclass
class TableLoad:
    table: str
    source_file: str
    sha256: str
    read: int
    loaded: int
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)

    @property
    def quarantined(self) -> int:
        return sum(self.quarantined_by_reason.values())


@dataclass
class LoadReport:
    tables: dict[str, TableLoad] = field(default_factory=dict)

    @property
    def read(self) -> int:
        return sum(t.read for t in self.tables.values())

    @property
    def loaded(self) -> int:
        return sum(t.loaded for t in self.tables.values())

    @property
    def quarantined(self) -> int:
        return sum(t.quarantined for t in self.tables.values())

    def summary(self) -> str:
        """The per-table accounting as a plain-text table (what `build --data` prints)."""
        rows = [("table", "file", "read", "loaded", "quarantined", "quarantined by reason")]
        for t in self.tables.values():
            reasons = ", ".join(f"{r} {n}" for r, n in sorted(t.quarantined_by_reason.items()))
            rows.append((t.table, Path(t.source_file).name, str(t.read), str(t.loaded),
                         str(t.quarantined), reasons or "-"))
        rows.append(("total", "", str(self.read), str(self.loaded), str(self.quarantined), ""))
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        lines = []
        for i, r in enumerate(rows):
            cells = [r[0].ljust(widths[0]), r[1].ljust(widths[1])]
            cells += [r[j].rjust(widths[j]) for j in (2, 3, 4)]
            lines.append("  ".join(cells + [r[5]]).rstrip())
            if i == 0 or i == len(rows) - 2:
                lines.append("-" * max(len(line) for line in lines))
        return "\n".join(lines)


# ---------------------------------------------------------------- files

def check_input_file(path: Path, allow_dir: bool = False) -> None:
    """A DataValidationError unless `path` is a regular file (or, `allow_dir`, a real
    folder): never a symlink, named pipe, device or socket. Checked with lstat, before
    anything opens it: a `records.csv` linked to /etc/passwd would otherwise be read and
    its first line echoed in a header error; a FIFO would block the build."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        raise DataValidationError(f"{path}: cannot be read ({exc.strerror})") from None
    if stat.S_ISREG(mode) or (allow_dir and stat.S_ISDIR(mode)):
        return
    if stat.S_ISLNK(mode):
        reason = "a symbolic link; input files must be regular files in the data folder (copy the file there)"
    elif stat.S_ISDIR(mode):
        reason = "a folder, not a file"
    elif stat.S_ISFIFO(mode):
        reason = "a named pipe (FIFO), not a regular file"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        reason = "a device, not a regular file"
    elif stat.S_ISSOCK(mode):
        reason = "a socket, not a regular file"
    else:
        reason = "not a regular file"
    raise DataValidationError(f"{path}: refused: it is {reason}")


def locate(data_dir: Path, table: str) -> Path:
    """The one file holding `table` in `data_dir`, or a DataValidationError saying why not."""
    csv, parquet = data_dir / f"{table}.csv", data_dir / f"{table}.parquet"
    # lexists: a dangling symlink or a FIFO is found (and refused), not "missing"
    if os.path.lexists(csv) and os.path.lexists(parquet):
        raise DataValidationError(
            f"{data_dir}: both {csv.name} and {parquet.name} exist; keep exactly one file per table")
    for path in (csv, parquet):
        if os.path.lexists(path):
            check_input_file(path)
            return path
    others = sorted(p.name for p in data_dir.glob(f"{table}.*") if p.is_file())
    if others:
        raise DataValidationError(
            f"{data_dir / others[0]}: not a CSV or Parquet file; save the {table} table as "
            f"{csv.name} or {parquet.name}")
    raise DataValidationError(
        f"{data_dir}: missing file for table {table}: expected {csv.name} or {parquet.name} "
        f"(a header-only CSV stands for an empty table)")




def _check_file_bytes(path: Path) -> None:
    size = path.stat().st_size
    if size == 0:
        raise DataValidationError(f"{path}: empty file (a CSV needs at least its header line)")
    with open(path, "rb") as f:
        head = f.read(65536)
        if path.suffix == ".parquet":
            f.seek(max(size - 4, 0))
            tail = f.read(4)
            if head[:4] != PARQUET_MAGIC or tail != PARQUET_MAGIC:
                raise DataValidationError(f"{path}: not a Parquet file (no PAR1 magic bytes)")
            return
    if head[:4] == PARQUET_MAGIC:
        raise DataValidationError(f"{path}: not a CSV file (it is Parquet: rename it to .parquet)")
    if b"\x00" in head:
        raise DataValidationError(f"{path}: not a CSV file (binary content)")
    if not head.strip(b"\xef\xbb\xbf \t\r\n"):
        raise DataValidationError(f"{path}: empty file (a CSV needs at least its header line)")
    cut = head if len(head) < 65536 else head[: head.rfind(b"\n") + 1] or head
    try:
        cut.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataValidationError(f"{path}: not UTF-8 text (byte {exc.start}); save the CSV as UTF-8") from None


def _csv_header(path: Path) -> list[str]:
    """The column names on the first line of a CSV (only that line is read in Python; the
    rows are read by DuckDB). A UTF-8 BOM and surrounding blanks are dropped."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        first = f.readline()
    try:
        names = next(csv.reader([first]))
    except (csv.Error, StopIteration):
        names = []
    return [n.strip() for n in names]


def _open_source(con: duckdb.DuckDBPyConnection, spec: Table, path: Path, src: str):
    """Check the header, then register `src` (a temp table for CSV, a temp view for
    Parquet). Returns (line expression, {column: type}, keep-alive relation)."""
    kind = "CSV" if path.suffix == ".csv" else "Parquet"
    try:
        if path.suffix == ".csv":
            header = _csv_header(path)
            _check_header(path, spec, header)
            # No sniffing: the header is the contract's, every column is read as text so that
            # a bad value is reported per row. Names are ours (checked above), not input.
            columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in header) + "}"
            con.execute(
                f'CREATE OR REPLACE TEMP TABLE "{src}" AS SELECT row_number() OVER () + 1 AS __line, * '
                f"FROM read_csv($path, columns = {columns}, auto_detect = false, header = true, "
                "delim = ',', quote = '\"', escape = '\"', encoding = 'utf-8', "
                "null_padding = false, strict_mode = true)",
                {"path": str(path)},
            )
            rel, line = None, "src.__line"  # header is line 1; the scan keeps file order
            types = {c: "VARCHAR" for c in header}
        else:
            rel = con.read_parquet(str(path), file_row_number=True)
            rel.to_view(src)
            line = "file_row_number + 1"
            types = {name: typ for name, typ, *_ in con.sql(f'DESCRIBE "{src}"').fetchall()}
            types.pop("file_row_number", None)
            _check_header(path, spec, list(types))
    except duckdb.Error as exc:
        msg = " ".join(str(exc).strip().split())
        raise DataValidationError(f"{path}: cannot be read as {kind}: {msg[:400]}") from None
    return line, types, rel


def _check_header(path: Path, spec: Table, found: list[str]) -> None:
    expected = spec.column_names
    repeated = sorted({c for c in found if found.count(c) > 1})
    if repeated:
        raise DataValidationError(f"{path}: wrong header: column(s) {', '.join(repeated)} appear more than once")
    missing = [c for c in expected if c not in found and c not in spec.optional_column_names]
    unexpected = [c for c in found if c not in expected]
    if not missing and not unexpected:
        return
    want = ",".join(c for c in expected if c not in spec.optional_column_names)
    if spec.optional_column_names:
        want += f" (optional: {', '.join(spec.optional_column_names)})"
    if missing and unexpected:
        raise DataValidationError(
            f"{path}: wrong header: missing column(s) {', '.join(missing)}; unexpected column(s) "
            f"{', '.join(unexpected)}. The header line must be: {want}")
    if missing:
        raise DataValidationError(
            f"{path}: missing column(s) {', '.join(missing)}. The header line must be: {want}")
    raise DataValidationError(
        f"{path}: unexpected column(s) {', '.join(unexpected)}. The header line must be: {want}")


# ---------------------------------------------------------------- SQL generation

def _used(sql: str, params: dict[str, object]) -> dict[str, object]:
    """The parameters `sql` refers to (DuckDB rejects unused named parameters)."""
    return {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]):
    return con.execute(sql, _used(sql, params))


def _q(name: str) -> str:
    """Quote an identifier from our own contract (never from input)."""
    return '"' + name.replace('"', '""') + '"'


class _Checks:
    """Builds the typed projection and the ordered list of (column, reason, condition)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, spec: Table, types: dict[str, str],
                 reference_joins: bool = False):
        self.con = con
        self.spec = spec
        # References as `NOT IN (subquery)` (DuckDB plans a cheap mark join) or, for Spark
        # (engines/spark_load.py), as LEFT JOINs on the distinct keys: Spark runs a NOT IN
        # inside an OR as a nested-loop join.
        self.reference_joins = reference_joins
        self.joins: list[tuple[str, str, str, str]] = []  # (alias, table, key, column)
        self.params: dict[str, object] = {
            "ts_offset": TS_WITH_OFFSET, "ts_naive": TS_NAIVE, "integer": INTEGER,
            "true_words": TRUE_WORDS, "false_words": FALSE_WORDS,
        }
        self.pre: list[str] = []      # p_<col>: the value as read, normalised (NULL if empty)
        self.typed: list[str] = []    # v_<col>: the typed value (NULL if invalid)
        self.checks: list[tuple[str, str, str]] = []
        # Optional columns the file leaves out read as NULL text (then typed and checked
        # like the others, so every check keeps its shape).
        self.absent = {c for c in spec.optional_column_names if c not in types}
        for col in spec.columns:
            self._column(col, types.get(col.name, "VARCHAR"))
        self._row_checks()

    def _column(self, col: contract.Column, st: str) -> None:
        c, p, v = _q(col.name), _q("p_" + col.name), _q("v_" + col.name)
        add = self.checks.append
        text = self._source(col.name) if st == "VARCHAR" else f"CAST(src.{c} AS VARCHAR)"
        # trim only when needed: trimming every value costs more than the rest of the checks
        as_text = (f"CASE WHEN {text} = '' OR starts_with({text}, ' ') OR ends_with({text}, ' ') "
                   f"THEN nullif(trim({text}), '') ELSE {text} END")
        if col.kind in (ID, TEXT):
            pre = as_text if col.kind == ID else f"nullif({text}, '')"
            typed = p
        elif col.kind == TS:
            if st == "TIMESTAMP WITH TIME ZONE":
                pre, typed = f"src.{c}", p
            elif st in NAIVE_TYPES:
                pre, typed = f"CAST(src.{c} AS VARCHAR)", "CAST(NULL AS TIMESTAMPTZ)"
            else:
                pre = as_text
                typed = f"CASE WHEN regexp_full_match({p}, $ts_offset) THEN TRY_CAST({p} AS TIMESTAMPTZ) END"
        elif col.kind == INT:
            if st in INTEGER_TYPES:
                pre, typed = f"src.{c}", f"TRY_CAST({p} AS BIGINT)"
            else:
                pre = as_text
                typed = f"CASE WHEN regexp_full_match({p}, $integer) THEN TRY_CAST({p} AS BIGINT) END"
        elif col.kind == BOOL:
            if st == "BOOLEAN":
                pre, typed = f"src.{c}", p
            else:
                pre = f"lower({as_text})"
                typed = (f"CASE WHEN list_contains($true_words, {p}) THEN true "
                         f"WHEN list_contains($false_words, {p}) THEN false END")
        else:  # pragma: no cover - contract error
            raise ValueError(col.kind)
        self.pre.append(f"{pre} AS {p}")
        self.typed.append(f"{typed} AS {v}")

        if col.required:
            add((col.name, "missing_value", f"{p} IS NULL"))
        if col.kind == TS:
            if st in NAIVE_TYPES:
                add((col.name, "naive_timestamp", f"{p} IS NOT NULL"))
            elif st != "TIMESTAMP WITH TIME ZONE":
                naive = (f"regexp_full_match({p}, $ts_naive) AND "
                         f"TRY_CAST({p} AS TIMESTAMP) IS NOT NULL")
                add((col.name, "naive_timestamp", f"{p} IS NOT NULL AND {v} IS NULL AND {naive}"))
                add((col.name, "unparseable_timestamp", f"{p} IS NOT NULL AND {v} IS NULL AND NOT ({naive})"))
        elif col.kind == INT:
            add((col.name, "not_an_integer", f"{p} IS NOT NULL AND {v} IS NULL"))
        elif col.kind == BOOL:
            add((col.name, "not_a_boolean", f"{p} IS NOT NULL AND {v} IS NULL"))
        if col.allowed is not None:
            a = col.allowed
            if a.subquery:
                # the policy's values, read once and bound as a list (cheaper per row than a join)
                key = f"allowed_{col.name}"
                self.params[key] = [r[0] for r in self.con.execute(a.subquery).fetchall()]
                cond = f"NOT list_contains(${key}, {v})"
            elif a.values:
                key = f"vals_{col.name}"
                self.params[key] = list(a.values)
                cond = f"NOT list_contains(${key}, {v})"
            else:
                key = f"pat_{col.name}"
                self.params[key] = a.pattern
                cond = f"NOT regexp_full_match({v}, ${key})"
            add((col.name, a.reason, f"{v} IS NOT NULL AND {cond}"))
        if col.name in self.spec.non_negative:
            add((col.name, "negative_value", f"{v} < 0"))

    def _source(self, name: str) -> str:
        """The column as read, or a typed NULL for an optional column the file leaves out."""
        return "CAST(NULL AS VARCHAR)" if name in self.absent else f"src.{_q(name)}"

    def _row_checks(self) -> None:
        spec, add = self.spec, self.checks.append
        for o in spec.orders:
            add((o.later, o.reason, f"{_q('v_' + o.later)} < {_q('v_' + o.earlier)}"))
        for ref in spec.references:
            v = _q("v_" + ref.column)
            if self.reference_joins:
                aliases = []
                for t, k in ref.targets:
                    alias = f"__ref_{ref.column}_{t}"
                    self.joins.append((alias, t, k, "v_" + ref.column))
                    aliases.append(alias)
                missing = " AND ".join(f"{_q(a)} IS NULL" for a in aliases)
            else:
                missing = " AND ".join(f"{v} NOT IN (SELECT {_q(k)} FROM {_q(t)})" for t, k in ref.targets)
            add((ref.column, ref.reason, f"{v} IS NOT NULL AND {missing}"))

    def typed_sql(self, src: str, line: str) -> str:
        raw = ", ".join(f"{self._source(c)} AS {_q('r_' + c)}" for c in self.spec.column_names)
        typed = (
            f"SELECT *, {', '.join(self.typed)} FROM ("
            f"SELECT {line} AS __line, {raw}, {', '.join(self.pre)} "
            f"FROM {_q(src)} AS src) AS p"
        )
        if not self.joins:
            return typed
        # one LEFT JOIN per reference target: its key, or NULL when the value is unknown
        cols = ", ".join(f"{_q(a)}.k AS {_q(a)}" for a, *_ in self.joins)
        joins = " ".join(f"LEFT JOIN (SELECT DISTINCT {_q(k)} AS k FROM {_q(t)}) AS {_q(a)} "
                         f"ON {_q(a)}.k = j.{_q(c)}" for a, t, k, c in self.joins)
        return f"SELECT j.*, {cols} FROM ({typed}) AS j {joins}"

    def checked_sql(self, src: str, line: str, with_all: bool) -> str:
        """The failing rows only, with the first reason, its column, every failed check
        (`__all`) and the raw row as JSON (`__raw`). The filter runs first, so the costly
        projections are computed for bad rows only."""
        conds = [(c, r, f"coalesce(({cond}), false)") for c, r, cond in self.checks]
        reason = "CASE " + " ".join(f"WHEN {k} THEN '{r}'" for _, r, k in conds) + " END"
        column = "CASE " + " ".join(f"WHEN {k} THEN '{c}'" for c, _, k in conds) + " END"
        raw = ", ".join(f"'{c}', CAST({_q('r_' + c)} AS VARCHAR)" for c in self.spec.column_names)
        extra = ""
        if with_all:
            parts = ", ".join(f"CASE WHEN {k} THEN '{c}: {r}' END" for c, r, k in conds)
            extra = f", concat_ws('; ', {parts}) AS __all"
        return (f"SELECT __line, {reason} AS __reason, {column} AS __column, json_object({raw}) AS __raw{extra} "
                f"FROM ({self.typed_sql(src, line)}) AS t WHERE {self.bad_sql()}")

    def bad_sql(self) -> str:
        return " OR ".join(f"coalesce(({cond}), false)" for _, _, cond in self.checks)


# ---------------------------------------------------------------- loading

def load_operational(
    con: duckdb.DuckDBPyConnection,
    data_dir: Path,
    strict: bool = False,
    echo: Callable[[str], None] | None = None,
) -> LoadReport:
    """Validate and load the five operational tables from `data_dir` into `con` (whose
    policy tables are already filled). Replaces whatever the tables held before.
    Raises DataValidationError on a file-level problem, or (strict) on the first bad row."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataValidationError(f"{data_dir}: no such data folder")
    files = {t.name: locate(data_dir, t.name) for t in contract.TABLES}
    for path in files.values():
        _check_file_bytes(path)

    # Uniqueness is the loader's job, not an index's: the operational tables carry no
    # PRIMARY KEY (an ART index cost 3.8x a bare load of 10M records, bench/bench_load.py).
    # Each table first finds its repeated keys (one cheap pass over the key column) and
    # quarantines every copy of a repeated key.
    report = LoadReport()
    con.begin()
    try:
        # Idempotent: a second load replaces the first (children first).
        for t in reversed(contract.TABLES):
            con.execute(f"DELETE FROM {_q(t.name)}")
        con.execute("DELETE FROM quarantine WHERE list_contains($t, table_name)", {"t": contract.TABLE_NAMES})
        con.execute("DELETE FROM load_log WHERE list_contains($t, table_name)", {"t": contract.TABLE_NAMES})
        for spec in contract.TABLES:
            if echo is not None:
                echo(f"loading {files[spec.name]}")
            report.tables[spec.name] = _load_table(con, spec, files[spec.name], strict)
        con.commit()
        return report
    except BaseException:
        con.rollback()
        raise


def _load_table(con: duckdb.DuckDBPyConnection, spec: Table, path: Path, strict: bool) -> TableLoad:
    """Load one table: the duplicate keys among otherwise valid rows are found first and
    every copy is quarantined; then the valid rows are inserted in one pass. The
    quarantine pass runs only when some rows did not load."""
    src = f"_ck_src_{spec.name}"
    line, types, _keep = _open_source(con, spec, path, src)
    checks = _Checks(con, spec, types)
    params = checks.params
    typed = checks.typed_sql(src, line)
    key = _q("v_" + spec.key)
    source_file = str(path)
    table = _q(spec.name)
    cols = ", ".join(_q(c) for c in spec.column_names)
    vals = ", ".join(_q("v_" + c) for c in spec.column_names)
    raw = ", ".join(f"'{c}', CAST({_q('r_' + c)} AS VARCHAR)" for c in spec.column_names)
    good = f"NOT ({checks.bad_sql()})"
    # Duplicate keys among rows that pass every other check: all copies are quarantined.
    # (keys repeated among all rows first: one cheap column; the checks then run on those only)
    rep = _q(f"_ck_rep_{spec.name}")
    repeated = f"SELECT k FROM {rep}"
    _run(con, f"CREATE OR REPLACE TEMP TABLE {rep} AS SELECT {key} AS k FROM ({typed}) AS t0 "
              f"WHERE {key} IS NOT NULL GROUP BY ALL HAVING count(*) > 1", params)
    has_repeats = con.execute(f"SELECT count(*) FROM {rep}").fetchall()[0][0] > 0
    dup_sql = (f"SELECT __line, {key} AS k, json_object({raw}) AS __raw FROM ({typed}) AS t "
               f"WHERE {key} IN ({repeated}) AND {good} AND {key} IN ("
               f"SELECT {key} FROM ({typed}) AS t2 WHERE {key} IN ({repeated}) AND {good} "
               f"GROUP BY ALL HAVING count(*) > 1)")

    if strict:
        first = _run(con,
            f"SELECT __line, __column, __reason, __raw FROM ({checks.checked_sql(src, line, False)}) AS c "
            f"ORDER BY __line LIMIT 1", params).fetchall()
        if not first and has_repeats:
            first = [(n, spec.key, "duplicate_key", r) for n, _, r in
                     _run(con, dup_sql + " ORDER BY __line LIMIT 1", params).fetchall()]
        if first:
            n, column, reason, raw_row = first[0]
            raise DataValidationError(
                f"{path}: line {n}, column {column}: {reason} (row {raw_row}); fix the row, or load "
                f"without --strict to quarantine invalid rows")

    dup = _q(f"_ck_dup_{spec.name}")
    not_dup = ""
    if has_repeats:
        _run(con, f"CREATE OR REPLACE TEMP TABLE {dup} AS {dup_sql}", params)
        not_dup = f" AND {key} NOT IN (SELECT k FROM {dup})"
    read = con.execute(f"SELECT count(*) FROM {_q(src)}").fetchall()[0][0]
    inserted = _run(con,
        f"INSERT INTO {table} ({cols}) SELECT {vals} FROM ({typed}) AS t WHERE {good}{not_dup}",
        params).fetchall()[0][0]
    if inserted < read:
        _run(con,
            "INSERT INTO quarantine (table_name, source_file, line_number, column_name, reason, raw_row, all_reasons) "
            f"SELECT $table, $file, __line, __column, __reason, __raw, __all "
            f"FROM ({checks.checked_sql(src, line, True)}) AS c ORDER BY __line",
            {**params, "table": spec.name, "file": source_file})
        if has_repeats:
            con.execute(
                "INSERT INTO quarantine (table_name, source_file, line_number, column_name, reason, raw_row, all_reasons) "
                f"SELECT $table, $file, __line, $key, 'duplicate_key', __raw, $all FROM {dup} ORDER BY __line",
                {"table": spec.name, "file": source_file, "key": spec.key, "all": f"{spec.key}: duplicate_key"})
    con.execute(f"DROP TABLE IF EXISTS {dup}")
    con.execute(f"DROP TABLE IF EXISTS {rep}")

    loaded = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    by_reason = dict(con.execute(
        "SELECT reason, count(*) FROM quarantine WHERE table_name = $t GROUP BY reason ORDER BY reason",
        {"t": spec.name}).fetchall())
    result = TableLoad(spec.name, source_file, sha256_file(path), read, loaded, by_reason)
    if result.read != result.loaded + result.quarantined:  # the accounting invariant: no row vanishes
        raise RuntimeError(
            f"row accounting broken for {spec.name}: read {read} != loaded {loaded} + "
            f"quarantined {result.quarantined}")
    con.execute(
        "INSERT INTO load_log VALUES ($t, $f, $h, $r, $l, $q, now())",
        {"t": spec.name, "f": source_file, "h": result.sha256, "r": read, "l": loaded, "q": result.quarantined})
    if path.suffix == ".csv":
        con.execute(f"DROP TABLE IF EXISTS {_q(src)}")
    else:
        con.execute(f"DROP VIEW IF EXISTS {_q(src)}")
    return result
