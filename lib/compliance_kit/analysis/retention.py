"""Retention compliance: does every record of the inventory get erased when the policy
promises? Thin Python over sql/retention_*.sql, returning Polars.

    run = retention.evaluate(con, "2026-10-31")            # one pass: the metric cube
    retention.headline(run)                                 # figures for metrics.json
    retention.status_counts(run, by="category")             # counts and rates per status
    retention.ageing(run); retention.lag_percentiles(run); retention.trend(run)
    retention.top_systems(run, n=10); retention.upcoming(run)
    retention.record_status(con, "2026-10-31")              # the verdict per record
    retention.compare_rule_sets(run)                        # table vs text vs strictest (from the cube)
    retention.verdict_changes(run)                          # records whose status the reading changes
    retention.policy_conflicts(con)                         # where the policy contradicts itself

What a shared page shows (counts from 1 to k-1 hidden, secondary suppression where a total
is shown, rates over a small base blanked, values escaped; docs/sharing.md) comes from the
"shared views" below: `headline_markdown`, `shared_status_table`, `lag_percentile_table`,
`ageing_table`, `top_systems_table`, `upcoming_markdown` / `upcoming_table`, `case_list`,
`compare_table`, `verdict_changes_table`, `rules_table`; every chart takes `k` and draws
no group under it.

How the verdict is reached (the rules, clocks and statuses) is in
sql/retention_status.sql (statuses by number: sql/retention_status_names.sql) and
docs/metrics-retention.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import altair as alt
import duckdb
import polars as pl

from .. import engines, sql_compose
from ..charts import STATUS_COLOURS, status_legend, status_scale
from ..contract import (AsOf, Choice, Codes, CodeList, Contract, Integer, Param, StoreLookup,
                        common_parameters, spark_needs_data)
from ..engines import Engine
from ..errors import ParameterError
from .. import cases as cases_rule
from ..figures import column_label, format_count, format_value, headline_frame, shown_section
from ..privacy.escaping import md
from ..privacy.linked import protect_linked
from ..privacy.pseudonyms import pseudonymise
from ..privacy.suppression import (HIDDEN, check_k, is_small, protect_table, rate_shown,
                                   small_label, statistic_shown)

STATUSES = (
    "erased_on_time", "erased_late", "overdue", "clock_running", "no_trigger",
    "conflict", "on_legal_hold",
)
# Which erase_within rule sets (the column retention_rules.rule_set) each reading of the
# policy evaluates. Addenda prevail for their territory in every reading; recipient rules
# bind recipients, not us.
READINGS = {
    "strictest": ["retention_table", "retention_text", "addendum"],
    "retention_table": ["retention_table", "addendum"],
    "retention_text": ["retention_text", "addendum"],
}
# Each reading's slot in the SQL (retention_reading.sql is written once per slot, so one
# pass over the records gives every reading's verdict).
SLOTS = {"strictest": "strictest", "retention_table": "table", "retention_text": "text"}
READING_STATUS = {name: f"status_{slot}" for name, slot in SLOTS.items()}  # the cube's columns
AGEING_BUCKETS = ("0-7", "8-30", "31-90", ">90")
LAG_BIN = 0.001  # width of the lag histogram's bins on [-2, 2), as a share of the allowed delay
LAG_ERROR_BOUND = LAG_BIN / 2  # on [-2, 2); beyond, 0.05% of the value (bins 0.1% wide)
# oldest_overdue reads first the records whose deadline could be among this many earliest
# possible deadlines (per row asked for, plus a floor): enough that the list nearly always
# fills from them, few enough that the records read are a few thousand (a bound, not a
# figure: the list is the same whatever they are). The earliest possible deadlines are
# those of accounts and event subjects, whatever the filters keep of their records, so
# with a filter the count is multiplied: at 10M records, a scope of 1% of them (one system,
# one category) then still fills its list on the first read.
OLDEST_CANDIDATES_PER_ROW = 16
OLDEST_CANDIDATES_MIN = 256
OLDEST_CANDIDATES_FILTERED = 64


# --------------------------------------------------------------------------- params

# The report's parameters, declared once: the runner checks -p and schedule values against
# them before any kernel starts, the notebook's first cell validates with the same call.
CONTRACT = Contract("retention_compliance", (
    *common_parameters(as_of_help="the verdict is taken at the end of this day (UTC)", engine=True),
    Param("jurisdictions", Codes("jurisdictions"), None,
          "e.g. [\"EEA\", \"KR\"]: a bloc keeps its members; None: all"),
    Param("categories", Codes("categories"), None, "e.g. [\"account_data\", \"support_tickets\"]; None: all"),
    Param("systems", Codes("systems"), None, "e.g. [\"crm\"]; None: all"),
    Param("horizon", Integer(minimum=0, maximum=3650), 30, "days ahead for upcoming deadlines"),
    Param("reading", Choice(tuple(READINGS)), "strictest",
          "how the policy is read: strictest (table and text, earliest deadline), "
          "retention_table or retention_text"),
), checks=(spark_needs_data,))


def _codes(name: str, value, lookup: StoreLookup | None):
    """A code list from a library caller: already checked by the contract (a CodeList)
    as is; else through the contract's own parser when the store is at hand (so "fr" is
    FR and "EEAA" an error, as in the notebook), else only its shape."""
    if value is None or isinstance(value, CodeList):
        return value
    if lookup is not None:
        return CONTRACT.param(name).parse(value, lookup)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ParameterError(f"parameter {name} must be a list of codes or None, not {value!r}")
    if not value:
        raise ParameterError(f"parameter {name} is an empty list: pass None for all")
    return tuple(value)


def rule_sets_for(reading: str) -> list[str]:
    """The rule sets (retention_rules.rule_set) the reading evaluates."""
    if reading not in READINGS:
        raise ParameterError(f"parameter reading must be one of {', '.join(READINGS)}, not {reading!r}")
    return READINGS[reading]


def reading_params(reading: str) -> dict:
    """The SQL parameters of the readings: every reading's rule sets (retention_rules.sql
    resolves them all at once) and `$slot`, the reading whose verdict a query returns."""
    rule_sets_for(reading)
    return {"slot": SLOTS[reading],
            **{f"rule_sets_{SLOTS[name]}": list(sets) for name, sets in READINGS.items()}}


@dataclass(frozen=True)
class Scope:
    """What a verdict is asked about: the as-of day, the reading of the policy, filters."""

    as_of: AsOf
    reading: str = "strictest"
    jurisdictions: tuple[str, ...] | None = None
    categories: tuple[str, ...] | None = None
    systems: tuple[str, ...] | None = None
    horizon_days: int = 30

    @classmethod
    def make(cls, as_of, reading="strictest", jurisdictions=None, categories=None,
             systems=None, horizon_days=30, lookup: StoreLookup | None = None) -> "Scope":
        """Typed values (from CONTRACT.validate) pass through; text from library callers
        goes through the contract's parsers (`lookup`: the store, for the codes)."""
        rule_sets_for(reading)
        return cls(
            as_of=AsOf.parse(as_of),
            reading=reading,
            jurisdictions=_codes("jurisdictions", jurisdictions, lookup),
            categories=_codes("categories", categories, lookup),
            systems=_codes("systems", systems, lookup),
            horizon_days=CONTRACT.param("horizon").parse(horizon_days, None),
        )

    def fill(self) -> dict:
        """The fill-ins of retention_status.sql: the slot of the reading asked for; every
        record read (oldest_overdue alone narrows them: `candidates`)."""
        return {"reading": SLOTS[self.reading], "candidates": "all"}

    def params(self) -> dict:
        """The SQL parameters: `$as_of_end` is the end of the as-of day (exclusive), the one
        bound every SQL file compares instants with."""
        return {
            "as_of_end": self.as_of.end,
            **reading_params(self.reading),
            "jurisdictions": _sql_list(self.jurisdictions),
            "categories": _sql_list(self.categories),
            "systems": _sql_list(self.systems),
            "horizon_days": self.horizon_days,
            "open_only": False,
            "candidates": 0,  # read only with the fill-in candidates = overdue_candidates
        }


def _sql_list(codes):
    return None if codes is None else list(codes)


def trigger_fill(source) -> dict:
    """The fill-ins of retention_status.sql that name triggers: those some erase_within rule
    of the store's policy uses (any reading), in the order of the vocabulary the file
    declares (the order breaks ties between equal deadlines), split by whether some rule of
    the trigger counts calendar months. A trigger no rule uses can set no deadline, so the
    pass leaves its columns out: exact, and cheaper on every record. A policy with no rule
    at all still gets one trigger (every CASE of the file needs a branch)."""
    vocabulary = next(f.allowed for f in sql_compose.load("retention_status.sql").fills if f.name == "triggers")
    used = engines.of(source).store.query("retention_triggers_used.sql", reading_params("strictest"))
    counts_months = dict(zip(used["trigger_event"], used["counts_months"]))
    triggers = [t for t in vocabulary if t in counts_months] or [vocabulary[0]]
    return {"triggers": triggers,
            "month_triggers": [t for t in triggers if counts_months.get(t)],
            "day_triggers": [t for t in triggers if not counts_months.get(t)]}


# --------------------------------------------------------------------------- queries

def _lookup(source) -> StoreLookup:
    """The store's codes, for an engine or the store's DuckDB connection."""
    return StoreLookup(engines.of(source).store.con)


# Every query is a file of sql/, composed by compliance_kit.sql_compose as its header says
# (retention_cube.sql reads `status`, retention_status.sql, which reads `resolved_rules`,
# retention_rules.sql), and runs through the engine seam (compliance_kit.engines): the
# functions below take an engine or the store's DuckDB connection.

# --------------------------------------------------------------------------- the engine

def resolved_rules(con: duckdb.DuckDBPyConnection, rule_set: str = "strictest") -> pl.DataFrame:
    """The retention rules that bind each (jurisdiction, category) after the hierarchy's
    overrides; `evaluated` is False for a rule whose trigger the engine has no clock for."""
    return (engines.of(con).query("retention_rules_resolved.sql", reading_params(rule_set))
            .sort("code", "category", "kind", "rule_id"))


def record_status(con: duckdb.DuckDBPyConnection, as_of, rule_set: str = "strictest",
                  jurisdictions=None, categories=None, systems=None) -> pl.DataFrame:
    """The verdict per record: trigger, rule, clock start, deadline, status, days overdue,
    lag / allowed. Sorted by record_id."""
    scope = Scope.make(as_of, rule_set, jurisdictions, categories, systems, lookup=_lookup(con))
    return (engines.of(con).query("retention_record_status.sql", scope.params(), **scope.fill(),
                                  **trigger_fill(con))
            .sort("record_id"))


def oldest_overdue(con: duckdb.DuckDBPyConnection, as_of, rule_set: str = "strictest",
                   jurisdictions=None, categories=None, systems=None, limit: int = 20) -> pl.DataFrame:
    """The records overdue the longest (raw ids: pseudonymise before showing)."""
    scope = Scope.make(as_of, rule_set, jurisdictions, categories, systems, lookup=_lookup(con))
    engine, limit = engines.of(con), int(limit)
    # Only records that can be overdue enter this pass (open_only: not on legal hold, not
    # erased by the instant): the others are dropped before the joins. First only those
    # whose deadline could be at most a bound, the OLDEST_CANDIDATES-th earliest deadline
    # any clock could give (retention_status.sql, `overdue_bound`): every record whose
    # deadline is at most the bound is read, so a full list of those is exactly the head
    # of the whole list. A shorter one (few overdue records, or a loose bound) is read
    # again from every record.
    candidates = OLDEST_CANDIDATES_PER_ROW * limit + OLDEST_CANDIDATES_MIN
    if scope.jurisdictions or scope.categories or scope.systems:
        candidates *= OLDEST_CANDIDATES_FILTERED
    params = {**scope.params(), "open_only": True, "limit": limit, "candidates": candidates}
    fill = {**scope.fill(), **trigger_fill(con)}
    rows = engine.query("retention_oldest_overdue.sql", params, **{**fill, "candidates": "overdue_candidates"})
    if rows.height >= limit:
        return rows
    return engine.query("retention_oldest_overdue.sql", params, **fill)


@dataclass
class RetentionRun:
    """One evaluation: the scope, the metric cube every metric below reads, and the DuckDB
    engine the metric queries run on over it (engine.local() of the evaluating engine)."""

    engine: Engine
    scope: Scope
    cube: pl.DataFrame = field(repr=False)


def evaluate(engine, as_of, rule_set: str = "strictest",
             jurisdictions=None, categories=None, systems=None, horizon_days: int = 30) -> RetentionRun:
    """Compute every retention metric's inputs in one pass over the inventory, where the
    data is (`engine`: an engine of compliance_kit.engines, or the store's DuckDB
    connection). The cube comes back small; its metrics are read in DuckDB
    (engine.local(): the store's connection itself, or a new one to it under Spark)."""
    engine = engines.of(engine)
    con = engine.store.con  # the store: codes are looked up there
    scope = Scope.make(as_of, rule_set, jurisdictions, categories, systems, horizon_days,
                       lookup=StoreLookup(con))
    return RetentionRun(engine.local(), scope, engine.query("retention_cube.sql", scope.params(), **scope.fill(),
                                                           **trigger_fill(engine)))


def _metric(run: RetentionRun, name: str, **params) -> pl.DataFrame:
    """Run sql/retention_metric_<name>.sql over the run's cube (registered under the name
    the metric queries read)."""
    run.engine.register("retention_cube", run.cube)
    return run.engine.query(f"retention_metric_{name}.sql", params)


# --------------------------------------------------------------------------- metrics

def status_counts(run: RetentionRun, by: str = "category") -> pl.DataFrame:
    """Records and share per status, grouped `by` 'category', 'jurisdiction', 'system',
    'jurisdiction_category' or 'all'. Long form: one row per group and status."""
    groups = {"category": ["category"], "jurisdiction": ["jurisdiction"], "system": ["system"],
              "jurisdiction_category": ["jurisdiction", "category"], "all": []}
    if by not in groups:
        raise ParameterError(f"by must be one of {', '.join(groups)}, not {by!r}")
    df = _metric(run, "status").filter(pl.col("dimension") == by)
    return df.select(*groups[by], "status", "n", "rate").sort(*groups[by], "status")


def status_table(run: RetentionRun, by: str = "category") -> pl.DataFrame:
    """Wide: one row per group, a column per status, records checked and overdue rate."""
    return _wide_status(status_counts(run, by))


def _wide_status(long: pl.DataFrame) -> pl.DataFrame:
    """status_counts' long form as status_table's wide form."""
    keys = [c for c in long.columns if c not in ("status", "n", "rate")]
    if not keys:
        long = long.with_columns(pl.lit("all").alias("scope"))
        keys = ["scope"]
    wide = long.pivot(on="status", index=keys, values="n")
    for s in STATUSES:
        if s not in wide.columns:
            wide = wide.with_columns(pl.lit(0, dtype=pl.Int64).alias(s))
    wide = wide.with_columns([pl.col(s).fill_null(0).cast(pl.Int64) for s in STATUSES])
    wide = wide.with_columns(records=pl.sum_horizontal(*STATUSES))
    wide = wide.with_columns(overdue_rate=pl.col("overdue") / pl.col("records"))
    return wide.select(*keys, "records", *STATUSES, "overdue_rate").sort(keys)


def headline(run: RetentionRun) -> dict:
    """The figures the notebook publishes to metrics.json under `retention.*` (stable keys)."""
    row = status_table(run, "all").row(0, named=True)
    checked = row["records"]
    return {
        "records_checked": checked,
        "overdue": row["overdue"],
        "overdue_rate": (row["overdue"] / checked) if checked else 0.0,
        "erased_late": row["erased_late"],
        "on_legal_hold": row["on_legal_hold"],
        "conflict": row["conflict"],
    }


def ageing(run: RetentionRun) -> pl.DataFrame:
    """Overdue records by days past the deadline: 0-7, 8-30, 31-90, >90."""
    return _metric(run, "ageing").sort("bucket_order")


def lag_percentiles(run: RetentionRun) -> pl.DataFrame:
    """p50/p90/p95/p99 of erasure lag / allowed delay, per category and '(all)', with the
    error bound of the histogram they are read from: 0.0005 of the allowed delay for
    values in [-2, 2), 0.05% of the value beyond."""
    return _metric(run, "lag_percentiles").sort(
        pl.col("category") != "(all)", "category", "percentile")


def lag_histogram(run: RetentionRun, bin_width: float = 0.05) -> pl.DataFrame:
    """Erased records by lag / allowed delay in bins of `bin_width` (for the chart)."""
    if not bin_width >= LAG_BIN:
        raise ParameterError(f"bin_width must be at least {LAG_BIN}, not {bin_width!r}")
    return _metric(run, "lag_histogram", bin_width=float(bin_width)).sort("category", "lag_ratio_from")


def trend(run: RetentionRun) -> pl.DataFrame:
    """Records per status by the month of their erasure deadline."""
    return _metric(run, "trend").sort("deadline_month", "status")


def top_systems(run: RetentionRun, n: int = 10) -> pl.DataFrame:
    """The systems holding the most overdue records."""
    return _metric(run, "top_systems", limit=int(n)).sort(
        ["overdue", "days_overdue_sum", "system"], descending=[True, True, False])


def upcoming(run: RetentionRun) -> pl.DataFrame:
    """Records whose erasure deadline falls within the run's horizon after as_of."""
    return _metric(run, "upcoming").sort("deadline_day", "category", "system")


def rules_decisive(run: RetentionRun) -> pl.DataFrame:
    """How many records each rule set the deadline for."""
    return (run.cube.filter(pl.col("part") == "timeline", pl.col("rule_id").is_not_null())
            .group_by("rule_id").agg(pl.col("n").sum().alias("records")).sort("rule_id"))


def rules_applied(con: duckdb.DuckDBPyConnection, run: RetentionRun | None = None,
                  rule_set: str = "strictest") -> pl.DataFrame:
    """The rules the engine evaluated (one row per rule): rule set, category, scope,
    trigger, delay, whether a clock exists for its trigger, and (given a run) the records
    whose deadline it set."""
    rules = resolved_rules(con, run.scope.reading if run else rule_set)
    out = (rules.group_by("rule_id", "rule_set", "kind", "rule_category", "rule_jurisdiction",
                          "trigger_event", "max_delay", "earliest_of", "evaluated")
           .agg(pl.col("code").n_unique().alias("jurisdictions_bound"))
           .with_columns(pl.col("rule_category").fill_null("(every category)")))
    if run is not None:
        out = out.join(rules_decisive(run), on="rule_id", how="left").with_columns(
            pl.col("records").fill_null(0))
    return out.sort("kind", "rule_set", "rule_category", "rule_id")


def _readings_part(source, as_of=None, jurisdictions=None, categories=None,
                   systems=None) -> pl.DataFrame:
    """The cube's 'readings' part: records per (category, status under each reading), from
    `source`: a RetentionRun (read from its cube, no pass of its own), else the store or an
    engine, evaluated once for the scope."""
    if not isinstance(source, RetentionRun):
        if as_of is None:
            raise ParameterError("as_of is needed unless a RetentionRun (retention.evaluate) is given")
        source = evaluate(source, as_of, jurisdictions=jurisdictions, categories=categories, systems=systems)
    return source.cube.filter(pl.col("part") == "readings").select(
        "category", *READING_STATUS.values(), "n")


def compare_rule_sets(run, as_of=None, jurisdictions=None, categories=None,
                      systems=None) -> pl.DataFrame:
    """Records per status under each reading of the policy: the strictest (default), the
    retention table alone, the text under it alone. One row per status. Read from the
    run's cube (`run`: a RetentionRun; or the store / an engine with the scope, evaluated
    once): the three readings come from the same pass."""
    part = _readings_part(run, as_of, jurisdictions, categories, systems)
    base = pl.DataFrame({"status": list(STATUSES)})
    columns = []
    for reading, column in READING_STATUS.items():
        counts = (part.group_by(pl.col(column).alias("status")).agg(pl.col("n").sum().alias(reading)))
        columns.append(counts)
    wide = base
    for counts in columns:
        wide = wide.join(counts, on="status", how="left")
    return wide.with_columns([pl.col(r).fill_null(0).cast(pl.Int64) for r in READINGS]).select(
        "status", *READINGS)


def verdict_changes(run, as_of=None, jurisdictions=None, categories=None,
                    systems=None) -> pl.DataFrame:
    """Records whose status differs between the table's and the text's reading, counted by
    (category, status under the table, status under the text). Read from the run's cube
    (see compare_rule_sets): counts only, never a row per record."""
    part = _readings_part(run, as_of, jurisdictions, categories, systems)
    table, text = READING_STATUS["retention_table"], READING_STATUS["retention_text"]
    return (part.filter(pl.col(table) != pl.col(text))
            .group_by("category", pl.col(table).alias("status_table"), pl.col(text).alias("status_text"))
            .agg(pl.col("n").sum().cast(pl.UInt32).alias("records"))
            .sort("category", "status_table", "status_text"))


def policy_conflicts(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, str]:
    """The policy's retention contradictions, and where the list comes from (for the
    page's note): compliance_kit.policy.conflicts.find_conflicts, the one place they are
    computed (sql/policy_conflicts.sql)."""
    from ..policy.conflicts import find_conflicts

    return find_conflicts(con), "compliance_kit.policy.conflicts.find_conflicts"


# --------------------------------------------------------------------------- shared views
#
# What a shared page may show: counts from 1 to k-1 hidden, secondary suppression wherever a
# total of the hidden cells is shown (a row total, or column sums that the headline or another
# table shows), rates and statistics over a hidden or small base blanked, and the same mark
# for every hidden cell of a table (primary or complementary), so nothing tells a reader
# which hidden cell is the small one. Values reach Markdown only through `md()`.

_ALL_ROWS = 2**31 - 1  # a LIMIT that keeps every row


def _scope_words(jurisdictions=None, categories=None, systems=None) -> str:
    parts = [f"{name} {', '.join(values)}" for name, values in
             (("jurisdictions", jurisdictions), ("categories", categories), ("systems", systems))
             if values]
    return "; ".join(parts) if parts else "all jurisdictions, categories and systems"


def headline_markdown(figures: dict, k: int, as_of, reading: str, jurisdictions=None,
                      categories=None, systems=None):
    """The headline sentence for a shared page (an IPython Markdown object): each figure as
    `figures.shown_text` gives it (a count from 1 to k-1 reads "<k", a share over a small
    base is not shown and the sentence says why), every value escaped by `md()`."""
    check_k(k)
    shown = {s.key.split(".", 1)[1]: s for s in shown_section("retention", figures, k)}
    rate = shown["overdue_rate"]
    rate_text = f"share not shown: {rate.reason}" if rate.hidden else f"{rate.text} of the records checked"
    from ..params_words import READINGS, date_words

    return md(
        "As of the end of **{as_of}** (UTC), on **{reading}**, scope: {scope}. "
        "**{checked}** records checked, **{overdue}** overdue ({rate}), **{late}** erased late, "
        "{hold} on legal hold, {conflict} in conflict with a minimum retention.",
        as_of=date_words(as_of), reading=READINGS.get(str(reading), str(reading)),
        scope=_scope_words(jurisdictions, categories, systems),
        checked=shown["records_checked"].text, overdue=shown["overdue"].text, rate=rate_text,
        late=shown["erased_late"].text, hold=shown["on_legal_hold"].text,
        conflict=shown["conflict"].text,
    )


def headline_table(figures: dict, k: int) -> pl.DataFrame:
    """The headline figures as a shared page may show them (figure, value, note)."""
    return headline_frame("retention", figures, k)


def _hidden(series: pl.Series) -> list[bool]:
    """Which cells of a protected (text) count column are hidden."""
    return [v == HIDDEN or (isinstance(v, str) and v.startswith("<")) for v in series.to_list()]


def _rate_column(values: pl.DataFrame, protected: pl.DataFrame, numerator: str, base: str,
                 k: int) -> tuple[list[str | None], list[str]]:
    """A share numerator / base per row as text ("1.2%"), blank (None) where either count
    is hidden in `protected` or `rate_shown` refuses it; and the reason per row ("" shown).
    A hidden count blanks the rate with one reason whatever hid it, so the note does not
    tell a primary (small) cell from its complement."""
    texts, notes = [], []
    hidden_num, hidden_base = _hidden(protected[numerator]), _hidden(protected[base])
    for num, b, hn, hb in zip(values[numerator].to_list(), values[base].to_list(),
                              hidden_num, hidden_base):
        if hn or hb:
            texts.append(None)
            notes.append("rate not shown: a count it is taken from is hidden")
            continue
        ok, reason = rate_shown(num, b, k)
        texts.append(format_value("share", num / b) if ok else None)
        notes.append("" if ok else f"rate not shown: {reason}")
    return texts, notes


def _protect_status(wide: pl.DataFrame, k: int, for_chart: bool = False) -> pl.DataFrame:
    """A wide status table (one row per group) protected: the statuses partition `records`
    (the shown row total) and each status column sums to a figure shown elsewhere (the
    headline, or the same column of the other grouping)."""
    return protect_table(wide, list(STATUSES), k, total="records", column_totals_known=True,
                         for_chart=for_chart)


def shared_status_table(run: RetentionRun, by: str, k: int) -> pl.DataFrame:
    """status_table(run, by) for a shared page: counts protected (primary and secondary,
    every hidden cell reads "hidden"), overdue_rate as text, blank where it could reveal a
    hidden or small count, and a note saying why."""
    wide = status_table(run, by)
    out = _protect_status(wide, k)
    rates, notes = _rate_column(wide, out, "overdue", "records", k)
    return out.with_columns(pl.Series("overdue_rate", rates, dtype=pl.String),
                            pl.Series("note", notes, dtype=pl.String))


def status_chart_data(counts: pl.DataFrame, k: int) -> pl.DataFrame:
    """status_counts(run, 'category') for the stacked bars: the cells shared_status_table
    hides are dropped (same protection, so the chart and the table hide the same cells),
    empty segments too. Long form: category, status, n, status_order."""
    wide = _protect_status(_wide_status(counts.select("category", "status", "n", "rate")), k,
                           for_chart=True)
    order = {s: i for i, s in enumerate(STATUSES)}
    return (wide.unpivot(index="category", on=list(STATUSES), variable_name="status", value_name="n")
            .filter(pl.col("n").is_not_null() & (pl.col("n") > 0))
            .with_columns(pl.col("status").replace_strict(order, default=99).alias("status_order"))
            .sort("category", "status_order"))


def heatmap_data(counts: pl.DataFrame, k: int) -> pl.DataFrame:
    """Overdue rate per jurisdiction x category for the heatmap: only the cells where the
    rate may be shown (`rate_shown`: a base of at least k, and neither the overdue count nor
    the rest of the base a small count). No counts: a rate with its base would give the
    count back."""
    check_k(k)
    totals = counts.group_by("jurisdiction", "category").agg(
        pl.col("n").sum().alias("records"),
        pl.col("n").filter(pl.col("status") == "overdue").sum().alias("overdue"),
    ).sort("jurisdiction", "category")
    keep = [rate_shown(o, r, k)[0] for o, r in zip(totals["overdue"].to_list(), totals["records"].to_list())]
    return (totals.filter(pl.Series(keep, dtype=pl.Boolean))
            .with_columns(overdue_rate=pl.col("overdue") / pl.col("records"))
            .select("jurisdiction", "category", "overdue_rate"))


def lag_chart_data(histogram: pl.DataFrame, k: int, max_ratio: float = 3.0) -> pl.DataFrame:
    """lag_histogram(run) summed over categories in bins (lags beyond `max_ratio` in the
    last bar), protected as one column whose total (erased records, the '(all)' row of the
    percentile table) is shown: bins under k, and a complement where one bin alone would
    be hidden, are dropped."""
    data = (histogram.with_columns(pl.col("lag_ratio_from").clip(upper_bound=max_ratio))
            .group_by("lag_ratio_from").agg(pl.col("erased").sum())
            .sort("lag_ratio_from"))
    data = protect_table(data, ["erased"], k, column_totals_known=True, for_chart=True)
    return (data.filter(pl.col("erased").is_not_null() & (pl.col("erased") > 0))
            .with_columns(late=pl.col("lag_ratio_from") >= 1.0))


def lag_percentile_table(run: RetentionRun, k: int) -> pl.DataFrame:
    """lag_percentiles(run) wide (category, erased, p50, p90, p95, p99) for a shared page.

    The categories' erased counts sum to the '(all)' row: protected as one column with its
    total shown. Percentiles are blank wherever the row's count is hidden (a statistic over
    fewer than k records, and its complement alike)."""
    check_k(k)
    long = lag_percentiles(run)
    names = ["p50", "p90", "p95", "p99"]
    wide = long.pivot(on="percentile", index=["category", "erased"], values="value")
    for p in names:
        if p not in wide.columns:
            wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(p))
    wide = wide.select("category", "erased", *names)
    overall = wide.filter(pl.col("category") == "(all)")
    per_category = wide.filter(pl.col("category") != "(all)").sort("category")
    protected_overall = protect_table(overall, ["erased"], k, column_totals_known=False)
    protected_cats = protect_table(per_category, ["erased"], k, column_totals_known=True)
    out = []
    for values, protected in ((overall, protected_overall), (per_category, protected_cats)):
        hidden = pl.Series(_hidden(protected["erased"]), dtype=pl.Boolean)
        out.append(protected.with_columns(
            pl.when(hidden).then(None).otherwise(pl.col(p)).alias(p) for p in names)
            if protected.height else protected)
    return pl.concat(out, how="vertical")


def ageing_table(ageing_df: pl.DataFrame, k: int, for_chart: bool = False) -> pl.DataFrame:
    """ageing(run) for a shared page: one column (overdue records per bucket) whose sum is
    the headline's overdue, protected with that total known."""
    return protect_table(ageing_df.select("ageing_bucket", "overdue"), ["overdue"], k,
                         column_totals_known=True, for_chart=for_chart)


def trend_chart_data(trend_df: pl.DataFrame, k: int) -> pl.DataFrame:
    """trend(run) with the month x status counts protected (each status column's sum over
    the months is taken as known: it is the headline's for overdue and erased late), hidden
    and empty cells dropped."""
    check_k(k)
    if trend_df.height == 0:
        return trend_df.select("deadline_month", "status", "n")
    present = [s for s in STATUSES if s in set(trend_df["status"].to_list())]
    others = sorted(set(trend_df["status"].to_list()) - set(present))
    columns = present + others
    wide = trend_df.pivot(on="status", index="deadline_month", values="n").sort("deadline_month")
    wide = wide.with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in columns)
    wide = protect_table(wide, columns, k, column_totals_known=True, for_chart=True)
    return (wide.unpivot(index="deadline_month", on=columns, variable_name="status", value_name="n")
            .filter(pl.col("n").is_not_null() & (pl.col("n") > 0))
            .sort("deadline_month", "status"))


def top_systems_table(run: RetentionRun, k: int, n: int = 10) -> pl.DataFrame:
    """The systems with the most overdue records, for a shared page.

    The records and overdue columns are protected over every system (their sums are the
    headline's records checked and overdue), then the first `n` rows are shown: systems
    with a shown overdue count by that count, then those with a hidden count (by name, so
    the order tells nothing of the hidden value), then those with none. overdue_rate is
    blank where `rate_shown` refuses it or a count is hidden; days_overdue_max (the oldest
    overdue record's days) is blank where the overdue count is hidden."""
    check_k(k)
    full = _metric(run, "top_systems", limit=_ALL_ROWS).sort(
        ["overdue", "days_overdue_sum", "system"], descending=[True, True, False])
    protected = protect_table(full, ["records", "overdue"], k, column_totals_known=True)
    rates, _ = _rate_column(full, protected, "overdue", "records", k)
    hidden_overdue = _hidden(protected["overdue"])
    days = [None if (h or not statistic_shown(o, k)[0]) else d
            for h, o, d in zip(hidden_overdue, full["overdue"].to_list(),
                               full["days_overdue_max"].to_list())]
    group = [1 if h else (0 if o > 0 else 2) for h, o in zip(hidden_overdue, full["overdue"].to_list())]
    rank = [i if g == 0 else 0 for i, g in enumerate(group)]
    out = protected.with_columns(
        pl.Series("overdue_rate", rates, dtype=pl.String),
        pl.Series("days_overdue_max", days, dtype=pl.Int64),
        pl.Series("_group", group), pl.Series("_rank", rank),
    ).sort(["_group", "_rank", "system"])
    return out.head(int(n)).select("system", "records", "overdue", "overdue_rate", "days_overdue_max")


def upcoming_markdown(upcoming_df: pl.DataFrame, horizon: int, k: int):
    """The sentence over upcoming(run): the total is a count, hidden from 1 to k-1."""
    check_k(k)
    total = int(upcoming_df["records"].sum()) if upcoming_df.height else 0
    return md("Records not yet erased whose deadline falls within the next **{horizon}** days: "
              "**{total}**.", horizon=horizon,
              total=small_label(k) if is_small(total, k) else format_count(total))


def upcoming_table(upcoming_df: pl.DataFrame, k: int) -> pl.DataFrame:
    """upcoming(run) by category and system (records, first deadline) for a shared page.

    The records sum to the sentence's total: protected with that total known. The first
    deadline of a group whose count is hidden is blank (one record's due date, or the mark
    of a complement), and rows are in name order so their place says nothing of it."""
    check_k(k)
    by = (upcoming_df.group_by("category", "system")
          .agg(pl.col("records").sum(), pl.col("deadline_day").min().alias("first_deadline"))
          .sort("category", "system"))
    protected = protect_table(by, ["records"], k, column_totals_known=True)
    hidden = pl.Series(_hidden(protected["records"]), dtype=pl.Boolean)
    return protected.with_columns(
        pl.when(hidden).then(None).otherwise(pl.col("first_deadline")).alias("first_deadline"))


CASE_COLUMNS = ("record", "deadline", "days_overdue")


def case_list(cases: pl.DataFrame, in_scope: int, k: int, noun: str = "overdue records",
              salt: str | None = None, count_hidden: bool = False):
    """The oldest overdue records under the case-list rule of compliance_kit.cases: only
    the pseudonym, the deadline and the days overdue, and only when the scope holds at
    least k such records and the page shows their number (`count_hidden`: the headline
    shows it as hidden). `cases`: rows with record_id, deadline and days_overdue
    (oldest_overdue(...)); `in_scope`: the headline's overdue. Returns a CaseList (the
    table, or one sentence in its place)."""
    ordered = cases.sort(["days_overdue", "deadline", "record_id"], descending=[True, False, False])
    deadline = pl.col("deadline")
    if isinstance(ordered.schema["deadline"], pl.Datetime):
        deadline = deadline.dt.date()
    ordered = ordered.with_columns(deadline.cast(pl.Date).alias("deadline"))
    return cases_rule.case_list(ordered, k, in_scope=in_scope, what=noun, id_column="record_id",
                                keep=["deadline", "days_overdue"], count_hidden=count_hidden,
                                limit=None, salt=salt)


def overdue_case_list(cases: pl.DataFrame, figures: dict, k: int, salt: str | None = None):
    """The notebook's oldest-overdue list: `case_list` with the scope's overdue count and
    whether the headline (figures registry) hides it."""
    hidden = any(s.key == "retention.overdue" and s.text == HIDDEN
                 for s in shown_section("retention", figures, k))
    return case_list(cases, figures["overdue"], k, salt=salt, count_hidden=hidden)


def status_words(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """The status codes of `columns` in the words the other tables' headers use
    (figures.column_label: "no_trigger" reads "no clock started")."""
    return frame.with_columns(pl.col(c).map_elements(column_label, return_dtype=pl.String) for c in columns)


def _protected_comparison(comparison: pl.DataFrame, k: int) -> pl.DataFrame:
    # each reading's column sums to the records checked: protected with column totals known
    return protect_table(comparison, list(READINGS), k, column_totals_known=True)


def compare_table(comparison: pl.DataFrame, k: int) -> pl.DataFrame:
    """compare_rule_sets(...) for a shared page: counts protected (each reading's column
    sums to the records checked), statuses in words."""
    return status_words(_protected_comparison(comparison, k), "status")


def verdict_changes_table(changes: pl.DataFrame, comparison: pl.DataFrame, k: int) -> pl.DataFrame:
    """verdict_changes(...) for a shared page. Counts from 1 to k-1 are hidden, and so is a
    complement wherever the comparison table gives a hidden count back: for a status whose
    counts under the table's and the text's reading are both shown there, the records
    leaving that status minus those entering it equal their difference."""
    check_k(k)
    shown_compare = _protected_comparison(comparison, k)
    moves = list(zip(changes["status_table"].to_list(), changes["status_text"].to_list()))
    equations = []
    for s, table_n, text_n in shown_compare.select("status", "retention_table", "retention_text").iter_rows():
        if table_n == HIDDEN or text_n == HIDDEN:
            continue
        # leaving s (under the table's reading) minus entering s = the two shown counts' difference
        eq = {i: (1 if a == s else -1) for i, (a, b) in enumerate(moves) if s in (a, b) and a != b}
        if eq:
            equations.append(eq)
    values = [int(v) for v in changes["records"].to_list()]
    hidden = protect_linked(dict(enumerate(values)), equations, k)
    shown = changes.with_columns(pl.Series(
        "records", [HIDDEN if i in hidden else str(v) for i, v in enumerate(values)], dtype=pl.String))
    return status_words(shown, "status_table", "status_text")


def rules_table(con: duckdb.DuckDBPyConnection, run: RetentionRun, k: int) -> pl.DataFrame:
    """rules_applied(con, run) for a shared page: the records each rule decided are
    protected as a column whose sum (the records with a deadline) can be read elsewhere."""
    rules = rules_applied(con, run).select(
        "rule_id", "rule_set", "kind", "rule_category", "rule_jurisdiction", "trigger_event",
        "max_delay", "evaluated", "records")
    return protect_table(rules, ["records"], k, column_totals_known=True)


# --------------------------------------------------------------------------- charts
#
# Every chart takes `k` and is drawn from protected data: no group under k (stacked segment,
# bar, heatmap cell, month) is drawn, and no hidden count reaches a bar length, a tooltip,
# an aria-label or an axis. The subtitle says so.

def _title(text: str, k: int) -> alt.TitleParams:
    return alt.TitleParams(text, subtitle=f"Groups under {k} are not drawn.")


def _statuses_in(df: pl.DataFrame) -> list[str]:
    present = set(df["status"].to_list()) if "status" in df.columns else set()
    return [s for s in STATUSES if s in present] or list(STATUSES)


def status_by_category_chart(counts: pl.DataFrame, k: int) -> alt.Chart:
    """Stacked bars: records per status for each category (input: status_counts(run,
    'category')), the cells shared_status_table hides not drawn."""
    data = status_chart_data(counts, k)
    statuses = _statuses_in(data)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("category:N", sort="-x", title=None),
            x=alt.X("n:Q", stack="zero", title="records"),
            color=alt.Color("status:N", scale=status_scale(statuses), legend=status_legend()),
            order=alt.Order("status_order:Q"),
            tooltip=[alt.Tooltip("category:N", title="category"), alt.Tooltip("status:N", title="status"),
                     alt.Tooltip("n:Q", title="records", format=",")],
        )
        .properties(title=_title("Retention status by data category", k), height=alt.Step(18))
    )


def overdue_heatmap(counts: pl.DataFrame, k: int) -> alt.Chart:
    """Overdue rate per jurisdiction x category (input: status_counts(run,
    'jurisdiction_category')); cells whose rate may not be shown are not drawn."""
    data = heatmap_data(counts, k)
    return (
        alt.Chart(data)
        .mark_rect()
        .encode(
            x=alt.X("category:N", title=None),
            y=alt.Y("jurisdiction:N", title=None),
            # From 0 to the highest rate drawn: rates are a few percent, and on a 0-100%
            # scale every cell had the same colour.
            color=alt.Color("overdue_rate:Q", title="share overdue",
                            scale=alt.Scale(scheme="reds", domainMin=0, nice=True),
                            legend=alt.Legend(format=".1%")),  # ticks fall on halves of a percent
            tooltip=[alt.Tooltip("jurisdiction:N", title="jurisdiction"), alt.Tooltip("category:N", title="category"),
                     alt.Tooltip("overdue_rate:Q", title="share overdue", format=".1%")],
        )
        .properties(title=alt.TitleParams(
            "Overdue rate by jurisdiction and category",
            subtitle=f"Cells with fewer than {k} records, or whose rate would reveal a count "
                     f"under {k}, are not drawn."))
    )


def lag_chart(histogram: pl.DataFrame, k: int, max_ratio: float = 3.0) -> alt.LayerChart:
    """Erased records by lag / allowed delay; the rule at 1.0 is the deadline
    (input: lag_histogram(run)). The axis runs from 0 to `max_ratio`: lags beyond it are
    drawn in the last bar, and the subtitle says how many records that clips; bins under
    k (and their complements) are not drawn."""
    data = lag_chart_data(histogram, k, max_ratio)
    beyond = histogram.filter(pl.col("lag_ratio_from") > max_ratio)["erased"].sum()
    notes = [f"Groups under {k} are not drawn."]
    if beyond and beyond >= k:
        notes.append(f"{beyond:,} records erased more than {max_ratio:g}× the allowed delay "
                     f"after their clock started are drawn in the last bar (the axis is clipped at {max_ratio:g}).")
    elif beyond:
        notes.append(f"Lags beyond {max_ratio:g}× the allowed delay are drawn in the last bar "
                     f"(the axis is clipped at {max_ratio:g}).")
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("lag_ratio_from:Q", bin=alt.Bin(binned=True, step=0.05),
                scale=alt.Scale(domain=[0, max_ratio + 0.05], nice=False),
                title="erasure lag / allowed delay (1 = at the deadline)"),
        y=alt.Y("erased:Q", title="records erased"),
        color=alt.Color("late:N", title="erased",
                        scale=alt.Scale(domain=[False, True],
                                        range=[STATUS_COLOURS["erased_on_time"], STATUS_COLOURS["erased_late"]]),
                        legend=alt.Legend(labelExpr="datum.label == 'true' ? 'after the deadline' : 'by the deadline'")),
        tooltip=[alt.Tooltip("lag_ratio_from:Q", title="lag / allowed delay from", format=".2f"),
                 alt.Tooltip("erased:Q", title="records erased", format=",")],
    )
    rule = alt.Chart(pl.DataFrame({"deadline": [1.0]})).mark_rule(strokeDash=[4, 3]).encode(x="deadline:Q")
    return alt.layer(bars, rule).properties(
        title=alt.TitleParams("Erasure lag against the allowed delay", subtitle=notes))


def ageing_chart(ageing_df: pl.DataFrame, k: int) -> alt.Chart:
    """Overdue records per ageing bucket (input: ageing(run)); the buckets ageing_table
    hides are not drawn."""
    data = ageing_table(ageing_df, k, for_chart=True).filter(pl.col("overdue").is_not_null())
    return (
        alt.Chart(data)
        .mark_bar(color=STATUS_COLOURS["overdue"])
        .encode(
            x=alt.X("ageing_bucket:N", sort=list(AGEING_BUCKETS), title="days past the deadline"),
            y=alt.Y("overdue:Q", title="overdue records"),
            tooltip=[alt.Tooltip("ageing_bucket:N", title="days past the deadline"),
                     alt.Tooltip("overdue:Q", title="overdue records", format=",")],
        )
        .properties(title=_title("How long overdue records are overdue", k), width=alt.Step(60))
    )


def trend_chart(trend_df: pl.DataFrame, k: int) -> alt.Chart:
    """Records per status by month of deadline (input: trend(run)); month x status cells
    under k (and their complements) are not drawn."""
    data = trend_chart_data(trend_df, k)
    statuses = _statuses_in(data)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(deadline_month):T", title="month of the erasure deadline"),
            y=alt.Y("n:Q", stack="zero", title="records"),
            color=alt.Color("status:N", scale=status_scale(statuses), legend=status_legend()),
            tooltip=[alt.Tooltip("yearmonth(deadline_month):T", title="month"),
                     alt.Tooltip("status:N", title="status"), alt.Tooltip("n:Q", title="records", format=",")],
        )
        .properties(title=_title("Erasure deadlines by month and outcome", k))
    )
