"""Report parameter contracts: each parameter declared once, with its name, kind, default,
help and allowed values; parsed once, here, into a typed value that travels down.

    CONTRACT = Contract("retention_compliance", (*common_parameters(engine=True),
        Param("horizon", Integer(minimum=0, maximum=3650), 30, "days ahead for upcoming deadlines"),
    ))
    p = CONTRACT.validate(globals(), StoreLookup(con))   # a notebook's first code cell
    p.as_of.end                                          # THE end of the as-of day
    CONTRACT.check({"horizon": "-5"}, {"horizon": True}, lookup)   # the runner: ParameterError

Who uses it: each analysis module declares its CONTRACT (registered in
compliance_kit.analysis.CONTRACTS); the runner checks -p and schedule values against it
before any kernel starts (reports/plan.py); the notebook checks the injected values with
the same call; `compliance-kit params` prints it. This module is the ground floor: it
imports nothing from analysis/, engines/ or reports/.

Where a parameter's values are data (jurisdiction codes, request types, categories,
systems), the allowed values come from the store through a StoreLookup. Codes are matched
case-insensitively and mapped to the store's spelling; a bloc stays a bloc (the SQL
expands it to its members through jurisdiction_lineage, in one place).
"""

from __future__ import annotations

import ast
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import duckdb

from .errors import ParameterError, UserError
from .paths import read_sql

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_SHOWN_VALUES = 12  # allowed values listed in full up to this many; longer lists are shortened


# --------------------------------------------------------------------------- the as-of day

@dataclass(frozen=True, order=True)
class AsOf:
    """The day a report is as of. THE definition of "the end of the as-of day": `end`, the
    next midnight UTC, exclusive. An event counts iff it happened strictly before `end`,
    i.e. at any time on `day` (UTC) or earlier. Every SQL file takes it as `$as_of_end`."""

    day: dt.date

    @property
    def end(self) -> dt.datetime:
        """The next midnight after `day`, UTC (timezone-aware): the exclusive bound."""
        return dt.datetime.combine(self.day + dt.timedelta(days=1), dt.time(), dt.timezone.utc)

    @property
    def end_us(self) -> int:
        """`end` in microseconds since 1970-01-01 UTC."""
        return (self.end - _EPOCH) // dt.timedelta(microseconds=1)

    def __str__(self) -> str:
        return self.day.isoformat()

    @classmethod
    def parse(cls, value, name: str = "as_of") -> "AsOf":
        """An AsOf from a date, an AsOf, or text: YYYY-MM-DD, 'today' or 'yesterday' (UTC).
        The one parser of the as-of date; ParameterError says what is allowed."""
        try:
            return cls._from(value)
        except Invalid as exc:
            raise exc.error(name, value) from None

    @classmethod
    def _from(cls, value) -> "AsOf":
        if isinstance(value, AsOf):
            return value
        if isinstance(value, str):
            text = value.strip().lower()
            today = dt.datetime.now(dt.timezone.utc).date()
            if text == "today":
                return cls(today)
            if text == "yesterday":
                return cls(today - dt.timedelta(days=1))
        return cls(_day(value, also="today or yesterday"))


class Invalid(Exception):
    """Why a value is refused, without the parameter's name (the Param adds it)."""

    def __init__(self, reason: str, show_value: bool = True):
        super().__init__(reason)
        self.reason, self.show_value = reason, show_value

    def error(self, name: str, value, where: str = "") -> ParameterError:
        tail = f", not {value!r}" if self.show_value else ""
        return ParameterError(f"parameter {name}{where} {self.reason}{tail}")


def _day(value, also: str = "") -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and len(value.strip()) == 10:  # not 20261031, not 2026-1-5
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:  # not a calendar date, e.g. 2026-02-30
            pass
    extra = f" (or {also})" if also else ""
    raise Invalid(f"must be a date written YYYY-MM-DD{extra}, e.g. 2026-10-31")


def parse_day(name: str, value) -> dt.date:
    """A calendar date given as a date or as text YYYY-MM-DD (exactly); ParameterError
    naming `name` otherwise."""
    try:
        return _day(value)
    except Invalid as exc:
        raise exc.error(name, value) from None


def literal_from_text(raw: str):
    """A value as written on a command line: JSON / Python literals when they parse
    (5, 2.5, true, None, ["FR","KR"]), else the text itself."""
    text = raw.strip()
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    for parse in (json.loads, ast.literal_eval):
        try:
            return parse(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    return raw


def _shorten(values) -> str:
    values = list(values)
    if len(values) <= _SHOWN_VALUES:
        return ", ".join(values)
    return ", ".join(values[:_SHOWN_VALUES]) + f", ... ({len(values)} in all; `compliance-kit params` lists them)"


# --------------------------------------------------------------------------- the store's values

class StoreLookup:
    """The allowed values that are data, read from the store once each (on first use):
    `jurisdictions` (the policy's codes and the codes seen in the data), `types`
    (request_types), `categories` (data_categories), `systems` (the systems in records)."""

    FILES = {"jurisdictions": "contract_jurisdictions.sql", "types": "contract_request_types.sql",
             "categories": "contract_categories.sql", "systems": "contract_systems.sql"}
    WHAT = {"jurisdictions": "jurisdiction codes (the policy's, blocs included, and those in the data)",
            "types": "request types (the store's request_types)",
            "categories": "data categories (the store's data_categories)",
            "systems": "systems (those holding records)"}

    def __init__(self, con):
        # `con`: the store's DuckDB connection. An engine over the store (compliance_kit.
        # engines, which this floor does not import) is taken by its store's connection.
        store = getattr(con, "store", None)
        self.con = getattr(store, "con", None) or getattr(con, "con", None) or con
        self._values: dict[str, dict[str, str]] = {}

    def canonical(self, source: str) -> dict[str, str]:
        """upper-case spelling -> the store's spelling, for the values of `source`."""
        if source not in self._values:
            try:
                rows = self.con.sql(read_sql(self.FILES[source])).fetchall()
            except duckdb.CatalogException as exc:
                raise UserError(f"the store has no table the {source} parameter is checked against "
                                f"({str(exc).splitlines()[0]}); rebuild it with `compliance-kit build`") from None
            spelling: dict[str, str] = {}
            for (value,) in rows:  # ordered by preference: the policy's spelling first
                if value is not None:
                    spelling.setdefault(str(value).upper(), str(value))
            self._values[source] = spelling
        return self._values[source]

    def allowed(self, source: str) -> list[str]:
        return sorted(self.canonical(source).values())


# --------------------------------------------------------------------------- kinds

class Kind:
    """How a parameter's value is written and checked. `parse(value, lookup)` -> the typed
    value (ParameterError naming what is allowed: the caller adds the parameter's name);
    `from_text(text)` -> the Python value a command line means; `plain(typed)` -> the value
    papermill injects (text, numbers, lists, None); `describe()` -> one line for people."""

    type_name = "any"

    def parse(self, value, lookup: StoreLookup | None):
        return value

    def from_text(self, text: str):
        return literal_from_text(text)

    def plain(self, typed):
        return typed

    def describe(self) -> str:
        return ""

    def allowed(self, lookup: StoreLookup | None) -> str:
        return self.describe()


class AsOfDate(Kind):
    """The required as-of date -> AsOf."""

    type_name = "date"

    def parse(self, value, lookup):
        if value is None:
            raise Invalid("is required: a date written YYYY-MM-DD, today or yesterday")
        return AsOf._from(value)

    def from_text(self, text):
        return text.strip()

    def plain(self, typed):
        return str(typed)

    def describe(self):
        return "YYYY-MM-DD, today or yesterday (UTC); the report counts what happened up to the end of that day"


class OptionalDate(Kind):
    type_name = "date or None"

    def parse(self, value, lookup):
        return None if value is None else _day(value)

    def from_text(self, text):
        return None if text.strip().lower() in ("none", "null", "") else text.strip()

    def plain(self, typed):
        return None if typed is None else typed.isoformat()

    def describe(self):
        return "YYYY-MM-DD or None"


@dataclass(frozen=True)
class Integer(Kind):
    minimum: int | None = None
    maximum: int | None = None
    type_name = "int"

    def parse(self, value, lookup):
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"must be a whole number ({self.describe()})")
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            raise Invalid(f"must be {self.describe()}")
        return value

    def describe(self):
        if self.minimum is not None and self.maximum is not None:
            return f"from {self.minimum} to {self.maximum}"
        if self.minimum is not None:
            return f"at least {self.minimum}"
        return f"at most {self.maximum}" if self.maximum is not None else "a whole number"


@dataclass(frozen=True)
class Choice(Kind):
    values: tuple[str, ...]
    type_name = "choice"

    def parse(self, value, lookup):
        if value not in self.values:
            raise Invalid(f"must be one of {', '.join(self.values)}")
        return value

    def from_text(self, text):
        return text.strip()

    def describe(self):
        return "one of " + ", ".join(self.values)


@dataclass(frozen=True)
class Text(Kind):
    """Free text or None: a path, a folder or URL, set by the runner or the analyst."""

    what: str = "text"
    type_name = "text or None"

    def parse(self, value, lookup):
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise Invalid(f"must be {self.what} or None")
        return value

    def from_text(self, text):
        return None if text.strip().lower() in ("none", "null") else text

    def describe(self):
        return f"{self.what} or None"


class CodeList(tuple):
    """Codes checked against the store and in its spelling: what Codes.parse returns, so
    a library function given one knows it needs no second look."""

    __slots__ = ()


@dataclass(frozen=True)
class Codes(Kind):
    """A list of codes whose allowed values are data (StoreLookup `source`), or None for
    all. Case-insensitive; each code becomes the store's spelling; an unknown code or an
    empty list is an error. The typed value is a CodeList (a tuple)."""

    source: str
    type_name = "list or None"

    def parse(self, value, lookup):
        if value is None:
            return None
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v.strip() for v in value):
            raise Invalid("must be None (all) or a list of codes, e.g. [\"FR\", \"EEA\"]")
        if not value:
            raise Invalid("is an empty list: pass None for all", show_value=False)
        if lookup is None:
            raise UserError(f"checking {self.source} needs the store (a StoreLookup)")
        spelling = lookup.canonical(self.source)
        unknown = [v for v in value if v.strip().upper() not in spelling]
        if unknown:
            raise Invalid(f"has unknown code(s) {unknown}; allowed: {_shorten(lookup.allowed(self.source))}",
                          show_value=False)
        out: list[str] = []
        for v in value:
            code = spelling[v.strip().upper()]
            if code not in out:
                out.append(code)
        return CodeList(out)

    def from_text(self, text):
        parsed = literal_from_text(text)
        if isinstance(parsed, str):  # FR,KR written without JSON
            return [v.strip() for v in parsed.split(",") if v.strip()]
        return parsed

    def plain(self, typed):
        return None if typed is None else list(typed)

    def describe(self):
        return f"None (all) or a list of {StoreLookup.WHAT[self.source]}, case-insensitive"

    def allowed(self, lookup):
        if lookup is None:
            return self.describe()
        return "None (all) or a list of: " + ", ".join(lookup.allowed(self.source))


# --------------------------------------------------------------------------- contracts

@dataclass(frozen=True)
class Param:
    name: str
    kind: Kind
    default: Any
    help: str = ""

    def parse(self, value, lookup, where: str = ""):
        """The typed value; ParameterError naming the parameter (`where`: " of REPORT"),
        what is allowed and the value given."""
        try:
            return self.kind.parse(value, lookup)
        except Invalid as exc:
            raise exc.error(self.name, value, where) from None


class Parameters:
    """The validated, typed values of a contract: attribute access (`p.as_of`), immutable,
    and nothing displayed when it ends a notebook cell."""

    __slots__ = ("_values", "_contract")

    def __init__(self, contract: str, values: dict):
        object.__setattr__(self, "_contract", contract)
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"{self._contract} has no parameter {name!r}") from None

    def __setattr__(self, name, value):
        raise AttributeError("validated parameters are read-only")

    def __getitem__(self, name):
        return self._values[name]

    def as_dict(self) -> dict:
        return dict(self._values)

    def __repr__(self):
        return f"Parameters({self._contract}: " + ", ".join(f"{k}={v!r}" for k, v in self._values.items()) + ")"

    def _ipython_display_(self):
        return None


Check = Callable[[Parameters], None]


@dataclass(frozen=True)
class Contract:
    """The parameters of one report, and the checks that span several of them."""

    name: str
    params: tuple[Param, ...]
    checks: tuple[Check, ...] = field(default=())

    def __post_init__(self):
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"contract {self.name}: a parameter is declared twice")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def validate(self, values: Mapping, lookup: StoreLookup | None) -> Parameters:
        """Every parameter of the contract from `values` (a notebook's globals(), or a dict;
        a missing one takes its default), parsed; ParameterError on the first mistake."""
        typed = {p.name: p.parse(values.get(p.name, p.default), lookup) for p in self.params}
        out = Parameters(self.name, typed)
        for check in self.checks:
            check(out)
        return out

    def check(self, overrides: Mapping, from_cli: Mapping | None, lookup: StoreLookup | None) -> dict:
        """For the runner: the overrides of this contract's parameters (command-line text
        converted when `from_cli[name]`), checked together with the defaults of the rest;
        returns the plain values to inject (codes in the store's spelling, dates as text)."""
        from_cli = from_cli or {}
        given = {}
        for name, value in overrides.items():
            if name not in self.names:
                continue
            if from_cli.get(name) and isinstance(value, str):
                value = self.param(name).kind.from_text(value)
            given[name] = value
        where = f" of {self.name}"
        typed = {}
        for p in self.params:
            value = given.get(p.name, p.default)
            typed[p.name] = p.parse(value, lookup, where)
        parsed = Parameters(self.name, typed)
        for check in self.checks:
            try:
                check(parsed)
            except ParameterError as exc:
                raise ParameterError(f"{self.name}: {exc}") from None
        return {name: self.param(name).kind.plain(typed[name]) for name in given}

    def rows(self, lookup: StoreLookup | None = None) -> list[dict]:
        """One row per parameter, for `compliance-kit params` and the README."""
        return [{"name": p.name, "type": p.kind.type_name, "default": p.default,
                 "allowed": p.kind.allowed(lookup), "help": p.help} for p in self.params]

    def markdown(self, lookup: StoreLookup | None = None) -> str:
        """The contract as a Markdown table (the README's tables are this text): name,
        type, default, allowed values (the store's, given a lookup) and help."""
        lines = [f"### {self.name}", "",
                 "| parameter | type | default | allowed | help |", "|---|---|---|---|---|"]
        for row in self.rows(lookup):
            cells = [f"`{row['name']}`", row["type"], _shown_default(row["default"]), row["allowed"], row["help"]]
            lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
        return "\n".join(lines) + "\n"


def _shown_default(value) -> str:
    return "None" if value is None else (f'"{value}"' if isinstance(value, str) else str(value))


def adapt_codes(param: Param, value, lookup: StoreLookup | None):
    """A code list handed to a library function: a CodeList (checked by a contract) as is;
    else the contract's parser when the store is at hand ('fr' -> 'FR', 'EEAA' refused, as
    in the notebook); without a store, its shape only. The thin adapter every analysis
    uses for callers who pass plain lists."""
    if value is None or isinstance(value, CodeList):
        return value
    if lookup is not None:
        return param.parse(value, lookup)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ParameterError(f"parameter {param.name} must be None (all) or a list of codes, not {value!r}")
    if not value:
        raise ParameterError(f"parameter {param.name} is an empty list: pass None for all")
    return tuple(value)


# --------------------------------------------------------------------------- the common parameters

CHART_RENDERERS = ("svg", "png")
ENGINES = ("duckdb", "spark")
# The largest k a report accepts: a threshold above the size of any real group would hide
# every count (a page of blanks); a bound also keeps a 20-digit k from reaching a kernel.
MAX_K = 1000


def common_parameters(*, as_of_help: str = "the report counts what happened up to the end of this day (UTC)",
                      engine: bool = False) -> tuple[Param, ...]:
    """The parameters every report notebook has; with `engine`, also engine, spark_data
    and spark_url (docs/scale-out.md)."""
    out = (
        Param("db_path", Text("a path to the store"), None,
              "the DuckDB store; None: data/compliance.duckdb found from the working directory, "
              "or $COMPLIANCE_KIT_DB (the runner sets it)"),
        Param("as_of", AsOfDate(), "2026-10-31", as_of_help),
        Param("k", Integer(minimum=1, maximum=MAX_K), 5, "counts from 1 to k-1 are hidden on shared pages"),
        Param("metrics_path", Text("a path"), None, "where the exact headline figures go (the runner sets it)"),
        Param("chart_renderer", Choice(CHART_RENDERERS), "svg", "how charts are drawn in the notebook"),
    )
    if engine:
        out += (
            Param("engine", Choice(ENGINES), "duckdb", "where the pass over the data runs (spark needs spark_data)"),
            Param("spark_data", Text("a folder or URL"), None,
                  "for Spark: the folder or URL holding one Parquet file per table, e.g. data/sample"),
            Param("spark_url", Text("a URL"), None,
                  "for Spark: None for local[2], sc://host:15002 for Spark Connect, or a master URL"),
        )
    return out


def spark_needs_data(p: Parameters) -> None:
    """engine='spark' reads the data from spark_data."""
    if p.engine == "spark" and not p.spark_data:
        raise ParameterError("parameter engine='spark' needs spark_data: the folder or URL holding "
                             "<table>.parquet (e.g. data/sample or s3a://bucket/inventory)")


def window_in_order(p: Parameters) -> None:
    """window_start <= window_end, and the window starts no later than as_of."""
    if p.window_start and p.window_end and p.window_end < p.window_start:
        raise ParameterError(f"parameter window_end ({p.window_end}) is before window_start "
                             f"({p.window_start}): swap them")
    if p.window_start and p.window_start > p.as_of.day:
        raise ParameterError(f"parameter window_start ({p.window_start}) is after as_of ({p.as_of}): "
                             "nothing to report")
