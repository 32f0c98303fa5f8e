"""Request turnaround: the deadline of every data-subject request, and timeliness metrics
as of a date. The work is SQL (sql/requests_*.sql); this module binds parameters, picks
grouping columns from a whitelist and returns Polars frames. Definitions and decisions:
docs/metrics-requests.md.

    from compliance_kit.analysis import requests as rq
    rq.prepare(con, as_of="2026-10-31")          # TEMP tables and the view request_status
    rq.performance(con, by=["jurisdiction"])      # then any metric, each in one place
    rq.headline(con)                              # the figures for metrics.json (requests.*)

`prepare` creates TEMP tables only, so `con` may be a read-only connection to the store.
Every metric function takes that connection, or, for engine='spark', the SparkRequests
that compliance_kit.engines.prepare_requests returns: the same SQL files then run on Spark
(transpiled, engines/transpile.py) over the per-request table kept there.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import duckdb
import polars as pl

from .. import calendars
from ..charts import STATUS_COLOURS, status_scale
from ..errors import ParameterError, PolicySpecError
from ..paths import read_sql
from ..reports.params import parse_optional_date as _date

STATUS_TABLE = "request_status"
CLASSES = ("responded_in_time", "responded_late", "open_in_time", "open_late")
QUEUE_BUCKETS = ("more_than_5_days", "due_within_5_days", "past_due")
# Columns of request_status a metric may be grouped by (formatted into SQL: whitelist only).
DIMENSIONS = ("jurisdiction", "region", "type", "channel", "month", "week", "deciding_rule_id",
              "calendar", "deadline_status")
COUNT_COLUMNS = ("received", "responded_in_time", "responded_late", "open_in_time", "open_late",
                 "extended", "paused", "extension_notice_late", "no_fixed_deadline",
                 "received_all", "more_than_5_days", "due_within_5_days", "past_due", "open",
                 "completed", "censored", "requests", "acknowledged_in_time",
                 "acknowledged_late", "awaiting_in_time", "awaiting_late",
                 "complied_in_whole_or_part", "denied")
PERCENT_COLUMNS = ("performance_pct", "max_achievable_pct")
HEADLINE_KEYS = ("received", "responded_in_time", "responded_late", "open_in_time", "open_late",
                 "performance_pct", "max_achievable_pct", "km_median_days")


# ----------------------------------------------------------------------------- preparation

def _str_list(name: str, value) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    value = list(value)
    if not value or not all(isinstance(v, str) and v for v in value):
        raise ParameterError(f"{name} must be None or a non-empty list of codes, not {value!r}")
    return value


SLOTS = ("p", "w", "a")  # most specific rule, policy-wide promise, acknowledgement


def _slot_sections() -> dict[str, str]:
    """The sections of requests_slot.sql, each expanded for the three slots."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in read_sql("requests_slot.sql").splitlines():
        head = line.strip()
        if head.startswith("-- [") and "]" in head:
            current = head[4:head.index("]")]
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    filled = {}
    for name, lines in sections.items():
        body = "\n".join(lines).strip()
        parts = [body.replace("{s}", slot) for slot in SLOTS]
        if name.endswith("_joins"):
            filled[name] = "\n".join(parts)
        else:
            filled[name] = ",\n".join(part.rstrip().rstrip(",") for part in parts)
    return filled


def expanded_sql(name: str) -> str:
    """The text of sql/<name> with the per-slot placeholders filled (slot letters only)."""
    return read_sql(name).format(**_slot_sections())


def status_sql() -> str:
    return expanded_sql("requests_status.sql")


def _check_rules(con: duckdb.DuckDBPyConnection) -> None:
    bad = con.sql(
        """
        SELECT rule_id, unit, extension_unit FROM request_deadline_rules
        WHERE (extension_amount IS NOT NULL AND extension_unit IS DISTINCT FROM unit)
           OR (unit IN ('calendar_months', 'calendar_days', 'business_days', 'hours') AND amount IS NULL)
        ORDER BY rule_id
        """
    ).fetchall()
    if bad:
        raise PolicySpecError(
            "request_deadline_rules: an extension must be stated in the rule's own unit and a "
            f"fixed unit needs an amount; fix rule(s) {[b[0] for b in bad]}"
        )


# The years of the requests table (receipt to the latest event), for the calendars.
YEAR_SPAN_SQL = """
SELECT min(year(received_at)) AS first,
       max(year(greatest(received_at, coalesce(id_verified_at, received_at),
                         coalesce(completed_at, received_at)))) AS last
FROM requests
"""


def years_needed(first: int | None, last: int | None, as_of: dt.date) -> tuple[int, int]:
    """The calendar years to build from the span of the requests (None: no requests)."""
    first = min(first or as_of.year, as_of.year)
    last = max(last or as_of.year, as_of.year)
    # Room after the last date: a deadline of a few months plus its extension, and the
    # roll-forward of a date near the end of the table.
    return first, last + 2


def _year_range(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> tuple[int, int]:
    first, last = con.sql(YEAR_SPAN_SQL).fetchall()[0]
    return years_needed(first, last, as_of)


def scope_params(as_of, window_start=None, window_end=None, jurisdictions=None,
                 types=None) -> dict:
    """The validated parameters of requests_status.sql (ParameterError says what to fix)."""
    as_of = _date("as_of", as_of)
    if as_of is None:
        raise ParameterError("as_of is required (a date, YYYY-MM-DD)")
    window_start, window_end = _date("window_start", window_start), _date("window_end", window_end)
    if window_start and window_end and window_end < window_start:
        raise ParameterError(f"window_end {window_end} is before window_start {window_start}")
    return {"as_of": as_of, "window_start": window_start, "window_end": window_end,
            "jurisdictions": _str_list("jurisdictions", jurisdictions),
            "types": _str_list("types", types)}


def build_lookups(con: duckdb.DuckDBPyConnection, years: tuple[int, int]) -> None:
    """The small tables the per-request pass reads, as TEMP objects on `con`: calendar_days
    for `years` (first, last), the macros of requests_macros.sql, request_epochs,
    request_rules and request_due_lookup. Both engines build them here."""
    calendars.materialise_calendars(con, calendars.calendar_codes(con), *years)
    con.execute(read_sql("requests_macros.sql"))
    con.execute("CREATE OR REPLACE TEMP TABLE request_epochs AS\n" + read_sql("requests_epochs.sql"))
    con.execute("CREATE OR REPLACE TEMP TABLE request_rules AS\n" + expanded_sql("requests_rules.sql"))
    con.execute("CREATE OR REPLACE TEMP TABLE request_due_lookup AS\n" + read_sql("requests_lookup.sql"))


def prepare(con: duckdb.DuckDBPyConnection, as_of, window_start=None, window_end=None,
            jurisdictions=None, types=None) -> int:
    """Compute every request's deadline and class as of `as_of` into the TEMP table
    request_status_base, read through the TEMP view request_status; return its row count.
    On the way (build_lookups): TEMP table calendar_days (the calendars), TEMP macros
    rq_day and rq_midnight (requests_macros.sql), TEMP tables request_epochs (rule
    periods), request_rules (rules per jurisdiction, type and rule period:
    requests_rules.sql) and request_due_lookup (dates per rule, calendar and start day:
    requests_lookup.sql).

    window_start / window_end filter received_at (dates, inclusive); jurisdictions keeps
    requests whose jurisdiction or one of its ancestors is listed ('EEA' keeps FR);
    types keeps the listed request types.
    """
    params = scope_params(as_of, window_start, window_end, jurisdictions, types)
    _check_rules(con)
    build_lookups(con, _year_range(con, params["as_of"]))
    # Row order of the table does not matter (every reader sorts): let DuckDB write it in
    # parallel, then put the connection's setting back.
    keep_order = con.sql("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    con.execute("SET preserve_insertion_order = false")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {STATUS_TABLE}_base AS\n" + status_sql(), params)
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if keep_order else 'false'}")
    con.execute(read_sql("requests_status_view.sql"))
    check_prepared(con)
    return con.sql(f"SELECT count(*) FROM {STATUS_TABLE}").fetchall()[0][0]


def check_prepared(src) -> None:
    """Every request got a known deadline status (requests_status_check.sql); run by
    prepare on either engine."""
    broken = _query(src, "requests_status_check.sql")["broken"][0]
    if broken:
        raise RuntimeError(f"{broken} requests got no deadline although a fixed rule applies: "
                           "the calendar range is too short (a bug: please report it)")


def _require(con: duckdb.DuckDBPyConnection) -> None:
    found = con.sql(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = $t AND temporary",
        params={"t": STATUS_TABLE},
    ).fetchall()[0][0]
    if not found:
        raise RuntimeError("call compliance_kit.analysis.requests.prepare(con, as_of=...) first")


def _query(src, name: str, params: dict | None = None, sql: str | None = None) -> pl.DataFrame:
    """Run the metric query sql/<name> (or `sql`, its text with placeholders filled) over
    the prepared requests. `src` is what the metric functions take: the DuckDB connection
    `prepare` filled, or the SparkRequests that engines.prepare_requests returns for
    engine='spark' (the same query, transpiled, runs on Spark: engines/spark.py)."""
    text = read_sql(name) if sql is None else sql
    if isinstance(src, duckdb.DuckDBPyConnection):
        _require(src)
        return src.sql(text, params=params or {}).pl()
    query = getattr(src, "query", None)
    if query is None:
        raise TypeError("request metrics read a DuckDB connection passed to requests.prepare, "
                        f"or what engines.prepare_requests returns; got {type(src).__name__}")
    return query(text, name, params or {})


def _dims(by) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        by = [by]
    by = list(by)
    bad = [d for d in by if d not in DIMENSIONS]
    if bad:
        raise ParameterError(f"cannot group requests by {bad}; choose from {', '.join(DIMENSIONS)}")
    return by


def _source(dims: list[str]) -> str:
    """The view to read: the one with the region column only when grouping by it."""
    return f"{STATUS_TABLE}_regions" if "region" in dims else STATUS_TABLE


def _grouped(src, sql_name: str, by, params=None) -> pl.DataFrame:
    dims = _dims(by)
    sql = read_sql(sql_name).format(dims="".join(f"{d}, " for d in dims), source=_source(dims))
    return _query(src, sql_name, params, sql=sql)


# In every metric function below, `src` is the DuckDB connection requests.prepare filled,
# or the SparkRequests engines.prepare_requests(engine='spark') returns.

# ----------------------------------------------------------------------------- per request

def statuses(src) -> pl.DataFrame:
    """One row per request in scope: its rules, deadlines, flags and class (on Spark this
    brings every request to this machine: use the metrics for large data)."""
    return _query(src, "requests_statuses.sql")


def for_display(df: pl.DataFrame, k: int) -> pl.DataFrame:
    """A metric table made safe to share: statistics computed over fewer than `k` requests
    (percentages, median / mean / p90 days) are blanked, since they would reveal the
    suppressed count or describe a handful of people; then every count below `k` becomes
    "<k" (compliance_kit.privacy.suppress_small_counts)."""
    from ..privacy import suppress_small_counts

    if "received" in df.columns:
        base = pl.col("received")
    elif "requests" in df.columns:
        base = pl.col("requests")
    elif {"completed", "censored"} <= set(df.columns):
        base = pl.col("completed") + pl.col("censored")
    else:
        base = None
    if base is not None:
        stats = [c for c in df.columns if c in PERCENT_COLUMNS or c.endswith("_days")
                 and c not in ("days_to_deadline", "days_after_deadline")]
        df = df.with_columns(pl.when(base < k).then(None).otherwise(pl.col(c)).alias(c)
                             for c in stats)
    counts = [c for c in COUNT_COLUMNS if c in df.columns and df.schema[c].is_numeric()]
    return suppress_small_counts(df, counts, k)


def upcoming(src, limit: int = 25) -> pl.DataFrame:
    """Open requests with a fixed deadline, the soonest (and the overdue) first."""
    return _query(src, "requests_upcoming.sql", {"limit": int(limit)})


def late_extension_notices(src) -> pl.DataFrame:
    """Requests whose extension notice came after the original deadline had passed: the
    extension does not count, and the late notice is itself a finding."""
    return _query(src, "requests_late_extension_notices.sql")


# ----------------------------------------------------------------------------- metrics

def performance(src, by=None) -> pl.DataFrame:
    """Counts per class, performance % and maximum achievable %, extended / paused /
    late-notice counts and requests without a fixed deadline, per group."""
    return _grouped(src, "requests_performance.sql", by)


def performance_by_rule(src) -> pl.DataFrame:
    """performance() per deciding rule, with the rule's jurisdiction, type, period, basis
    and confidence (e.g. CCPA: 45 days, opt-out 15 business days)."""
    perf = performance(src, by="deciding_rule_id")
    rules = _query(src, "requests_rule_details.sql")
    return (perf.join(rules, on="deciding_rule_id", how="left")
            .select("deciding_rule_id", "rule_jurisdiction", "request_type", "unit", "amount",
                    "basis", "confidence", *[c for c in perf.columns if c != "deciding_rule_id"])
            .sort("deciding_rule_id", nulls_last=True))


def queue(src, by=None) -> pl.DataFrame:
    """Open requests by queue bucket: more than 5 days to go, due within 5 days, past due."""
    return _grouped(src, "requests_queue.sql", by)


def _km_sql(dims: list[str]) -> str:
    partition = ("PARTITION BY " + ", ".join(dims)) if dims else ""
    return read_sql("requests_km.sql").format(dims="".join(f"{d}, " for d in dims),
                                               partition=partition, source=_source(dims))


def km_curve(src, by=None) -> pl.DataFrame:
    """The Kaplan-Meier survival curve of time to completion: per day with an event or a
    censoring, the number at risk, events, censored and the share still open."""
    return _query(src, "requests_km.sql", sql=_km_sql(_dims(by)))


def time_to_complete(src, by=None) -> pl.DataFrame:
    """Kaplan-Meier median and p90 (open requests censored) beside the naive median and
    p90 over completed requests only."""
    dims = _dims(by)
    km_join = (f"JOIN km USING ({', '.join(dims)})" if dims else "CROSS JOIN km")
    sql = read_sql("requests_time_to_complete.sql").replace("{km}", _km_sql(dims)).format(
        dims="".join(f"{d}, " for d in dims), km_join=km_join, source=_source(dims))
    return _query(src, "requests_time_to_complete.sql", sql=sql).select(
        *dims, "completed", "censored", "km_median_days", "naive_median_days",
        "km_p90_days", "naive_p90_days").sort(dims or "completed")


def ccpa_7102(src, scope: str = "US-CA") -> pl.DataFrame:
    """The 11 CCR 7102 table per request type for requests from `scope` and below."""
    return _query(src, "requests_ccpa_7102.sql", {"scope": scope})


def acknowledgements(src, by=None) -> pl.DataFrame:
    """Requests under an acknowledgement rule (CCPA: 10 business days), by outcome."""
    return _grouped(src, "requests_acknowledgement.sql", by)


def no_fixed_deadline(src) -> pl.DataFrame:
    """Requests whose rule sets no fixed period ('without delay', 'none') or that no rule
    covers: reported apart, with their turnaround, never as in time or late."""
    return _query(src, "requests_no_fixed_deadline.sql")


def rules_used(src) -> pl.DataFrame:
    """The rules that decided deadlines, with their basis and confidence; low-confidence
    statutory defaults are flagged for legal review."""
    return _query(src, "requests_rules_used.sql")


def on_time_trend(src, period: str = "quarter", top: int = 5) -> pl.DataFrame:
    """Performance % per period of receipt and region (request_status.region: a
    jurisdiction's widest bloc or country below GLOBAL, FR -> EEA), the `top` regions by
    volume, the rest as 'other', and 'all'."""
    if period not in ("month", "quarter"):
        raise ParameterError(f"period must be 'month' or 'quarter', not {period!r}")
    return _query(src, "requests_trend.sql", {"period": period, "top": int(top)})


def weekly_volume(src) -> pl.DataFrame:
    """Requests received per week (Monday) and type."""
    return _query(src, "requests_weekly_volume.sql")


def distance_to_deadline(src, clip: int = 60) -> pl.DataFrame:
    """Days between the due date and the response (or the as-of date for open requests),
    positive = days to spare, negative = days late; clipped to +-clip, counted per class."""
    return _query(src, "requests_distance.sql", {"clip": int(clip)})


def headline(src) -> dict:
    """The headline figures, with the stable keys of metrics.json `requests.*`.
    A KM median the curve never reaches is written as the string "not reached", a
    percentage of nothing received as "n/a"."""
    perf = performance(src).row(0, named=True)
    ttc = time_to_complete(src).row(0, named=True)
    figures = {key: perf[key] for key in HEADLINE_KEYS if key in perf}
    for key in ("performance_pct", "max_achievable_pct"):
        # nothing received: no percentage (a string, which --fail-on reports as not a number)
        figures[key] = "n/a" if figures[key] is None else float(figures[key])
    figures["km_median_days"] = ("not reached" if ttc["km_median_days"] is None
                                 else int(ttc["km_median_days"]))
    figures.update(
        naive_median_days=("n/a" if ttc["naive_median_days"] is None
                           else float(ttc["naive_median_days"])),
        extended=perf["extended"], paused=perf["paused"],
        extension_notice_late=perf["extension_notice_late"],
        no_fixed_deadline=perf["no_fixed_deadline"],
    )
    return figures


# ----------------------------------------------------------------------------- charts

def weekly_volume_chart(volume: pl.DataFrame) -> alt.Chart:
    """Stacked bars: requests received per week, by type."""
    return (
        alt.Chart(volume)
        .mark_bar()
        .encode(
            x=alt.X("week:T", title="week received"),
            y=alt.Y("sum(requests):Q", title="requests"),
            color=alt.Color("type:N", title="request type"),
            tooltip=["week:T", "type:N", "requests:Q"],
        )
        .properties(title="Requests received per week, by type")
    )


def on_time_trend_chart(trend: pl.DataFrame) -> alt.Chart:
    """Lines: performance % (responded in time / received) per period of receipt, one per
    region. `trend` is on_time_trend(con) (filter out small cells first)."""
    data = trend.filter(pl.col("received") > 0).select(
        "period", "region", "performance_pct", "received")
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:T", title="received (period start)"),
            y=alt.Y("performance_pct:Q", title="responded in time (%)",
                    scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("region:N", title="jurisdiction (region)"),
            strokeDash=alt.condition(alt.datum.region == "all", alt.value([1, 0]), alt.value([4, 2])),
            tooltip=["period:T", "region:N", "performance_pct:Q", "received:Q"],
        )
        .properties(title="On-time performance by period of receipt")
    )


def survival_chart(curve: pl.DataFrame, group: str | None = None) -> alt.Chart:
    """Step line of the Kaplan-Meier curve: share of requests still open after n days."""
    enc = {
        "x": alt.X("days:Q", title="days since receipt"),
        "y": alt.Y("survival:Q", title="share still open", scale=alt.Scale(domain=[0, 1]),
                   axis=alt.Axis(format="%")),
        "tooltip": ["days:Q", "survival:Q", "at_risk:Q"],
    }
    if group:
        enc["color"] = alt.Color(f"{group}:N")
    return (
        alt.Chart(curve)
        .mark_line(interpolate="step-after")
        .encode(**enc)
        .properties(title="Time to completion (Kaplan-Meier, open requests censored)")
    )


def distance_chart(distance: pl.DataFrame) -> alt.Chart:
    """Histogram of days to spare (positive) or days late (negative), coloured by class."""
    present = [c for c in CLASSES if c in set(distance["class"].to_list())] or list(CLASSES)
    return (
        alt.Chart(distance)
        .mark_bar()
        .encode(
            x=alt.X("days_to_deadline:Q", bin=alt.Bin(step=2),
                    title="days to the deadline at response (or as of the report date)"),
            y=alt.Y("sum(requests):Q", title="requests"),
            color=alt.Color("class:N", scale=status_scale(present), title="class"),
            tooltip=["class:N", "sum(requests):Q"],
        )
        .properties(title="Distance to deadline")
    )


__all__ = [
    "prepare", "statuses", "upcoming", "late_extension_notices", "performance",
    "performance_by_rule", "for_display", "queue",
    "km_curve", "time_to_complete", "ccpa_7102", "acknowledgements", "no_fixed_deadline",
    "rules_used", "on_time_trend", "weekly_volume", "distance_to_deadline", "headline",
    "weekly_volume_chart", "on_time_trend_chart", "survival_chart", "distance_chart",
    "CLASSES", "QUEUE_BUCKETS", "DIMENSIONS", "HEADLINE_KEYS", "STATUS_COLOURS",
]
