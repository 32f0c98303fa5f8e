"""Retention compliance: does every record of the inventory get erased when the policy
promises? Thin Python over sql/retention_*.sql, returning Polars.

    run = retention.evaluate(con, "2026-10-31")            # one pass: the metric cube
    retention.headline(run)                                 # figures for metrics.json
    retention.status_counts(run, by="category")             # counts and rates per status
    retention.ageing(run); retention.lag_percentiles(run); retention.trend(run)
    retention.top_systems(run, n=10); retention.upcoming(run)
    retention.record_status(con, "2026-10-31")              # the verdict per record
    retention.compare_rule_sets(con, "2026-10-31")          # table vs text vs strictest
    retention.policy_conflicts(con)                         # where the policy contradicts itself

How the verdict is reached (the rules, clocks and statuses) is in
sql/retention_status.sql and docs/metrics-retention.md.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import altair as alt
import duckdb
import polars as pl

from ..charts import STATUS_COLOURS, status_scale
from ..errors import ParameterError
from ..paths import read_sql

STATUSES = (
    "erased_on_time", "erased_late", "overdue", "clock_running", "no_trigger",
    "conflict", "on_legal_hold",
)
# Which erase_within rule sets each reading evaluates. Addenda prevail for their
# territory in every reading; recipient rules bind recipients, not us.
RULE_SETS = {
    "strictest": ["retention_table", "retention_text", "addendum"],
    "retention_table": ["retention_table", "addendum"],
    "retention_text": ["retention_text", "addendum"],
}
AGEING_BUCKETS = ("0-7", "8-30", "31-90", ">90")
LAG_BIN = 0.001  # width of the lag histogram's bins on [-2, 2), as a share of the allowed delay
LAG_ERROR_BOUND = LAG_BIN / 2  # on [-2, 2); beyond, 0.05% of the value (bins 0.1% wide)

_EPOCH = dt.datetime(1970, 1, 1)
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


# --------------------------------------------------------------------------- params

def as_of_instant(as_of) -> dt.datetime:
    """The instant of the verdict, as a naive UTC datetime.

    A date (or 'YYYY-MM-DD') means the END of that day: D + 1 day at 00:00 UTC, so what
    happened on D counts. A datetime (or ISO text with a time) is taken as is; one with
    an offset is converted to UTC, a naive one is read as UTC.
    """
    if isinstance(as_of, str):
        text = as_of.strip()
        try:
            if len(text) == 10:
                as_of = dt.date.fromisoformat(text)
            else:
                as_of = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ParameterError(
                f"as_of must be a date YYYY-MM-DD or an ISO timestamp, not {as_of!r}"
            ) from None
    if isinstance(as_of, dt.datetime):
        if as_of.tzinfo is not None:
            as_of = as_of.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return as_of
    if isinstance(as_of, dt.date):
        return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    raise ParameterError(f"as_of must be a date YYYY-MM-DD or an ISO timestamp, not {as_of!r}")


def _list_param(name: str, value) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ParameterError(f"{name} must be a list of strings or None, not {value!r}")
    if not value:
        raise ParameterError(f"{name} is an empty list: pass None for no filter")
    return list(value)


def rule_sets_for(rule_set: str) -> list[str]:
    if rule_set not in RULE_SETS:
        raise ParameterError(
            f"rule_set must be one of {', '.join(RULE_SETS)}, not {rule_set!r}"
        )
    return RULE_SETS[rule_set]


@dataclass(frozen=True)
class Scope:
    """What a verdict is asked about: the instant, the reading of the policy, filters."""

    as_of: dt.datetime
    rule_set: str = "strictest"
    jurisdictions: list[str] | None = None
    categories: list[str] | None = None
    systems: list[str] | None = None
    horizon_days: int = 30

    @classmethod
    def make(cls, as_of, rule_set="strictest", jurisdictions=None, categories=None,
             systems=None, horizon_days=30) -> "Scope":
        rule_sets_for(rule_set)
        if isinstance(horizon_days, bool) or not isinstance(horizon_days, int) or horizon_days < 0:
            raise ParameterError(f"horizon must be a whole number of days >= 0, not {horizon_days!r}")
        return cls(
            as_of=as_of_instant(as_of),
            rule_set=rule_set,
            jurisdictions=_list_param("jurisdictions", jurisdictions),
            categories=_list_param("categories", categories),
            systems=_list_param("systems", systems),
            horizon_days=horizon_days,
        )

    def params(self) -> dict:
        return {
            "as_of": self.as_of,
            "as_of_us": (self.as_of - _EPOCH) // dt.timedelta(microseconds=1),
            "rule_sets": rule_sets_for(self.rule_set),
            "jurisdictions": self.jurisdictions,
            "categories": self.categories,
            "systems": self.systems,
            "horizon_days": self.horizon_days,
        }


# --------------------------------------------------------------------------- SQL plumbing

def _bind(sql: str, params: dict) -> dict:
    """Only the parameters the statement names (DuckDB rejects extra ones)."""
    names = set(_PARAM.findall(sql))
    missing = names - params.keys()
    if missing:
        raise KeyError(f"SQL needs parameter(s) {sorted(missing)}")
    return {k: params[k] for k in names}


def _strip_comments(sql: str) -> str:
    return "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))


def _compose(main: str, **ctes: str) -> str:
    """`WITH name AS (sql), ... SELECT * FROM (main)`: the main query (which has its own
    WITH) sees the named queries. Plain SQL that travels to other engines."""
    heads = ",\n".join(f"{name} AS (\n{_strip_comments(sql)}\n)" for name, sql in ctes.items())
    return f"WITH {heads}\nSELECT * FROM (\n{_strip_comments(main)}\n) AS q"


def status_sql() -> str:
    return _compose(read_sql("retention_status.sql"), resolved_rules=read_sql("retention_rules.sql"))


def cube_sql() -> str:
    return _compose(read_sql("retention_cube.sql"),
                    resolved_rules=read_sql("retention_rules.sql"),
                    status=_compose(read_sql("retention_status.sql"),
                                    resolved_rules=read_sql("retention_rules.sql")))


def _utc(con: duckdb.DuckDBPyConnection) -> None:
    # The engine compares UTC wall times; the store's connect() already does this.
    con.execute("SET TimeZone = 'UTC'")


def _query(con, sql: str, params: dict) -> pl.DataFrame:
    sql = _strip_comments(sql)  # a $name in a comment is not a parameter
    return con.sql(sql, params=_bind(sql, params)).pl()


# --------------------------------------------------------------------------- the engine

def resolved_rules(con: duckdb.DuckDBPyConnection, rule_set: str = "strictest") -> pl.DataFrame:
    """The retention rules that bind each (jurisdiction, category) after the hierarchy's
    overrides; `evaluated` is False for a rule whose trigger the engine has no clock for."""
    # `delay` is an interval for the engine; max_delay says the same for people
    sql = f"SELECT * EXCLUDE (delay) FROM ({_strip_comments(read_sql('retention_rules.sql'))}) AS r"
    return (_query(con, sql, {"rule_sets": rule_sets_for(rule_set)})
            .sort("code", "category", "kind", "rule_id"))


def record_status(con: duckdb.DuckDBPyConnection, as_of, rule_set: str = "strictest",
                  jurisdictions=None, categories=None, systems=None) -> pl.DataFrame:
    """The verdict per record: trigger, rule, clock start, deadline, status, days overdue,
    lag / allowed. Sorted by record_id."""
    scope = Scope.make(as_of, rule_set, jurisdictions, categories, systems)
    _utc(con)
    return _query(con, status_sql(), scope.params()).drop("deadline_us", "lag_us", "allowed_us").sort("record_id")


def oldest_overdue(con: duckdb.DuckDBPyConnection, as_of, rule_set: str = "strictest",
                   jurisdictions=None, categories=None, systems=None, limit: int = 20) -> pl.DataFrame:
    """The records overdue the longest (raw ids: pseudonymise before showing)."""
    scope = Scope.make(as_of, rule_set, jurisdictions, categories, systems)
    _utc(con)
    sql = (f"SELECT record_id, category, system, jurisdiction, trigger_event, rule_id, "
           f"clock_start, deadline, days_overdue FROM ({status_sql()}) AS s "
           f"WHERE status = 'overdue' ORDER BY days_overdue DESC, deadline, record_id LIMIT $limit")
    return _query(con, sql, {**scope.params(), "limit": int(limit)})


@dataclass
class RetentionRun:
    """One evaluation: the scope and the metric cube every metric below reads."""

    con: duckdb.DuckDBPyConnection
    scope: Scope
    cube: pl.DataFrame = field(repr=False)


def evaluate(con: duckdb.DuckDBPyConnection, as_of, rule_set: str = "strictest",
             jurisdictions=None, categories=None, systems=None, horizon_days: int = 30) -> RetentionRun:
    """Compute every retention metric's inputs in one pass over the inventory."""
    scope = Scope.make(as_of, rule_set, jurisdictions, categories, systems, horizon_days)
    _utc(con)
    return RetentionRun(con, scope, _query(con, cube_sql(), scope.params()))


def _metric(run: RetentionRun, name: str, **params) -> pl.DataFrame:
    """Run sql/retention_metric_<name>.sql over the run's cube."""
    sql = read_sql(f"retention_metric_{name}.sql")
    view = "retention_cube"
    run.con.register(view, run.cube)
    try:
        return _query(run.con, sql, params)
    finally:
        run.con.unregister(view)


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
    long = status_counts(run, by)
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
    rules = resolved_rules(con, run.scope.rule_set if run else rule_set)
    out = (rules.group_by("rule_id", "rule_set", "kind", "rule_category", "rule_jurisdiction",
                          "trigger_event", "max_delay", "earliest_of", "evaluated")
           .agg(pl.col("code").n_unique().alias("jurisdictions_bound"))
           .with_columns(pl.col("rule_category").fill_null("(every category)")))
    if run is not None:
        out = out.join(rules_decisive(run), on="rule_id", how="left").with_columns(
            pl.col("records").fill_null(0))
    return out.sort("kind", "rule_set", "rule_category", "rule_id")


def compare_rule_sets(con: duckdb.DuckDBPyConnection, as_of, jurisdictions=None,
                      categories=None, systems=None) -> pl.DataFrame:
    """Records per status under each reading of the policy: the strictest (default), the
    retention table alone, the text under it alone. One row per status."""
    frames = []
    for rule_set in RULE_SETS:
        scope = Scope.make(as_of, rule_set, jurisdictions, categories, systems)
        _utc(con)
        sql = f"SELECT status, count(*) AS n FROM ({status_sql()}) AS s GROUP BY status"
        frames.append(_query(con, sql, scope.params()).with_columns(pl.lit(rule_set).alias("rule_set")))
    long = pl.concat(frames)
    wide = long.pivot(on="rule_set", index="status", values="n")
    base = pl.DataFrame({"status": list(STATUSES)})
    wide = base.join(wide, on="status", how="left")
    for rule_set in RULE_SETS:
        if rule_set not in wide.columns:
            wide = wide.with_columns(pl.lit(0, dtype=pl.Int64).alias(rule_set))
    return wide.with_columns([pl.col(r).fill_null(0).cast(pl.Int64) for r in RULE_SETS]).select(
        "status", *RULE_SETS)


def verdict_changes(con: duckdb.DuckDBPyConnection, as_of, jurisdictions=None,
                    categories=None, systems=None) -> pl.DataFrame:
    """Records whose status differs between the table's and the text's reading, counted by
    (category, status under the table, status under the text)."""
    table = record_status(con, as_of, "retention_table", jurisdictions, categories, systems)
    text = record_status(con, as_of, "retention_text", jurisdictions, categories, systems)
    both = table.select("record_id", "category", pl.col("status").alias("status_table")).join(
        text.select("record_id", pl.col("status").alias("status_text")), on="record_id")
    return (both.filter(pl.col("status_table") != pl.col("status_text"))
            .group_by("category", "status_table", "status_text").agg(pl.len().alias("records"))
            .sort("category", "status_table", "status_text"))


def policy_conflicts(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, str]:
    """The policy's retention contradictions and where the list came from: the policy
    package's find_conflicts when present, else sql/retention_policy_conflicts.sql."""
    try:
        from ..policy.conflicts import find_conflicts
    except ImportError:
        return con.sql(read_sql("retention_policy_conflicts.sql")).pl(), "retention_policy_conflicts.sql"
    return find_conflicts(con), "compliance_kit.policy.conflicts.find_conflicts"


# --------------------------------------------------------------------------- charts

def _statuses_in(df: pl.DataFrame) -> list[str]:
    present = set(df["status"].to_list()) if "status" in df.columns else set()
    return [s for s in STATUSES if s in present] or list(STATUSES)


def status_by_category_chart(counts: pl.DataFrame) -> alt.Chart:
    """Stacked bars: records per status for each category (input: status_counts(run, 'category'))."""
    statuses = _statuses_in(counts)
    order = {s: i for i, s in enumerate(STATUSES)}
    data = counts.with_columns(pl.col("status").replace_strict(order, default=99).alias("status_order"))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("category:N", sort="-x", title=None),
            x=alt.X("n:Q", stack="zero", title="records"),
            color=alt.Color("status:N", scale=status_scale(statuses), title="status"),
            order=alt.Order("status_order:Q"),
            tooltip=["category", "status", "n", alt.Tooltip("rate:Q", format=".1%")],
        )
        .properties(title="Retention status by data category", height=alt.Step(18))
    )


def overdue_heatmap(counts: pl.DataFrame) -> alt.Chart:
    """Overdue rate per jurisdiction x category (input: status_counts(run, 'jurisdiction_category'))."""
    totals = counts.group_by("jurisdiction", "category").agg(
        pl.col("n").sum().alias("records"),
        pl.col("n").filter(pl.col("status") == "overdue").sum().alias("overdue"),
    ).with_columns(overdue_rate=pl.col("overdue") / pl.col("records")).sort("jurisdiction", "category")
    return (
        alt.Chart(totals)
        .mark_rect()
        .encode(
            x=alt.X("category:N", title=None),
            y=alt.Y("jurisdiction:N", title=None),
            color=alt.Color("overdue_rate:Q", title="overdue rate",
                            scale=alt.Scale(scheme="reds", domain=[0, 1])),
            tooltip=["jurisdiction", "category", "records", "overdue",
                     alt.Tooltip("overdue_rate:Q", format=".1%")],
        )
        .properties(title="Overdue rate by jurisdiction and category")
    )


def lag_chart(histogram: pl.DataFrame, max_ratio: float = 3.0) -> alt.LayerChart:
    """Erased records by lag / allowed delay; the rule at 1.0 is the deadline
    (input: lag_histogram(run)). Lags beyond `max_ratio` are drawn in the last bar."""
    data = (histogram.with_columns(pl.col("lag_ratio_from").clip(upper_bound=max_ratio))
            .group_by("lag_ratio_from").agg(pl.col("erased").sum())
            .with_columns(late=pl.col("lag_ratio_from") >= 1.0).sort("lag_ratio_from"))
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("lag_ratio_from:Q", bin=alt.Bin(binned=True, step=0.05),
                title="erasure lag / allowed delay (1 = at the deadline)"),
        y=alt.Y("erased:Q", title="records erased"),
        color=alt.Color("late:N", title="after the deadline",
                        scale=alt.Scale(domain=[False, True],
                                        range=[STATUS_COLOURS["erased_on_time"], STATUS_COLOURS["erased_late"]])),
        tooltip=["lag_ratio_from", "erased"],
    )
    rule = alt.Chart(pl.DataFrame({"deadline": [1.0]})).mark_rule(strokeDash=[4, 3]).encode(x="deadline:Q")
    return alt.layer(bars, rule).properties(title="Erasure lag against the allowed delay")


def ageing_chart(ageing_df: pl.DataFrame) -> alt.Chart:
    """Overdue records per ageing bucket (input: ageing(run))."""
    return (
        alt.Chart(ageing_df)
        .mark_bar(color=STATUS_COLOURS["overdue"])
        .encode(
            x=alt.X("ageing_bucket:N", sort=list(AGEING_BUCKETS), title="days past the deadline"),
            y=alt.Y("overdue:Q", title="overdue records"),
            tooltip=["ageing_bucket", "overdue"],
        )
        .properties(title="How long overdue records are overdue")
    )


def trend_chart(trend_df: pl.DataFrame) -> alt.Chart:
    """Records per status by month of deadline (input: trend(run))."""
    statuses = _statuses_in(trend_df)
    return (
        alt.Chart(trend_df)
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(deadline_month):T", title="month of the erasure deadline"),
            y=alt.Y("n:Q", stack="zero", title="records"),
            color=alt.Color("status:N", scale=status_scale(statuses), title="status"),
            tooltip=[alt.Tooltip("yearmonth(deadline_month):T", title="month"), "status", "n"],
        )
        .properties(title="Erasure deadlines by month and outcome")
    )
