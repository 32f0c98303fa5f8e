"""DuckDB SQL -> Spark SQL, by sqlglot plus a small set of AST transforms.

The metric queries are written once, for DuckDB (lib/compliance_kit/sql/*.sql). For Spark
they go through `sqlglot.parse_one(sql, read="duckdb")`, the transforms below, and
`.sql(dialect="spark")`. Every transform is listed here; anything else sqlglot cannot
carry makes `to_spark` raise `TranspileError` naming the query (never a silent
rewrite into something that computes a different number).

Transforms (sqlglot 30 leaves these untranslated or translates them into a form Spark
rejects):

1. `epoch_us(ts)` -> `unix_micros(ts)` (microseconds since the epoch; sqlglot keeps
   `epoch_us` as an unknown function). `make_timestamp(us)` is already carried by
   sqlglot as `timestamp_micros(us)`.
2. A sum of `n * INTERVAL '1' <unit>` terms that mixes months with days/hours (DuckDB's
   INTERVAL holds both; Spark's ANSI year-month and day-time intervals cannot be added)
   -> `make_interval(0, months, 0, days, hours, 0, 0)` (Spark's calendar interval).
3. CTEs nested in subqueries are moved to the top (as sqlglot's Spark writer does) and
   identical repeats dropped: composed queries (retention's cube reads `resolved_rules`
   both itself and through `status`) would otherwise define a name twice. Two
   *different* definitions under one name raise TranspileError.
4. DuckDB-only forms of intervals and instants: `x + INTERVAL (expr) DAY|HOUR|MONTH|...`
   (a non-literal amount) and `to_hours(n)`/`to_days(n)`/`to_months(n)` ->
   `make_interval(...)` (Spark's calendar interval: date + days stays a date, timestamp +
   hours a timestamp, as in DuckDB); `make_timestamptz(us)` -> `timestamp_micros(us)`.
5. Macros: given `macros` (the text of a file of `CREATE ... MACRO name(args) AS expr`
   statements, e.g. requests_macros.sql), every call `name(a, ...)` is replaced by the
   macro's body with its arguments substituted (parenthesised), before the other
   transforms; macros may call earlier macros.
6. Bound parameters: DuckDB `$name` becomes Spark's named marker `:name` (sqlglot), and
   values travel as `spark.sql(..., args=...)`: lists as `array(lit, ...)`, the rest as
   literals. Spark cannot bind a NULL array, so a parameter bound to None is replaced in
   the AST by a typed NULL: `CAST(NULL AS ARRAY<STRING>)` where an array is expected
   (array_contains, a cast to an array), `NULL` elsewhere. No value from input is ever
   formatted into the SQL text.
7. Exact percentiles: DuckDB's `quantile_cont(x, p)` (one fraction) and `median(x)` ->
   Spark's `percentile(x, p)`. Both are exact and interpolate the same way (position
   (n - 1) * p between the two nearest values); sqlglot's own translation would be
   `percentile_cont(x, p)`, which Spark does not accept. Spark's `percentile` keeps a count
   per distinct value of each group: cheap for whole days (what the kit feeds it), costly
   for a column with millions of distinct values.
8. `regexp_full_match(x, p)` -> `x RLIKE concat('^(?:', p, ')$')`: DuckDB's match is of
   the whole value, Spark's RLIKE finds a match anywhere (sqlglot keeps the DuckDB name,
   which Spark does not know). The kit's patterns are plain character classes, read the
   same by RE2 and Java regular expressions.
9. `json_object('k', v, ...)` -> `to_json(map('k', v, ...))` (the loader's raw row of a
   quarantined line: every value is text, NULLs kept as null).
10. Time zones (local days of requests, requests_macros.sql): DuckDB's `timezone(zone, x)`
   converts both ways, by the type of `x`. An instant (TIMESTAMPTZ) -> its wall time in the
   zone: Spark's `from_utc_timestamp(x, zone)`; a wall time written as an explicit
   `CAST(... AS TIMESTAMP)` -> the instant it is in the zone: `to_utc_timestamp(x, zone)`.
   Both engines read the IANA zone database (DST-safe).
11. ENUM types (DuckDB stores a value of a fixed vocabulary in one byte: requests_status.sql):
   Spark has none and keeps the string. `CAST(x AS ENUM(...))` -> `x`;
   `TRY_CAST(x AS ENUM('a', ...))` (NULL for a value outside the list) ->
   `CASE WHEN x IN ('a', ...) THEN x END`; `CAST(x AS name_enum)`, a cast to an ENUM type
   the DuckDB engine declared (`Engine.declare_enum`, which does nothing on Spark) -> `x`.

Refused (TranspileError): the other percentile forms (`quantile_cont(x, [list])`,
`quantile_disc`, `percentile_cont(p) WITHIN GROUP (...)`, which sqlglot turns into an
approximate one), DDL (`CREATE MACRO`, temp tables),
`QUALIFY`, and any function sqlglot could not map (an `Anonymous` node) outside the
short list of names both engines know.
"""

from __future__ import annotations

import datetime as dt

import sqlglot
from sqlglot import exp
from sqlglot.transforms import move_ctes_to_top_level

from ..errors import UserError


class TranspileError(UserError):
    """A query cannot be carried to Spark; the message names the query and the construct."""


# Functions sqlglot leaves as plain names that Spark knows under the same name.
SAME_NAME = {"unix_micros", "timestamp_micros", "make_interval", "pow", "power", "ln", "percentile",
             "concat", "to_json", "map", "from_utc_timestamp", "to_utc_timestamp"}

_MONTH_UNITS = {"MONTH", "YEAR"}
_SUB_MONTH = {"DAY": "days", "HOUR": "hours", "MINUTE": "mins"}


def _interval_term(node: exp.Expression):
    """`n * INTERVAL '1' unit` -> (n, unit) or None."""
    if not isinstance(node, exp.Mul):
        return None
    for num, iv in ((node.this, node.expression), (node.expression, node.this)):
        if isinstance(iv, exp.Interval) and iv.unit is not None:
            value = iv.this
            if isinstance(value, exp.Literal) and value.name == "1":
                return num, iv.unit.name.upper()
    return None


def _flatten_add(node: exp.Expression) -> list[exp.Expression]:
    if isinstance(node, exp.Add):
        return _flatten_add(node.this) + _flatten_add(node.expression)
    if isinstance(node, exp.Paren):
        return _flatten_add(node.this)
    return [node]


def _mixed_interval_sum(node: exp.Expression):
    """Transform 2: a sum of interval terms mixing months with days/hours."""
    if not isinstance(node, exp.Add) or isinstance(node.parent, exp.Add):
        return node
    terms = [_interval_term(t) for t in _flatten_add(node)]
    if not terms or any(t is None for t in terms):
        return node
    units = {u for _, u in terms}
    if not (units & _MONTH_UNITS and units & set(_SUB_MONTH)):
        return node
    parts = {"years": [], "months": [], "days": [], "hours": [], "mins": []}
    for num, unit in terms:
        key = {"YEAR": "years", "MONTH": "months"}.get(unit) or _SUB_MONTH.get(unit)
        if key is None:
            return node
        parts[key].append(num.copy())

    def total(nums):
        if not nums:
            return exp.Literal.number(0)
        out = nums[0]
        for n in nums[1:]:
            out = exp.Add(this=out, expression=n)
        return out

    args = [total(parts["years"]), total(parts["months"]), exp.Literal.number(0),
            total(parts["days"]), total(parts["hours"]), total(parts["mins"]),
            exp.Literal.number(0)]
    return exp.Anonymous(this="make_interval", expressions=args)


def _epoch_us(node: exp.Expression):
    """Transform 1."""
    if isinstance(node, exp.Anonymous) and node.name.lower() == "epoch_us":
        return exp.Anonymous(this="unix_micros", expressions=[a.copy() for a in node.expressions])
    return node


_UNIT_SLOT = {"YEAR": 0, "MONTH": 1, "WEEK": 2, "DAY": 3, "HOUR": 4, "MINUTE": 5, "SECOND": 6}
_TO_UNIT = {"to_years": "YEAR", "to_months": "MONTH", "to_weeks": "WEEK", "to_days": "DAY",
            "to_hours": "HOUR", "to_minutes": "MINUTE", "to_seconds": "SECOND"}


def _make_interval(amount: exp.Expression, unit: str) -> exp.Expression:
    args = [exp.Literal.number(0) for _ in range(7)]
    args[_UNIT_SLOT[unit]] = amount
    return exp.Anonymous(this="make_interval", expressions=args)


def _intervals_and_instants(node: exp.Expression):
    """Transform 4."""
    if isinstance(node, exp.Interval) and node.unit is not None:
        unit = node.unit.name.upper().rstrip("S")
        if not isinstance(node.this, exp.Literal) and unit in _UNIT_SLOT:
            amount = node.this.this if isinstance(node.this, exp.Paren) else node.this
            return _make_interval(amount.copy(), unit)
    if isinstance(node, exp.Anonymous):
        name = node.name.lower()
        if name in _TO_UNIT and len(node.expressions) == 1:
            return _make_interval(node.expressions[0].copy(), _TO_UNIT[name])
        if name == "make_timestamptz" and len(node.expressions) == 1:
            return exp.Anonymous(this="timestamp_micros", expressions=[node.expressions[0].copy()])
    return node


def _exact_percentile(node: exp.Expression):
    """Transform 7."""
    if isinstance(node, exp.Median) and not node.expressions:
        return exp.Anonymous(this="percentile", expressions=[node.this.copy(), exp.Literal.number(0.5)])
    if (isinstance(node, exp.PercentileCont) and not isinstance(node.parent, exp.WithinGroup)
            and node.expression is not None and isinstance(node.expression, exp.Literal)
            and not node.expression.is_string):
        return exp.Anonymous(this="percentile", expressions=[node.this.copy(), node.expression.copy()])
    return node


def _regexp_and_json(node: exp.Expression):
    """Transforms 8 and 9."""
    if isinstance(node, exp.RegexpFullMatch):
        anchored = exp.Anonymous(this="concat", expressions=[
            exp.Literal.string("^(?:"), node.expression.copy(), exp.Literal.string(")$")])
        return exp.RegexpLike(this=node.this.copy(), expression=anchored)
    if isinstance(node, exp.JSONObject):
        args = []
        for kv in node.expressions:
            if not isinstance(kv, exp.JSONKeyValue):
                return node
            args += [kv.this.copy(), kv.expression.copy()]
        return exp.Anonymous(this="to_json", expressions=[exp.Anonymous(this="map", expressions=args)])
    return node


def _time_zone(node: exp.Expression):
    """Transform 10."""
    if isinstance(node, exp.Anonymous) and node.name.lower() == "timezone" and len(node.expressions) == 2:
        # the arguments are copies the outer transform will not visit: convert them first
        zone, value = (a.copy().transform(_time_zone) for a in node.expressions)
        inner = value
        while isinstance(inner, exp.Paren):  # macro arguments arrive parenthesised
            inner = inner.this
        wall_time = isinstance(inner, exp.Cast) and inner.to.this in (
            exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPNTZ)
        name = "to_utc_timestamp" if wall_time else "from_utc_timestamp"
        return exp.Anonymous(this=name, expressions=[value, zone])
    return node


def _declared_enum(to: exp.DataType) -> bool:
    return (to.this == exp.DataType.Type.USERDEFINED
            and str(to.args.get("kind", "")).lower().endswith("_enum"))


def _enum_as_string(node: exp.Expression):
    """Transform 11."""
    if isinstance(node, exp.Cast) and not isinstance(node, exp.TryCast) and _declared_enum(node.to):
        return node.this.copy()
    if isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.ENUM:
        value = node.this.copy()
        if isinstance(node, exp.TryCast):
            values = [v.copy() for v in node.to.expressions]
            return exp.Case(ifs=[exp.If(this=exp.In(this=value.copy(), expressions=values),
                                        true=value)])
        return value
    return node


def parse_macros(text: str) -> dict[str, tuple[list[str], exp.Expression]]:
    """name -> (argument names, body) of every `CREATE ... MACRO` in `text`."""
    macros = {}
    for stmt in sqlglot.parse(text, read="duckdb"):
        if stmt is None:
            continue
        udf = stmt.this if isinstance(stmt, exp.Create) else None
        if udf is None or str(stmt.args.get("kind", "")).upper() != "MACRO":
            raise TranspileError(f"macros: not a CREATE MACRO statement: {stmt.sql()[:80]}")
        name = udf.this.name.lower()
        args = [a.name for a in udf.expressions]
        body = _inline(stmt.expression, macros)  # earlier macros inside this one
        macros[name] = (args, body)
    return macros


def _inline(tree: exp.Expression, macros: dict) -> exp.Expression:
    """Transform 5."""
    def sub(node):
        if isinstance(node, exp.Anonymous) and node.name.lower() in macros:
            names, body = macros[node.name.lower()]
            if len(names) != len(node.expressions):
                raise TranspileError(f"macro {node.name} takes {len(names)} argument(s)")
            # a macro call inside an argument (rq_local_midnight(rq_local_day(ts, tz) + 1, tz))
            # is inlined first: the substituted argument is not visited again
            values = {n: _inline(v.copy(), macros) for n, v in zip(names, node.expressions)}

            def put(n):
                if isinstance(n, exp.Column) and not n.table and n.name in values:
                    return exp.Paren(this=values[n.name].copy())
                return n
            return exp.Paren(this=body.copy().transform(put))
        return node
    return tree.transform(sub)


def _null_for(node: exp.Placeholder) -> exp.Expression:
    parent = node.parent
    if isinstance(parent, exp.Cast):
        return exp.Null()
    if isinstance(parent, exp.ArrayContains) and parent.this is node:
        return exp.Cast(this=exp.Null(), to=exp.DataType.build("ARRAY<STRING>", dialect="spark"))
    return exp.Null()


def _refuse(name: str, tree: exp.Expression) -> None:
    def fail(what: str):
        raise TranspileError(f"query {name!r} cannot run on Spark yet: {what} "
                             "(see docs/scale-out.md)")

    for node in tree.walk():
        if isinstance(node, (exp.PercentileCont, exp.PercentileDisc, exp.Quantile,
                             exp.ApproxQuantile, exp.Median)):
            fail(f"{node.key} (sqlglot would not keep an exact percentile exact)")
        if isinstance(node, exp.Qualify):
            fail("QUALIFY")
        if isinstance(node, exp.Anonymous) and node.name.lower() not in SAME_NAME:
            fail(f"function {node.name}() has no Spark translation")
        if isinstance(node, exp.Create):
            fail("DDL (CREATE ...: macros and temp tables)")
        if isinstance(node, exp.Parameter):
            fail(f"parameter {node.sql()} was not turned into a named marker")


def _dedupe_ctes(name: str, tree: exp.Expression) -> exp.Expression:
    tree = move_ctes_to_top_level(tree)
    with_ = tree.args.get("with_") or tree.args.get("with")
    if not with_:
        return tree
    seen: dict[str, str] = {}
    for cte in list(with_.expressions):
        key = cte.alias_or_name
        text = cte.this.sql(dialect="duckdb")
        if key in seen:
            if seen[key] != text:
                raise TranspileError(f"query {name!r}: two different CTEs named {key!r}")
            cte.pop()
        else:
            seen[key] = text
    return tree


def transform(sql: str, name: str, params: dict | None = None, macros: str | None = None) -> exp.Expression:
    """Parse DuckDB SQL and apply the transforms; returns the Spark-ready AST."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.ParseError as e:
        raise TranspileError(f"query {name!r}: sqlglot cannot parse it: {e}") from None
    if len(statements) != 1:
        raise TranspileError(f"query {name!r}: {len(statements)} statements; Spark runs one query at a time")
    tree = statements[0]
    if macros:
        tree = _inline(tree, parse_macros(macros))
    tree = _dedupe_ctes(name, tree)
    tree = tree.transform(_epoch_us)
    tree = tree.transform(_intervals_and_instants)
    tree = tree.transform(_mixed_interval_sum)
    tree = tree.transform(_exact_percentile)
    tree = tree.transform(_regexp_and_json)
    tree = tree.transform(_time_zone)
    tree = tree.transform(_enum_as_string)
    params = params or {}
    for ph in list(tree.find_all(exp.Placeholder)):
        if ph.name and ph.name in params and params[ph.name] is None:
            ph.replace(_null_for(ph))
    _refuse(name, tree)
    return tree


def to_spark(sql: str, name: str, params: dict | None = None,
             macros: str | None = None) -> tuple[str, list[str]]:
    """(Spark SQL text, names of the parameter markers it still reads)."""
    tree = transform(sql, name, params, macros)
    markers = sorted({ph.name for ph in tree.find_all(exp.Placeholder) if ph.name})
    missing = [m for m in markers if m not in (params or {})]
    if missing:
        raise TranspileError(f"query {name!r} needs parameter(s) {missing}")
    return tree.sql(dialect="spark", comments=False), markers


def spark_args(params: dict, markers: list[str]) -> dict:
    """Values for `spark.sql(text, args=...)`: lists as array(lit...), the rest literal."""
    from pyspark.sql import functions as F

    out = {}
    for name in markers:
        value = params[name]
        if isinstance(value, (list, tuple)):
            out[name] = F.array(*[F.lit(v) for v in value])
        elif isinstance(value, dt.datetime) and value.tzinfo is None:
            # naive = UTC in this kit; Spark reads a naive datetime in the session zone (UTC)
            out[name] = F.lit(value)
        else:
            out[name] = F.lit(value)
    return out
