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
import datetime as dt
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb

from ..errors import DataValidationError
from ..files import sha256_file_started
from . import contract
from .contract import BOOL, ID, INT, TEXT, TS, Table

# An ISO 8601 timestamp with an offset (or Z), and one without (naive: quarantined).
_TS_BODY = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?\s*"
# Offsets run from -14:00 to +14:00 (UTC-12 to UTC+14 are in use; the contract allows the
# symmetric range); an offset outside it (+99:00, +14:30, +05:75) is its own reason.
TS_WITH_OFFSET = _TS_BODY + r"(Z|z|[+-](0\d|1[0-3])(:?[0-5]\d)?|[+-]14(:?00)?)"
TS_ANY_OFFSET = _TS_BODY + r"[+-]\d{2}(:?\d{2})?"
# Instants must fall in years 0001-9999 in UTC: [0001-01-01, 10000-01-01) as epoch micros.
TS_MIN_US = -62135596800 * 10**6
TS_END_US = 253402300800 * 10**6
TS_NAIVE = r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?"
INTEGER = r"[+-]?[0-9]+"
TRUE_WORDS = ["true", "t", "yes", "y", "1"]
FALSE_WORDS = ["false", "f", "no", "n", "0"]

NAIVE_TYPES = {"TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "DATE"}
INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT",
                 "UINTEGER", "UBIGINT", "HUGEINT", "UHUGEINT"}
PARQUET_MAGIC = b"PAR1"


@dataclass(frozen=True)
class PlausibleRange:
    """An optional window every timestamp must fall in (`build --plausible-from DATE
    --plausible-to DATE`), both days included, in UTC; off by default. Timestamps outside
    it are quarantined as `implausible_timestamp`. Either end may be open (None)."""

    start: dt.date | None = None
    end: dt.date | None = None

    def __post_init__(self):
        if self.start is not None and self.end is not None and self.end < self.start:
            raise DataValidationError(
                f"--plausible-to {self.end} is before --plausible-from {self.start}")

    @property
    def from_us(self) -> int:
        return TS_MIN_US if self.start is None else _day_us(self.start)

    @property
    def end_us(self) -> int:  # exclusive: midnight UTC after the last day
        return TS_END_US if self.end is None else _day_us(self.end) + 86_400 * 10**6


def _day_us(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days * 86_400 * 10**6


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




SCAN_CHUNK = 1 << 20  # the CSV byte scan reads 1 MiB at a time (bounded memory)


def _check_file_bytes(path: Path) -> None:
    """File-level checks on the bytes. A Parquet file needs its magic at both ends. A CSV
    is scanned whole (in chunks, at memchr speed): a NUL byte anywhere makes it binary and
    a byte sequence that is not UTF-8 anywhere makes it not text, so a bad byte after the
    first megabyte is refused exactly like one on the first line."""
    size = path.stat().st_size
    if size == 0:
        raise DataValidationError(f"{path}: empty file (a CSV needs at least its header line)")
    with open(path, "rb") as f:
        head = f.read(4)
        if path.suffix == ".parquet":
            f.seek(max(size - 4, 0))
            tail = f.read(4)
            if head != PARQUET_MAGIC or tail != PARQUET_MAGIC:
                raise DataValidationError(f"{path}: not a Parquet file (no PAR1 magic bytes)")
            return
        if head == PARQUET_MAGIC:
            raise DataValidationError(f"{path}: not a CSV file (it is Parquet: rename it to .parquet)")
        f.seek(0)
        _scan_csv_bytes(path, f)


def _scan_csv_bytes(path: Path, f) -> None:
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = lines = 0
    blank = True
    while chunk := f.read(SCAN_CHUNK):
        nul = chunk.find(b"\x00")
        if nul >= 0:
            line = lines + chunk.count(b"\n", 0, nul) + 1
            raise DataValidationError(
                f"{path}: not a CSV file (binary content): a NUL byte at line {line}, byte {offset + nul}; "
                "save the table as UTF-8 text")
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            line = lines + chunk.count(b"\n", 0, max(exc.start, 0)) + 1
            raise DataValidationError(
                f"{path}: not UTF-8 text (line {line}, byte {offset + max(exc.start, 0)}); save the CSV as UTF-8") from None
        if blank and chunk.strip(b"\xef\xbb\xbf \t\r\n"):
            blank = False
        offset += len(chunk)
        lines += chunk.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise DataValidationError(f"{path}: not UTF-8 text (it ends inside a character); save the CSV as UTF-8") from None
    if blank:
        raise DataValidationError(f"{path}: empty file (a CSV needs at least its header line)")


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


# An impossible null string: empty fields read as '' (the checks turn them into NULL), so
# a field the padding added (NULL) is told apart from an empty one. A CSV holding a NUL
# byte never gets this far (_scan_csv_bytes).
NEVER_NULL = "\x00"
EXTRA = "__ck_extra_field"
RAW_CUT = 200  # characters of a raw row or line shown in a message, after the reason


def cut(text: str, limit: int = RAW_CUT) -> str:
    """`text` shortened to `limit` characters, saying how much was left out."""
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text) - limit} more characters)"


def duckdb_problem(exc: BaseException) -> str:
    """DuckDB's message in one line, the reason first: the original line it quotes (which
    may be megabytes long) goes last and cut, never before the reason; its list of
    possible fixes and reader settings (advice for DuckDB users, not ours) are dropped."""
    reasons, quoted = [], None
    for raw in str(exc).splitlines():
        text = raw.strip()
        if text.startswith("Possible"):  # "Possible fixes:", "Possible Solution: ..."
            break
        if re.match(r"\w+ = ", text):  # the reader's settings
            continue
        if text.startswith("Original Line:"):
            quoted = text[len("Original Line:"):].strip()
        elif text:
            reasons.append(text)
    msg = "; ".join(cut(r, 300) for r in reasons) or type(exc).__name__
    return f"{msg}; the line reads: {cut(quoted)}" if quoted is not None else msg


def _read_csv(con: duckdb.DuckDBPyConnection, src: str, path: Path, header: list[str]) -> None:
    """Read a CSV into the temp table `src`: every column VARCHAR, no sniffing, one more
    column than the header (EXTRA) and null padding, so that a row with an extra field,
    even an empty one, or with too few fields is found here and refused with its line
    (DuckDB itself accepts one trailing empty field)."""
    names = [*header, EXTRA]
    columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in names) + "}"
    # DuckDB's parallel reader refuses null padding when a quoted field holds a line break,
    # and the failure would abort the load's transaction: read serially when the file
    # has a quote character at all (one memchr pass), in parallel otherwise.
    parallel = "false" if _contains(path, b'"') else "true"
    con.execute(
        f'CREATE OR REPLACE TEMP TABLE "{src}" AS SELECT row_number() OVER () + 1 AS __line, * '
        f"FROM read_csv($path, columns = {columns}, auto_detect = false, header = true, "
        "delim = ',', quote = '\"', escape = '\"', encoding = 'utf-8', nullstr = $never, "
        f"null_padding = true, strict_mode = true, parallel = {parallel})",
        {"path": str(path), "never": NEVER_NULL},
    )
    # Names are ours (checked against the contract), not input.
    last = _q(header[-1])
    bad = con.execute(
        f'SELECT __line, {_q(EXTRA)} IS NOT NULL AS extra, {last} IS NULL AS short FROM "{src}" '
        f"WHERE {_q(EXTRA)} IS NOT NULL OR {last} IS NULL ORDER BY __line LIMIT 1").fetchall()
    if bad:
        line, extra, _ = bad[0]
        what = ("more fields than the header (an extra field, even an empty one, is not allowed)"
                if extra else "fewer fields than the header")
        raise DataValidationError(
            f"{path}: cannot be read as CSV: line {line}: {what}; every row has exactly "
            f"{len(header)} fields, as the header")


def _contains(path: Path, needle: bytes) -> bool:
    with open(path, "rb") as f:
        return any(needle in chunk for chunk in iter(lambda: f.read(SCAN_CHUNK), b""))


def _open_source(con: duckdb.DuckDBPyConnection, spec: Table, path: Path, src: str):
    """Check the header, then register `src` (a temp table for CSV, a temp view for
    Parquet). Returns (line expression, {column: type}, keep-alive relation)."""
    kind = "CSV" if path.suffix == ".csv" else "Parquet"
    try:
        if path.suffix == ".csv":
            header = _csv_header(path)
            _check_header(path, spec, header)
            _read_csv(con, src, path, header)
            rel, line = None, "src.__line"  # header is line 1; the scan keeps file order
            types = {c: "VARCHAR" for c in header}
        else:
            rel = con.read_parquet(str(path), file_row_number=True)
            rel.to_view(src)
            line = "file_row_number + 1"
            types = {name: typ for name, typ, *_ in con.sql(f'DESCRIBE "{src}"').fetchall()}
            types.pop("file_row_number", None)
            _check_header(path, spec, list(types))
    except duckdb.InterruptException:
        raise
    except duckdb.Error as exc:
        raise DataValidationError(f"{path}: cannot be read as {kind}: {duckdb_problem(exc)}") from None
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
                 reference_joins: bool = False, plausible: "PlausibleRange | None" = None):
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
            "ts_any_offset": TS_ANY_OFFSET, "ts_min_us": TS_MIN_US, "ts_end_us": TS_END_US,
        }
        self.plausible = plausible
        if plausible is not None:
            self.params.update(plausible_from_us=plausible.from_us, plausible_end_us=plausible.end_us)
        self.pre: list[str] = []      # p_<col>: the value as read, normalised (NULL if empty)
        self.pre_of: dict[str, str] = {}  # column -> its p_ expression alone (over `src`)
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
        self.pre_of[col.name] = pre
        self.typed.append(f"{typed} AS {v}")

        if col.required:
            add((col.name, "missing_value", f"{p} IS NULL"))
        if col.kind == TS:
            if st in NAIVE_TYPES:
                add((col.name, "naive_timestamp", f"{p} IS NOT NULL"))
            elif st != "TIMESTAMP WITH TIME ZONE":
                naive = (f"regexp_full_match({p}, $ts_naive) AND "
                         f"TRY_CAST({p} AS TIMESTAMP) IS NOT NULL")
                # a well-formed timestamp whose offset is outside +-14:00 (the cast is only
                # tried on the rows that failed, so valid rows pay nothing for it)
                offset = (f"regexp_full_match({p}, $ts_any_offset) AND "
                          f"TRY_CAST({p} AS TIMESTAMPTZ) IS NOT NULL")
                add((col.name, "naive_timestamp", f"{p} IS NOT NULL AND {v} IS NULL AND {naive}"))
                add((col.name, "timestamp_offset_out_of_range", f"{p} IS NOT NULL AND {v} IS NULL AND {offset}"))
                add((col.name, "unparseable_timestamp",
                     f"{p} IS NOT NULL AND {v} IS NULL AND NOT ({naive}) AND NOT ({offset})"))
            if st not in NAIVE_TYPES:
                add((col.name, "timestamp_out_of_range",
                     f"epoch_us({v}) < $ts_min_us OR epoch_us({v}) >= $ts_end_us"))
                if self.plausible is not None:
                    add((col.name, "implausible_timestamp",
                         f"epoch_us({v}) < $plausible_from_us OR epoch_us({v}) >= $plausible_end_us"))
        elif col.kind == INT:
            add((col.name, "not_an_integer", f"{p} IS NOT NULL AND {v} IS NULL"))
        elif col.kind == BOOL:
            add((col.name, "not_a_boolean", f"{p} IS NOT NULL AND {v} IS NULL"))
        if col.allowed is not None:
            a = col.allowed
            if a.subquery and not self.reference_joins:
                # DuckDB: the policy's values as a temporary ENUM type made from the policy
                # table itself (no value is formatted into SQL). A cast to it is one hash
                # lookup, where list_contains compares with each value in turn: with the
                # 55 jurisdiction codes, 7x the cost over 10M rows (bench/README.md).
                enum = _q(f"_ck_allowed_{self.spec.name}_{col.name}")
                self.con.execute(f"CREATE OR REPLACE TEMP TYPE {enum} AS ENUM ("
                                 f"SELECT DISTINCT v FROM ({a.subquery}) AS s(v) WHERE v IS NOT NULL ORDER BY v)")
                cond = f"TRY_CAST({v} AS {enum}) IS NULL"
            elif a.subquery:
                # Spark (engines/spark_load.py): the policy's values, read once and bound as a list
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
        # the reference checks come last: _load_checked applies them after the insert
        self.first_reference = len(self.checks)
        if self.reference_joins:
            for ref in spec.references:
                for t, k in ref.targets:
                    self.joins.append((_reference_alias(ref, t), t, k, "v_" + ref.column))
        self.checks.extend(self.reference_checks("v_"))

    def reference_checks(self, prefix: str) -> list[tuple[str, str, str]]:
        """(column, reason, condition) of every reference, on the columns named
        `prefix` + column: the typed values (`v_`) or the stored table's own columns ('').
        With reference_joins (Spark, typed values only), a target's key is the LEFT JOIN's
        column (typed_sql), NULL when the value is not there."""
        checks = []
        for ref in self.spec.references:
            v = _q(prefix + ref.column)
            if self.reference_joins:
                aliases = [_q(_reference_alias(ref, t)) for t, _ in ref.targets]
                missing = [f"{a} IS NULL" for a in aliases]
                found = [f"{a} IS NOT NULL" for a in aliases]
            else:
                missing = [f"{v} NOT IN (SELECT {_q(k)} FROM {_q(t)})" for t, k in ref.targets]
                found = [f"{v} IN (SELECT {_q(k)} FROM {_q(t)})" for t, k in ref.targets]
            checks.append((ref.column, ref.reason, f"{v} IS NOT NULL AND {' AND '.join(missing)}"))
            if ref.ambiguous_reason is not None:
                checks.append((ref.column, ref.ambiguous_reason, f"{v} IS NOT NULL AND {' AND '.join(found)}"))
        return checks

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

    def bad_sql(self, references: bool = True) -> str:
        """True for a row that fails any check (`references=False`: any check before the
        references)."""
        checks = self.checks if references else self.checks[:self.first_reference]
        return _any_true(cond for _, _, cond in checks)


def _reference_alias(ref: contract.Reference, target: str) -> str:
    return f"__ref_{ref.column}_{target}"


def _any_true(conditions) -> str:
    return " OR ".join(f"coalesce(({cond}), false)" for cond in conditions) or "false"


# ---------------------------------------------------------------- loading

def load_operational(
    con: duckdb.DuckDBPyConnection,
    data_dir: Path,
    strict: bool = False,
    echo: Callable[[str], None] | None = None,
    plausible: PlausibleRange | None = None,
) -> LoadReport:
    """Validate and load the five operational tables from `data_dir` into `con` (whose
    policy tables are already filled). Replaces whatever the tables held before.
    Raises DataValidationError on a file-level problem (a damaged file included), or
    (strict) on the first bad row. `plausible`: the optional window for timestamps."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataValidationError(f"{data_dir}: no such data folder")
    files = {t.name: locate(data_dir, t.name) for t in contract.TABLES}
    for path in files.values():
        _check_file_bytes(path)

    # Uniqueness is the loader's job, not an index's: the operational tables carry no
    # PRIMARY KEY (an ART index cost 3.8x a bare load of 10M records, bench/bench_load.py).
    # Each table finds the keys repeated among its valid rows once they are stored (one
    # cheap pass over the stored key column) and quarantines every copy of such a key.
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
            report.tables[spec.name] = _load_table(con, spec, files[spec.name], strict, plausible)
        con.commit()
        return report
    except BaseException:
        con.rollback()
        raise


def _load_table(con: duckdb.DuckDBPyConnection, spec: Table, path: Path, strict: bool,
                plausible: PlausibleRange | None = None) -> TableLoad:
    """Load one table (see _load_checked). A Parquet file whose pages cannot be decoded
    (an intact header and footer around a damaged body) fails only when its rows are
    read, here: that is a file error naming the file, not a crash."""
    try:
        return _load_checked(con, spec, path, strict, plausible)
    except duckdb.InterruptException:
        raise  # Ctrl-C / SIGTERM: not a damaged file (cli.run_group makes it exit 130)
    except duckdb.Error as exc:
        kind = "CSV" if path.suffix == ".csv" else "Parquet"
        raise DataValidationError(
            f"{path}: cannot be read as {kind} (is the file damaged?): {duckdb_problem(exc)}") from None


# At most this many sorted runs are compared by their ranges; a file in more pieces is hashed.
MAX_SORTED_RUNS = 1024


def _keys_in_disjoint_sorted_runs(con: duckdb.DuckDBPyConnection, table: str, key: str) -> bool:
    """True when the stored keys, in the one order a window `OVER ()` reads them, form a
    few strictly increasing runs whose ranges do not overlap: then no key repeats (within a
    run each key is greater than the one before; across runs the ranges are disjoint).
    Exact whatever that order is. A file exported sorted by its key (as database dumps by
    primary key are, and the synthetic sample is) is one run, or a few when the insert
    reorders blocks of it, and passes in one streaming pass without a hash table of every
    key; anything else goes on to the hashing in _find_repeated_keys. Keys are compared as
    bytes (`encode`), in DuckDB and here alike, whatever collation a session sets."""
    last = con.execute(f"SELECT count({key}) FROM {_q(table)}").fetchall()[0][0]
    if last == 0:
        return True
    # each run's first key (row 1 and every step down) and last key (the key before a
    # step down, and the last row's)
    rows = con.execute(
        f"SELECT n, before, k FROM (SELECT k, lag(k) OVER () AS before, row_number() OVER () AS n "
        f"FROM (SELECT encode({key}) AS k FROM {_q(table)} WHERE {key} IS NOT NULL) AS s) AS w "
        f"WHERE n = 1 OR n = $last OR before >= k LIMIT $limit",
        {"last": last, "limit": MAX_SORTED_RUNS + 2}).fetchall()
    by_row = {n: (before, k) for n, before, k in rows}
    steps = sorted(n for n, (before, k) in by_row.items() if before is not None and before >= k)
    if len(rows) > MAX_SORTED_RUNS or any(by_row[n][0] == by_row[n][1] for n in steps):
        return False  # too many pieces to compare, or two equal keys side by side
    firsts = [by_row[1][1]] + [by_row[n][1] for n in steps]
    lasts = [by_row[n][0] for n in steps] + [by_row[last][1]]
    ranges = sorted(zip(firsts, lasts))
    return all(end < start for (_, end), (start, _) in zip(ranges, ranges[1:]))


def _find_repeated_keys(con: duckdb.DuckDBPyConnection, table: str, key: str, rep: str) -> bool:
    """Fill the temp table `rep` with the keys that occur more than once among the rows just
    inserted into `table` (rows that passed every other check; the stored key is the
    checked one: trimmed, NULL if empty); True if there are any. Exact, in two steps: the
    64-bit hashes of the keys that repeat come first (grouping 10M integers read from the
    stored column costs less than grouping the strings, and far less than a second pass
    over the file); only when some hash repeats are its keys grouped for real, so a hash
    collision between two different keys is never taken for a duplicate. A table whose keys
    are stored in a few sorted, disjoint runs has none, and is not hashed at all."""
    if _keys_in_disjoint_sorted_runs(con, table, key):
        return False
    hashes = _q(f"_ck_hash_{table}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {hashes} AS SELECT hash({key}) AS h FROM {_q(table)} "
                f"WHERE {key} IS NOT NULL GROUP BY ALL HAVING count(*) > 1")
    candidates = con.execute(f"SELECT count(*) FROM {hashes}").fetchall()[0][0]
    where = f"{key} IS NOT NULL AND hash({key}) IN (SELECT h FROM {hashes})" if candidates else "false"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {rep} AS SELECT {key} AS k FROM {_q(table)} "
                f"WHERE {where} GROUP BY ALL HAVING count(*) > 1")
    con.execute(f"DROP TABLE IF EXISTS {hashes}")
    return candidates > 0 and con.execute(f"SELECT count(*) FROM {rep}").fetchall()[0][0] > 0


def _load_checked(con: duckdb.DuckDBPyConnection, spec: Table, path: Path, strict: bool,
                  plausible: PlausibleRange | None) -> TableLoad:
    """Load one table (into its emptied table, inside load_operational's transaction): the
    rows that pass every check are inserted in one pass; then the keys repeated among them
    are found on the stored key column, and every copy of such a key is taken out again and
    quarantined as a duplicate. The quarantine pass over the file runs only when some rows
    did not load."""
    src = f"_ck_src_{spec.name}"
    line, types, _keep = _open_source(con, spec, path, src)
    digest = sha256_file_started(path)  # read beside the load, not after it
    checks = _Checks(con, spec, types, plausible=plausible)
    params = checks.params
    typed = checks.typed_sql(src, line)
    key = _q("v_" + spec.key)
    stored_key = _q(spec.key)
    key_column = next(c for c in spec.columns if c.name == spec.key)
    assert key_column.kind == ID  # so the stored key is the checked (normalised) text
    source_file = str(path)
    table = _q(spec.name)
    cols = ", ".join(_q(c) for c in spec.column_names)
    vals = ", ".join(_q("v_" + c) for c in spec.column_names)
    raw = ", ".join(f"'{c}', CAST({_q('r_' + c)} AS VARCHAR)" for c in spec.column_names)
    good = f"NOT ({checks.bad_sql()})"
    rep = _q(f"_ck_rep_{spec.name}")
    # every copy of a key repeated among the valid rows, with its line and raw row (from the
    # file: only when some key repeats)
    dup_sql = (f"SELECT __line, {key} AS k, json_object({raw}) AS __raw FROM ({typed}) AS t "
               f"WHERE {key} IN (SELECT k FROM {rep}) AND {good}")

    if strict:
        first = _run(con,
            f"SELECT __line, __column, __reason, __raw FROM ({checks.checked_sql(src, line, False)}) AS c "
            f"ORDER BY __line LIMIT 1", params).fetchall()
        if first:
            n, column, reason, raw_row = first[0]
            # the reason first; the raw row (a field may be megabytes long) last and cut
            raise DataValidationError(
                f"{path}: line {n}, column {column}: {reason}; fix the row, or load without "
                f"--strict to quarantine invalid rows; the row: {cut(raw_row)}")

    read = con.execute(f"SELECT count(*) FROM {_q(src)}").fetchall()[0][0]
    # The references are checked on the stored rows, after the insert: as a filter of the
    # insert their joins would cost as much and scatter the rows' order, which the
    # repeated-key search below makes use of (_keys_in_disjoint_sorted_runs).
    inserted = _run(con, f"INSERT INTO {table} ({cols}) SELECT {vals} FROM ({typed}) AS t "
                         f"WHERE NOT ({checks.bad_sql(references=False)})", params).fetchall()[0][0]
    if spec.references:
        unreferenced = _any_true(cond for _, _, cond in checks.reference_checks(""))
        inserted -= con.execute(f"DELETE FROM {table} WHERE {unreferenced}").fetchall()[0][0]
    has_repeats = _find_repeated_keys(con, spec.name, stored_key, rep)
    dup = _q(f"_ck_dup_{spec.name}")
    if has_repeats:
        if strict:
            n, _, raw_row = _run(con, dup_sql + " ORDER BY __line LIMIT 1", params).fetchall()[0]
            raise DataValidationError(
                f"{path}: line {n}, column {spec.key}: duplicate_key; fix the row, or load without "
                f"--strict to quarantine invalid rows; the row: {cut(raw_row)}")
        _run(con, f"CREATE OR REPLACE TEMP TABLE {dup} AS {dup_sql}", params)
        con.execute(f"DELETE FROM {table} WHERE {stored_key} IN (SELECT k FROM {rep})")
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
    result = TableLoad(spec.name, source_file, digest.result(), read, loaded, by_reason)
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
