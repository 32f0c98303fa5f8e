"""Request turnaround: the deadline of every data-subject request, and timeliness metrics
as of a date. The work is SQL (sql/requests_*.sql); this module binds parameters, picks
grouping columns from a whitelist and returns Polars frames. Definitions and decisions:
docs/metrics-requests.md.

    from compliance_kit import engines
    from compliance_kit.analysis import requests as rq
    src = rq.prepare(engines.get("duckdb", con), as_of="2026-10-31")  # or "spark", ...
    rq.performance(src, by=["jurisdiction"])      # then any metric, each in one place
    rq.headline(src)                              # the figures for metrics.json (requests.*)

`prepare` is the one orchestration, on any engine (compliance_kit.engines): the lookups
(rule periods, rules, due-date lookup, calendars) are built in DuckDB from the store and,
where the requests are elsewhere (Spark), registered there; the per-request table
request_status_base is materialised where the requests are, with the views request_status
and request_status_regions. It returns a PreparedRequests, which every metric function
takes and which refuses to answer once a later prepare on the same engine replaced the
tables. On DuckDB everything is TEMP, so the store may be opened read-only; `prepare(con)`
on a bare DuckDB connection still works and returns the row count, the connection then
being what the metrics read.
"""

from __future__ import annotations

import datetime as dt

from dataclasses import dataclass

import altair as alt
import duckdb
import polars as pl
import polars.selectors as cs

from .. import calendars, engines, timezones
from ..cases import CaseList, case_list
from ..charts import STATUS_COLOURS, empty_chart, status_legend, status_scale
from ..contract import (AsOf, Codes, Contract, OptionalDate, Param, StoreLookup, adapt_codes,
                        common_parameters, spark_needs_data, window_in_order)
from ..engines import DuckDBEngine, Engine
from ..errors import ParameterError, PolicySpecError, UserError
from ..figures import format_count, shown_section, shown_text
from ..privacy.escaping import md
from ..privacy.linked import protect_linked
from ..privacy.suppression import (HIDDEN, blank_small_rates, check_k, is_small, protect_table,
                                   rate_shown, small_label, suppression_mask)

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
                 "complied_in_whole_or_part", "denied", "clock_not_started",
                 "extension_told_beyond_max", "no_identity_check", "awaiting_identity",
                 "closed_unverifiable", "closed_unverified", "verified_open", "verified_completed",
                 "identity_requested")
# The verification funnel's final states: they partition the requests in scope
# (requests_funnel.sql); the stages are sums of them.
FUNNEL_STATES = ("no_identity_check", "awaiting_identity", "closed_unverifiable",
                 "closed_unverified", "verified_open", "verified_completed")
PERCENT_COLUMNS = ("performance_pct", "max_achievable_pct")
HEADLINE_KEYS = ("received", "responded_in_time", "responded_late", "open_in_time", "open_late",
                 "performance_pct", "max_achievable_pct", "km_median_days")


# ----------------------------------------------------------------------------- preparation

# The report's parameters, declared once: the runner checks -p and schedule values against
# them before any kernel starts, the notebook's first cell validates with the same call.
# Request types are the store's (request_types), as are the jurisdiction codes.
CONTRACT = Contract("request_turnaround", (
    *common_parameters(as_of_help="requests are classified at the end of this day in each request's time zone", engine=True),
    Param("window_start", OptionalDate(), None, "first day of receipt included (YYYY-MM-DD); None: from the start"),
    Param("window_end", OptionalDate(), None, "last day of receipt included (YYYY-MM-DD); None: up to as_of"),
    Param("jurisdictions", Codes("jurisdictions"), None,
          "e.g. [\"EEA\", \"US-CA\"]: a bloc selects its members; None: all"),
    Param("types", Codes("types"), None, "e.g. [\"access\", \"deletion\"]; None: all"),
), checks=(spark_needs_data, window_in_order))


STATUS_BASE = f"{STATUS_TABLE}_base"
# Deadlines of the plain requests per (jurisdiction, type, local day of receipt), built by
# prepare where the requests are (docs/metrics-requests.md, "How it runs").
PLAIN_DUE = "request_plain_due"
# Tables of prepare built in DuckDB from the policy and the calendars (small: rules x
# periods, days x calendars); registered on the engine when the requests are elsewhere.
# ENUM types prepare declares where the requests are (Engine.declare_enum), and the query
# of their values (the requests' own): the columns of request_status_base that CAST to
# them take one byte.
ENUM_VOCABULARIES = {"rq_jurisdiction_enum": "requests_jurisdiction_vocabulary.sql",
                     "rq_type_enum": "requests_type_vocabulary.sql"}
REQUEST_LOOKUPS = ("request_zones", "request_zone_days", "request_epochs", "request_rules",
                   "request_due_lookup", "calendar_days")


def _check_rules(store: Engine) -> None:
    bad = store.query("requests_rule_check.sql")
    if bad.height:
        raise PolicySpecError(
            "request_deadline_rules: an extension must be stated in the rule's own unit and a "
            f"fixed unit needs an amount; fix rule(s) {bad['rule_id'].to_list()}"
        )


def years_needed(first: int | None, last: int | None, as_of: dt.date) -> tuple[int, int]:
    """The calendar years to build from the span of the requests (None: no requests)."""
    first = min(first or as_of.year, as_of.year)
    last = max(last or as_of.year, as_of.year)
    # Room after the last date: a deadline of a few months plus its extension, and the
    # roll-forward of a date near the end of the table.
    return first, last + 2


def _year_range(engine: Engine, as_of: dt.date) -> tuple[int, int]:
    """The calendar years to build, from the requests where they are (on the engine)."""
    first, last = engine.query("requests_year_span.sql").row(0)
    return years_needed(first, last, as_of)


def scope_params(as_of, window_start=None, window_end=None, jurisdictions=None,
                 types=None, lookup: StoreLookup | None = None) -> dict:
    """The parameters of requests_status.sql from typed values (CONTRACT.validate) or, for
    library callers, values parsed by the contract's parsers (`lookup`: the store, which
    checks and canonicalises the codes). `$as_of` is the as-of day (day arithmetic),
    `$as_of_end` the end of it (contract.AsOf.end, exclusive: the one bound for instants)."""
    day = AsOf.parse(as_of)
    window_start = CONTRACT.param("window_start").parse(window_start, None)
    window_end = CONTRACT.param("window_end").parse(window_end, None)
    if window_start and window_end and window_end < window_start:
        raise ParameterError(f"parameter window_end ({window_end}) is before window_start ({window_start}): swap them")
    codes = {name: adapt_codes(CONTRACT.param(name), value, lookup)
             for name, value in (("jurisdictions", jurisdictions), ("types", types))}
    return {"as_of": day.day, "as_of_end": day.end, "window_start": window_start, "window_end": window_end,
            **{name: None if c is None else list(c) for name, c in codes.items()}}


def check_jurisdictions(con: duckdb.DuckDBPyConnection, jurisdictions) -> list[str] | None:
    """The codes in the store's spelling ('eea' -> 'EEA'); ParameterError for a code the
    store does not know (a typo would otherwise give an empty report). The contract's
    parser, for library callers."""
    codes = adapt_codes(CONTRACT.param("jurisdictions"), jurisdictions, StoreLookup(con))
    return None if codes is None else list(codes)


def build_lookups(store: Engine, years: tuple[int, int]) -> None:
    """The small tables the per-request pass reads, as TEMP objects on the store:
    calendar_days for `years` (first, last), request_epochs, request_rules and
    request_due_lookup (the macros of requests_macros.sql come with the files that call
    them)."""
    store = engines.of(store)
    build_zones(store)
    codes = store.query("calendar_codes.sql")["holiday_calendar"].to_list()
    store.materialise("calendar_days", "calendar_days.sql", calendars.calendar_parameters(codes, *years))
    # the zones' UTC offsets per UTC day over the same years (and the day before: a receipt
    # early on 1 January UTC), read instead of a conversion per request
    store.materialise("request_zone_days", "requests_zone_days.sql",
                      {"first_day": dt.date(years[0], 1, 1) - dt.timedelta(days=1),
                       "last_day": dt.date(years[1], 12, 31)})
    store.materialise("request_epochs", "requests_epochs.sql")
    store.materialise("request_rules", "requests_rules.sql")
    store.materialise("request_due_lookup", "requests_lookup.sql")


def build_zones(store: Engine) -> None:
    """request_zones: the IANA zone of every jurisdiction of the store (compliance_kit.timezones)."""
    inputs = store.query("requests_zone_inputs.sql")
    rows = timezones.request_zone_rows(inputs["code"].to_list(),
                                       dict(zip(inputs["code"].to_list(), inputs["controller_calendar"].to_list())))
    store.materialise("request_zones", "requests_zones.sql",
                      {"codes": [c for c, _ in rows] or [None], "zones": [z for _, z in rows] or [None]})


@dataclass
class PreparedRequests:
    """The requests prepare kept on `engine` (request_status_base, its views), and what
    every metric function reads. `generation`: the engine's version of the per-request
    table when prepared; a later prepare on the same engine replaces the tables, and this
    object then refuses to answer rather than read another scope's requests."""

    engine: Engine
    generation: int
    rows: int
    scope: dict

    def query(self, name: str, params: dict | None = None, /, **fill) -> pl.DataFrame:
        if self.engine.version(STATUS_BASE) != self.generation:
            raise UserError("these prepared requests were replaced by a later requests_prepare "
                            "(requests.prepare) on the same engine; use the object that call returned")
        return self.engine.query(name, params, **fill)

    def __repr__(self) -> str:
        return f"PreparedRequests({self.engine.name}, rows={self.rows}, scope={self.scope})"


def prepare(source, as_of, window_start=None, window_end=None, jurisdictions=None, types=None):
    """Compute every request's deadline and class as of `as_of` into request_status_base
    on the engine (`source`: an engine, or a DuckDB connection), read through the view
    request_status. On the way (build_lookups, on the store): calendar_days (the
    calendars), request_epochs (rule periods), request_rules (rules per jurisdiction, type
    and rule period: requests_rules.sql) and request_due_lookup (dates per rule, calendar
    and start day: requests_lookup.sql), registered on the engine when it is not the store.

    window_start / window_end filter received_at (dates, inclusive); jurisdictions keeps
    requests whose jurisdiction or one of its ancestors is listed ('EEA' keeps FR);
    types keeps the listed request types.

    Returns the PreparedRequests the metrics read; given a bare DuckDB connection, its
    row count (the connection is then what the metrics read).
    """
    engine = engines.of(source)
    params = scope_params(as_of, window_start, window_end, jurisdictions, types,
                          lookup=StoreLookup(engine.store))
    store = engine.store
    _check_rules(store)
    build_lookups(store, _year_range(engine, params["as_of"]))
    if engine.store is not engine:  # the requests are elsewhere (Spark): ship the lookups
        for table in REQUEST_LOOKUPS:
            engine.register(table, store.query("relation_copy.sql", relation=table))
    # The jurisdiction codes and request types of the requests as ENUM types:
    # request_status_base keeps each in one byte (on DuckDB; Spark keeps the strings).
    for type_name, vocabulary in ENUM_VOCABULARIES.items():
        engine.declare_enum(type_name, vocabulary)
    # The deadlines of a plain request per jurisdiction, type and local day of receipt
    # (requests_plain_due.sql): built where the requests are, from the span of their days.
    engine.materialise(PLAIN_DUE, "requests_plain_due.sql", params, input="day_inputs")
    # Row order of the table does not matter (every reader sorts): written in parallel.
    engine.materialise(STATUS_BASE, "requests_status.sql", params, keep_order=False, input="req")
    engine.materialise(STATUS_TABLE, "requests_status_view.sql", view=True)
    engine.materialise("request_regions", "requests_regions.sql")
    engine.materialise(f"{STATUS_TABLE}_regions", "requests_status_regions.sql", view=True)
    scope = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in params.items()
             if v is not None}
    prepared = PreparedRequests(engine, engine.version(STATUS_BASE), 0, scope)
    check_prepared(prepared)
    prepared.rows = prepared.query("relation_count.sql", relation=STATUS_TABLE).item()
    return prepared.rows if isinstance(source, duckdb.DuckDBPyConnection) else prepared


def check_prepared(src) -> None:
    """Every request got a known deadline status (requests_status_check.sql); run by
    prepare on either engine."""
    broken = _query(src, "requests_status_check.sql")["broken"][0]
    if broken:
        raise RuntimeError(f"{broken} requests got no deadline although a fixed rule applies: "
                           "the calendar range is too short (a bug: please report it)")


def _engine(src):
    """What the metric functions were handed, as something that runs a named query: a
    PreparedRequests (checked for replacement), an engine on which prepare ran, or a DuckDB
    connection prepare filled (checked: the view request_status exists, else the error
    says what to call)."""
    if isinstance(src, (PreparedRequests, Engine)):
        return src
    if isinstance(src, duckdb.DuckDBPyConnection):
        engine = DuckDBEngine(src)
        if not engine.query("requests_prepared.sql").item():
            raise RuntimeError("call compliance_kit.analysis.requests.prepare(engine, as_of=...) first")
        return engine
    raise TypeError("request metrics read what requests.prepare returns (or the DuckDB connection "
                    f"it prepared); got {type(src).__name__}")


def _query(src, name: str, params: dict | None = None, **fill) -> pl.DataFrame:
    """Run the query sql/<name> (composed, with its fill-ins) over the prepared requests.
    On DuckDB the stored table keeps its status columns (deadline_status, class,
    queue_bucket, ack_class), jurisdiction and type as ENUMs (requests_status.sql), which
    reach Polars as Categorical: every result leaves here with them as String, as on Spark."""
    return _engine(src).query(name, params, **fill).with_columns(
        (cs.categorical() | cs.enum()).cast(pl.String))


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
    return _query(src, sql_name, params, dims=dims, source=_source(dims))


# In every metric function below, `src` is what requests.prepare returned (a
# PreparedRequests), or, on DuckDB, the connection prepare filled.

# ----------------------------------------------------------------------------- per request

def statuses(src) -> pl.DataFrame:
    """One row per request in scope: its rules, deadlines, flags and class (on Spark this
    brings every request to this machine: use the metrics for large data)."""
    return _query(src, "requests_statuses.sql")


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


def funnel(src, by=None) -> pl.DataFrame:
    """The verification funnel per group (received -> identity requested -> verified ->
    completed): every request in one final state (FUNNEL_STATES, which add up to
    `requests`), and the local days from the identity request to verification (median,
    p90, over verified requests). Definitions: docs/metrics-requests.md."""
    return _grouped(src, "requests_funnel.sql", by)


def funnel_stages(row: dict) -> dict:
    """The stages of one funnel row (sums of its final states) and the drop-off at each:
    identity_requested (every state but no_identity_check), verified, completed after
    verification; dropped at verification (awaiting, unverifiable, closed unverified),
    dropped after verification (verified, still open)."""
    identity_requested = sum(row[s] for s in FUNNEL_STATES if s != "no_identity_check")
    verified = row["verified_open"] + row["verified_completed"]
    return {"received": row["requests"], "identity_requested": identity_requested,
            "verified": verified, "completed_after_verification": row["verified_completed"],
            "dropped_at_verification": identity_requested - verified,
            "dropped_after_verification": row["verified_open"]}


def verification_rules(src) -> pl.DataFrame:
    """Per deciding rule (per law): its identity mode, whether verification time counted
    against the deadline, whether a clarification stops the clock, its source, and the
    requests it decided (requests_verification_rules.sql)."""
    return _query(src, "requests_verification_rules.sql")


def funnel_for_display(src, k: int, by=("jurisdiction", "type")) -> pl.DataFrame:
    """funnel() for a shared page: the final states protected as a partition of
    `requests` (counts below k and the cells that would give them away read hidden), the
    verification days blank over fewer than k verified requests."""
    return for_display(funnel(src, by=list(by)), k)


def verification_rules_for_display(src, k: int) -> pl.DataFrame:
    """verification_rules() for a shared page: the request counts protected."""
    table = verification_rules(src).with_columns(
        counted=pl.when(pl.col("verification_counts_against_deadline"))
        .then(pl.lit("yes: the clock runs during verification"))
        .otherwise(pl.concat_str([pl.lit("no: "), pl.col("identity_mode")])))
    return for_display(table.select("rule_id", "jurisdiction", "identity_mode", "counted",
                                    "clarification_stops_clock", "requests", "identity_citation"), k)


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


def open_queue(src, by=None) -> pl.DataFrame:
    """queue() with the open requests whose clock has not started yet (awaiting identity:
    open in time, no due date, no bucket) as `clock_not_started`, so that the buckets
    partition `open` = open in time + open late, the headline's open requests. Every
    group of performance() has a row, zeros included (a missing row would say "0 open"
    beside a table that may hide it)."""
    dims = _dims(by)
    buckets = queue(src, by=dims)
    perf = performance(src, by=dims).select(*dims, "open_in_time", "open_late")
    counts = (*QUEUE_BUCKETS, "open_in_time", "open_late")
    if dims:
        joined = perf.join(buckets.drop("open"), on=dims, how="full", coalesce=True, nulls_equal=True)
    else:
        joined = pl.concat([perf, buckets.drop("open")], how="horizontal")
    joined = joined.with_columns(pl.col(c).fill_null(0) for c in counts)
    return (joined
            .with_columns(clock_not_started=pl.col("open_in_time") - pl.col("more_than_5_days")
                          - pl.col("due_within_5_days"),
                          open=pl.col("open_in_time") + pl.col("open_late"))
            .select(*dims, *QUEUE_BUCKETS, "clock_not_started", "open")
            .sort(dims or "open", nulls_last=True))


def km_curve(src, by=None) -> pl.DataFrame:
    """The Kaplan-Meier survival curve of time to completion: per day with an event or a
    censoring, the number at risk, events, censored and the share still open."""
    dims = _dims(by)
    return _query(src, "requests_km.sql", dims=dims, source=_source(dims))


def time_to_complete(src, by=None) -> pl.DataFrame:
    """Kaplan-Meier median and p90 (open requests censored) beside the naive median and
    p90 over completed requests only."""
    dims = _dims(by)
    return _query(src, "requests_time_to_complete.sql", dims=dims, source=_source(dims)).select(
        *dims, "completed", "censored", "km_median_days", "naive_median_days",
        "km_p90_days", "naive_p90_days").sort(dims or "completed")


CCPA_7102_BY = ("request_type", "ccpa_category")


def ccpa_7102(src, scope: str = "US-CA", by=CCPA_7102_BY) -> pl.DataFrame:
    """The 11 CCR 7102 table for requests from `scope` and below: per request type with its
    7102 category (the notebook's table), or `by="ccpa_category"` per category (the
    disclosure, compliance_kit.exports.ccpa_7102). The one place it is computed."""
    dims = [by] if isinstance(by, str) else list(by)
    bad = [d for d in dims if d not in CCPA_7102_BY]
    if bad:
        raise ParameterError(f"cannot group the 7102 table by {bad}; choose from {', '.join(CCPA_7102_BY)}")
    return _query(src, "requests_ccpa_7102.sql", {"scope": scope}, dims=dims)


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
        extension_told_beyond_max=perf["extension_told_beyond_max"],
    )
    # the verification funnel (issue 16): stages as sums of the final states
    fun = funnel(src).row(0, named=True)
    stages = funnel_stages(fun)
    figures.update(
        identity_requested=stages["identity_requested"], verified=stages["verified"],
        awaiting_identity=fun["awaiting_identity"], unverifiable=fun["closed_unverifiable"],
        closed_unverified=fun["closed_unverified"],
        verification_median_days=("n/a" if fun["verification_median_days"] is None
                                  else float(fun["verification_median_days"])),
    )
    return figures


# ----------------------------------------------------------------------------- shared output
# What a shared page may show of the tables above (docs/sharing.md): every table goes
# through `for_display`, every chart builder protects its own data, case lists follow
# compliance_kit.cases.

ACK_CLASSES = ("acknowledged_in_time", "acknowledged_late", "awaiting_in_time", "awaiting_late")
# Counts of a row that add up to another count of the row (the first that fits a table).
ROW_PARTITIONS = (
    ("received", CLASSES),                                           # performance
    ("open", (*QUEUE_BUCKETS, "clock_not_started")),                 # open_queue
    ("open", QUEUE_BUCKETS),                                         # queue
    ("requests", ACK_CLASSES),                                       # acknowledgements
    ("received", ("complied_in_whole_or_part", "denied", "open")),   # ccpa_7102
    ("requests", ("completed", "open")),                             # no_fixed_deadline
    ("requests", FUNNEL_STATES),                                     # funnel
)
# Percentages: (base, counts whose sum is the numerator).
RATES = {"performance_pct": ("received", ("responded_in_time",)),
         "max_achievable_pct": ("received", ("responded_in_time", "open_in_time"))}
# Day statistics: the counts whose sum is the number of requests they describe.
STATISTIC_BASES = {
    "km_median_days": ("completed", "censored"), "km_p90_days": ("completed", "censored"),
    "naive_median_days": ("completed",), "naive_p90_days": ("completed",),
    "median_days": ("complied_in_whole_or_part", "denied"),
    "mean_days": ("complied_in_whole_or_part", "denied"),
    "oldest_open_days": ("open",),
    "verification_median_days": ("verified_open", "verified_completed"),
    "verification_p90_days": ("verified_open", "verified_completed"),
}
# Internal columns a shared table leaves out: received_all = received + no_fixed_deadline
# would give a hidden no_fixed_deadline away by subtraction.
INTERNAL_COLUMNS = ("received_all",)


def _count_columns(df: pl.DataFrame) -> list[str]:
    return [c for c in df.columns if c in COUNT_COLUMNS and df.schema[c].is_numeric()]


def hidden_cells(df: pl.DataFrame, k: int, column_totals_known: bool = True,
                 hide: dict[str, list[bool]] | None = None) -> dict[str, list[bool]]:
    """Which count cells of a request table a shared page hides: {column: [hidden per row]}.

    Primary (1..k-1) and secondary suppression (compliance_kit.privacy.suppression):
    the counts of a row partition (ROW_PARTITIONS: the classes add up to `received`, the
    queue buckets to `open`, ...) are protected together with their row total; every
    other count column on its own. With `column_totals_known` (the default: the table
    covers the whole scope, so its column sums are the headline) columns are protected
    too. `hide` marks cells that must be hidden whatever their value (the smallest member
    of a group whose total another table hides: see `nested_for_display`).
    """
    check_k(k)
    n = df.height
    counts = _count_columns(df)
    hide = hide or {}

    def cells(c):
        forced = hide.get(c) or [False] * n
        # A forced cell enters the mask as a small count: hidden, and protected like one.
        return [1 if f else (v or 0) for v, f in zip(df[c].to_list(), forced)]

    mask: dict[str, list[bool]] = {}
    partition = next(((t, parts) for t, parts in ROW_PARTITIONS
                      if t in counts and all(p in counts for p in parts)), None)
    if partition:
        total, parts = partition
        columns = [cells(p) for p in parts]
        values = [list(row) for row in zip(*columns)] if n else []
        hide_cells, hide_total = suppression_mask(values, k, cells(total), column_totals_known)
        for j, p in enumerate(parts):
            mask[p] = [row[j] for row in hide_cells]
        mask[total] = list(hide_total)
    for c in counts:
        if c in mask:
            continue
        hide_cells, _ = suppression_mask([[v] for v in cells(c)], k, None, column_totals_known)
        mask[c] = [row[0] for row in hide_cells]
    return mask


def for_display(df: pl.DataFrame, k: int, *, column_totals_known: bool = True,
                hide: dict[str, list[bool]] | None = None) -> pl.DataFrame:
    """A request table made safe to share; every request table of a shared page goes
    through here.

    - Counts: primary and secondary suppression (`hidden_cells`); every hidden count
      reads `HIDDEN`, the others become text. `column_totals_known=False` only for a
      table whose column sums are shown nowhere (not the whole scope).
    - Percentages (RATES) are blanked over a base below k, when they would reveal a small
      count (83.3% of 6), and when their base or numerator is a hidden cell.
    - Day statistics (STATISTIC_BASES) over fewer than k requests are blanked; a day
      column with no known base raises (register it).
    - received_all is left out (INTERNAL_COLUMNS).
    """
    check_k(k)
    if isinstance(df, pl.LazyFrame):
        df = df.collect()
    if "received" in df.columns:
        df = df.drop([c for c in INTERNAL_COLUMNS if c in df.columns])
    mask = hidden_cells(df, k, column_totals_known, hide)
    hidden = {c: pl.Series(m, dtype=pl.Boolean) for c, m in mask.items()}
    blank = {}
    for rate in [c for c in df.columns if c in PERCENT_COLUMNS]:
        base, parts = RATES[rate]
        if base not in df.columns or not all(p in df.columns for p in parts):
            blank[rate] = pl.Series([True] * df.height)  # no base to check: never shown
            continue
        numerator = df.select(pl.sum_horizontal(parts).alias("n"))["n"]
        probe = blank_small_rates(df.select(pl.col(base), pl.col(rate)).with_columns(n=numerator),
                                  {rate: (base, "n")}, k)
        out = probe[rate].is_null() | hidden[base]
        for p in parts:
            out = out | hidden[p]
        blank[rate] = out
    for stat in [c for c in df.columns if c.endswith("_days") and c not in COUNT_COLUMNS]:
        if stat not in STATISTIC_BASES:
            raise ValueError(f"for_display: no base known for the statistic {stat!r}; "
                             "add it to STATISTIC_BASES")
        parts = STATISTIC_BASES[stat]
        if not all(p in df.columns for p in parts):
            blank[stat] = pl.Series([True] * df.height)
            continue
        base = df.select(pl.sum_horizontal(parts).alias("b"))["b"]
        blank[stat] = base.fill_null(0) < k
    out = df.with_columns(
        pl.when(pl.lit(blank[c])).then(None).otherwise(pl.col(c)).alias(c) for c in blank)
    return out.with_columns(
        pl.Series(c, [None if v is None else (HIDDEN if h else str(int(v)))
                      for v, h in zip(df[c].to_list(), mask[c])], dtype=pl.String)
        for c in mask)


def _protect_linked_tables(tables: list[tuple], links: list[dict], k: int) -> list[pl.DataFrame]:
    """Request tables shown on one page whose counts are tied to each other, protected
    together. `tables` are (frame, columns_known_first, column_sums_known): each is first
    shown by `for_display` on its own (with column totals known as `columns_known_first`
    says); then an audit over all of them (privacy.linked) adds complements until no
    hidden cell can be worked out from the equations a reader has: each table's row
    partition, its column sums where the headline shows them (`column_sums_known`), and
    `links` ({(table index, row, column): coefficient} equations tying cells of different
    tables). Every table is then shown again with those cells hidden too (hiding more
    never exposes another cell)."""
    shown = [for_display(df, k, column_totals_known=first) for df, first, _ in tables]
    values, equations, hidden = {}, list(links), set()
    for t, ((df, _, sums), view) in enumerate(zip(tables, shown)):
        counts = [c for c in _count_columns(df) if c not in INTERNAL_COLUMNS]
        partition = next(((tot, parts) for tot, parts in ROW_PARTITIONS
                          if tot in counts and all(p in counts for p in parts)), None)
        for i in range(df.height):
            for c in counts:
                values[(t, i, c)] = int(df[c][i] or 0)
                if view[c][i] == HIDDEN:
                    hidden.add((t, i, c))
            if partition:
                eq = {(t, i, p): 1.0 for p in partition[1]}
                eq[(t, i, partition[0])] = -1.0
                equations.append(eq)
        if sums:
            equations += [{(t, i, c): 1.0 for i in range(df.height)} for c in counts]
    final = protect_linked(values, equations, k, hidden)
    if final == hidden:
        return shown
    out = []
    for t, (df, first, _) in enumerate(tables):
        counts = [c for c in _count_columns(df) if c not in INTERNAL_COLUMNS]
        mask = {c: [(t, i, c) in final for i in range(df.height)] for c in counts}
        out.append(for_display(df, k, column_totals_known=first, hide=mask))
    return out


def nested_for_display(parent: pl.DataFrame, child: pl.DataFrame, key: str, k: int,
                       queue: pl.DataFrame | None = None):
    """Request tables where each `key` group of `child` adds up to a `parent` row
    (performance by region, and by region and jurisdiction), protected together; with
    `queue` (open_queue by the same key) the queue too: its past_due is the parent's
    open_late, its other buckets add up to open_in_time.

    Each child group is first protected as a table whose column sums are its parent row;
    then the audit of `_protect_linked_tables` ties every parent cell to the sum of its
    members (a hidden region cell must not be the sum of shown jurisdictions, nor a
    jurisdiction worked out from a shown region) and the queue to the parent.
    Returns (parent, child), the child in parent order, or (parent, child, queue).
    """
    missing = child.join(parent.select(key), on=key, how="anti", nulls_equal=True)
    if missing.height:
        raise ValueError(f"nested_for_display: {missing.height} child rows have no parent row")
    keys = parent[key].to_list()
    groups = [child.filter(pl.col(key).eq_missing(value)) for value in keys]
    counts = [c for c in _count_columns(parent) if c in child.columns
              and c not in INTERNAL_COLUMNS]
    tables = [(parent, True, True)] + [(g, True, False) for g in groups]
    links = []
    for g, group in enumerate(groups, start=1):
        for c in counts:  # a parent cell is the sum of its members
            eq = {(g, i, c): 1.0 for i in range(group.height)}
            eq[(0, g - 1, c)] = -1.0
            links.append(eq)
    if queue is not None:
        q = len(tables)
        tables.append((queue, True, False))
        row_of = {v: i for i, v in enumerate(keys)}
        for i, value in enumerate(queue[key].to_list()):
            if value not in row_of:
                raise ValueError(f"nested_for_display: queue row {value!r} has no parent row")
            p = row_of[value]
            links += [
                {(q, i, "past_due"): 1.0, (0, p, "open_late"): -1.0},
                {(q, i, "more_than_5_days"): 1.0, (q, i, "due_within_5_days"): 1.0,
                 (q, i, "clock_not_started"): 1.0, (0, p, "open_in_time"): -1.0},
                {(q, i, "open"): 1.0, (0, p, "open_in_time"): -1.0, (0, p, "open_late"): -1.0},
            ]
        # a parent row with no queue row has nothing open: its open cells are known zeros
        for value in set(keys) - set(queue[key].to_list()):
            p = row_of[value]
            links += [{(0, p, "open_in_time"): 1.0}, {(0, p, "open_late"): 1.0}]
    shown = _protect_linked_tables(tables, links, k)
    parts = [s for s in shown[1:1 + len(groups)] if s.height]
    child_shown = pl.concat(parts, how="vertical") if parts else for_display(child, k)
    if queue is not None:
        return shown[0], child_shown, shown[-1]
    return shown[0], child_shown


def timeliness_tables(src, k: int) -> dict[str, pl.DataFrame]:
    """The page's tables by region, by jurisdiction (with its region) and the open queue
    by region, as a shared page shows them: protected together (`nested_for_display`)."""
    region, jurisdiction, queue_ = nested_for_display(
        performance(src, by=["region"]), performance(src, by=["region", "jurisdiction"]),
        "region", k, queue=open_queue(src, by=["region"]))
    return {"region": region, "jurisdiction": jurisdiction, "queue": queue_}


def _figure_shown(figures: dict, k: int) -> dict:
    return {s.key.split(".", 1)[1]: s for s in shown_section("requests", figures, k)}


def in_scope_text(in_scope: int, figures: dict, k: int) -> str:
    """The number of requests in scope as a shared page may say it. It is received +
    no_fixed_deadline, so it is hidden whenever the headline hides either of them (it
    would give the hidden one away by subtraction), and "<k" when small."""
    if is_small(in_scope, k):
        return small_label(k)
    shown = _figure_shown(figures, k)
    if any(shown[key].hidden for key in ("received", "no_fixed_deadline") if key in shown):
        return HIDDEN
    return format_count(in_scope)


def scope_sentence(in_scope: int, figures: dict, k: int, as_of, window_start=None,
                   window_end=None, jurisdictions=None, types=None):
    """The notebook's first sentence (Markdown, every value escaped)."""
    return md("{n} requests in scope as of **{as_of}** (received {start} to {end}; "
              "jurisdictions: {jur}; types: {types}).",
              n=in_scope_text(in_scope, figures, k), as_of=as_of,
              start=window_start or "from the start", end=window_end or as_of,
              jur=", ".join(jurisdictions) if jurisdictions else "all",
              types=", ".join(types) if types else "all")


def rules_for_display(rules: pl.DataFrame, k: int) -> pl.DataFrame:
    """rules_used() for a shared page: a review column, the request counts protected."""
    table = rules.with_columns(
        review=pl.when(pl.col("low_confidence")).then(pl.lit("LOW CONFIDENCE: legal review"))
        .otherwise(pl.lit("")))
    return for_display(table.select("review", "rule_id", "jurisdiction", "request_type", "unit",
                                    "amount", "extension_amount", "basis", "confidence",
                                    "requests", "citation"), k)


def low_confidence_note(rules: pl.DataFrame, k: int):
    """The sentence over the rules table when low-confidence rules decided deadlines
    (None when none did): the rule ids (policy, shown) and the number of requests they
    decided, hidden when the rules table hides any of their counts (their sum would give
    a hidden count away) or when it is small."""
    low = rules.filter(pl.col("low_confidence"))
    if low.height == 0:
        return None
    shown = for_display(rules.select("rule_id", "low_confidence", "requests"), k)
    low_shown = shown.filter(pl.col("low_confidence"))["requests"].to_list()
    total = int(low["requests"].sum())
    if is_small(total, k):
        text = small_label(k)
    elif HIDDEN in low_shown:
        text = HIDDEN
    else:
        text = format_count(total)
    return md("**Low-confidence rules decide the deadline of {n} requests:** {rules}",
              n=text, rules=", ".join(low["rule_id"].to_list()))


def case_lists(src, figures: dict, k: int, limit: int = 25,
               salt: str | None = None) -> dict[str, CaseList]:
    """The case lists of a shared page (compliance_kit.cases): pseudonym, due date and
    days only, each shown when its number is shown and at least k:

    - "past_due": open requests past their deadline (headline open_late), most overdue first;
    - "due_next": open requests still in time with a due date, soonest first; counted
      from the queue, and not listed when the headline hides open_in_time or when the
      requests in time without a due date yet (clock not started) are a small count,
      which the list's length would give away;
    - "late_notices": extensions notified after the original deadline (headline
      extension_notice_late), with the original due date and the days it was late.
    """
    check_k(k)
    shown = _figure_shown(figures, k)
    open_n = int(figures["open_in_time"]) + int(figures["open_late"])
    rows = upcoming(src, limit=max(open_n, 1))
    past = (rows.filter(pl.col("class") == "open_late")
            .with_columns(days_overdue=-pl.col("days_to_deadline"))
            .sort("due_date", "request_id"))
    upcoming_rows = (rows.filter(pl.col("class") == "open_in_time")
                     .rename({"days_to_deadline": "days_remaining"})
                     .sort("due_date", "request_id"))
    with_due_date = upcoming_rows.height
    waiting = int(figures["open_in_time"]) - with_due_date
    late = (late_extension_notices(src)
            .rename({"original_due_date": "due_date", "days_after_deadline": "days_late"})
            .sort("due_date", "request_id"))
    return {
        "past_due": case_list(
            past, k, in_scope=int(figures["open_late"]), what="open requests past their deadline",
            id_column="request_id", keep=["due_date", "days_overdue"],
            count_hidden=shown["open_late"].text == HIDDEN, limit=limit, salt=salt),
        "due_next": case_list(
            upcoming_rows, k, in_scope=with_due_date,
            what="open requests still in time with a due date", id_column="request_id",
            keep=["due_date", "days_remaining"],
            count_hidden=shown["open_in_time"].text == HIDDEN or is_small(waiting, k),
            limit=limit, salt=salt),
        "late_notices": case_list(
            late, k, in_scope=int(figures["extension_notice_late"]),
            what="late notices of extension", id_column="request_id",
            keep=["due_date", "days_late"],
            count_hidden=shown["extension_notice_late"].text == HIDDEN, limit=limit, salt=salt),
    }


def late_notices_sentence(figures: dict, k: int):
    """How many extensions were notified too late, as a shared page may say it."""
    return md("{n} late notices of extension.",
              n=shown_text("requests", "extension_notice_late", figures, k))


# ----------------------------------------------------------------------------- chart data
# Each chart builder below protects its own data with these (a caller cannot forget):
# groups under k are not drawn, and no hidden count reaches the spec, a tooltip or a label.

def weekly_volume_for_chart(volume: pl.DataFrame, k: int) -> pl.DataFrame:
    """weekly_volume() with every week x type cell below k dropped, and a complement
    dropped where a type would hold exactly one hidden week (a type's total can be
    worked out from the tables)."""
    check_k(k)
    types = sorted(volume["type"].unique().to_list())
    if not types:
        return volume.select("week", "type", "requests").clear()
    wide = (volume.pivot(on="type", index="week", values="requests")
            .with_columns(pl.col(t).fill_null(0) for t in types).sort("week"))
    shown = protect_table(wide, types, k, column_totals_known=True, for_chart=True)
    return (shown.unpivot(index="week", on=types, variable_name="type", value_name="requests")
            .filter(pl.col("requests").is_not_null() & (pl.col("requests") > 0))
            .sort("week", "type"))


def trend_for_chart(trend: pl.DataFrame, k: int) -> pl.DataFrame:
    """on_time_trend() points a shared chart may draw: base of at least k, and a rate
    that reveals no small count (rate_shown); counts left out."""
    check_k(k)
    keep = [rate_shown(n, b, k)[0] for n, b in
            zip(trend["responded_in_time"].to_list(), trend["received"].to_list())]
    return (trend.filter(pl.Series(keep, dtype=pl.Boolean))
            .select("period", "region", "performance_pct").sort("period", "region"))


def survival_for_chart(curve: pl.DataFrame, k: int, group: str | None = None) -> pl.DataFrame:
    """km_curve() steps a shared chart may draw: a group of fewer than k requests is not
    drawn (a step function reveals each completion time), and each curve stops where
    fewer than k requests remain at risk. Only days, survival (and the group) are kept."""
    check_k(k)
    cols = ([group] if group else []) + ["days", "survival"]
    return (curve.filter(pl.col("at_risk") >= k).select(cols)
            .sort(cols[:-1]))


def distance_for_chart(distance: pl.DataFrame, k: int, step: int = 2) -> pl.DataFrame:
    """distance_to_deadline() binned by `step` days per class, with every bin x class
    cell below k dropped, and complements where a class would hold exactly one hidden bin
    (the class totals are headline figures). Columns: bin_start, bin_end, class, requests."""
    check_k(k)
    binned = (distance.with_columns(bin_start=(pl.col("days_to_deadline") // step) * step)
              .group_by("bin_start", "class").agg(pl.col("requests").sum()))
    classes = [c for c in CLASSES if c in set(binned["class"].to_list())]
    if not classes:
        return pl.DataFrame(schema={"bin_start": pl.Int64, "bin_end": pl.Int64,
                                    "class": pl.String, "requests": pl.Int64})
    wide = (binned.pivot(on="class", index="bin_start", values="requests")
            .with_columns(pl.col(c).fill_null(0) for c in classes).sort("bin_start"))
    shown = protect_table(wide, classes, k, column_totals_known=True, for_chart=True)
    return (shown.unpivot(index="bin_start", on=classes, variable_name="class",
                          value_name="requests")
            .filter(pl.col("requests").is_not_null() & (pl.col("requests") > 0))
            .with_columns(bin_end=pl.col("bin_start") + step)
            .select("bin_start", "bin_end", "class", "requests")
            .sort("bin_start", "class"))


def _not_drawn(k: int) -> str:
    return f"Groups of fewer than {k} requests are not drawn."


def _nothing_drawn(title: str, k: int) -> alt.Chart:
    return empty_chart(alt.Title(title, subtitle=_not_drawn(k)),
                       f"Nothing to draw: no requests in this scope, or every group has fewer than {k}.")


# ----------------------------------------------------------------------------- charts

def weekly_volume_chart(volume: pl.DataFrame, *, k: int) -> alt.Chart:
    """Stacked bars: requests received per week, by type (cells under k not drawn)."""
    data = weekly_volume_for_chart(volume, k)
    if data.height == 0:
        return _nothing_drawn("Requests received per week, by type", k)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("week:T", title="week received"),
            y=alt.Y("sum(requests):Q", title="requests"),
            color=alt.Color("type:N", title="request type"),
            tooltip=[alt.Tooltip("week:T", title="week"), alt.Tooltip("type:N", title="request type"),
                     alt.Tooltip("requests:Q", title="requests", format=",")],
        )
        .properties(title=alt.Title("Requests received per week, by type",
                                    subtitle=_not_drawn(k)))
    )


def on_time_trend_chart(trend: pl.DataFrame, *, k: int) -> alt.Chart:
    """Lines: performance % (responded in time / received) per period of receipt, one per
    region; a point only where the base is at least k and the rate reveals no small count."""
    data = trend_for_chart(trend, k)
    if data.height == 0:
        return _nothing_drawn("On-time performance by period of receipt", k)
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:T", title="received (period start)"),
            y=alt.Y("performance_pct:Q", title="responded in time (%)",
                    scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("region:N", title="jurisdiction (region)"),
            strokeDash=alt.condition(alt.datum.region == "all", alt.value([1, 0]), alt.value([4, 2])),
            tooltip=[alt.Tooltip("period:T", title="quarter"), alt.Tooltip("region:N", title="region"),
                     alt.Tooltip("performance_pct:Q", title="answered in time (%)", format=".1f")],
        )
        .properties(title=alt.Title(
            "On-time performance by period of receipt",
            subtitle=f"A point is drawn only over at least {k} requests."))
    )


def survival_chart(curve: pl.DataFrame, group: str | None = None, *, k: int) -> alt.Chart:
    """Step line of the Kaplan-Meier curve: share of requests still open after n days
    (groups under k not drawn, each curve cut where fewer than k remain at risk)."""
    data = survival_for_chart(curve, k, group)
    if data.height == 0:
        return _nothing_drawn("Time to completion (Kaplan-Meier, open requests censored)", k)
    enc = {
        "x": alt.X("days:Q", title="days since receipt"),
        "y": alt.Y("survival:Q", title="share still open", scale=alt.Scale(domain=[0, 1]),
                   axis=alt.Axis(format="%")),
        "tooltip": ([f"{group}:N"] if group else []) + ["days:Q", "survival:Q"],
    }
    if group:
        enc["color"] = alt.Color(f"{group}:N")
    return (
        alt.Chart(data)
        .mark_line(interpolate="step-after")
        .encode(**enc)
        .properties(title=alt.Title(
            "Time to completion (Kaplan-Meier, open requests censored)",
            subtitle=f"{_not_drawn(k)} A curve stops where fewer than {k} remain open."))
    )


def distance_chart(distance: pl.DataFrame, *, k: int) -> alt.Chart:
    """Histogram of days to spare (positive) or days late (negative), coloured by class
    (2-day bins; bins under k not drawn)."""
    data = distance_for_chart(distance, k)
    if data.height == 0:
        return _nothing_drawn("Distance to deadline", k)
    present = [c for c in CLASSES if c in set(data["class"].to_list())] or list(CLASSES)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("bin_start:Q", bin="binned",
                    title="days to the deadline at response (or as of the report date)"),
            x2="bin_end:Q",
            y=alt.Y("sum(requests):Q", title="requests"),
            color=alt.Color("class:N", scale=status_scale(present), legend=status_legend("class")),
            tooltip=[alt.Tooltip("class:N", title="class"), alt.Tooltip("bin_start:Q", title="days from"),
                     alt.Tooltip("bin_end:Q", title="days to"), alt.Tooltip("requests:Q", title="requests", format=",")],
        )
        .properties(title=alt.Title("Distance to deadline", subtitle=_not_drawn(k)))
    )


__all__ = [
    "prepare", "check_jurisdictions", "statuses", "upcoming", "late_extension_notices",
    "performance", "performance_by_rule", "for_display", "nested_for_display", "hidden_cells",
    "timeliness_tables",
    "queue", "open_queue", "in_scope_text", "scope_sentence", "rules_for_display",
    "low_confidence_note", "case_lists", "late_notices_sentence",
    "funnel", "funnel_stages", "funnel_for_display", "verification_rules",
    "verification_rules_for_display", "FUNNEL_STATES",
    "weekly_volume_for_chart", "trend_for_chart", "survival_for_chart", "distance_for_chart",
    "km_curve", "time_to_complete", "ccpa_7102", "acknowledgements", "no_fixed_deadline",
    "rules_used", "on_time_trend", "weekly_volume", "distance_to_deadline", "headline",
    "weekly_volume_chart", "on_time_trend_chart", "survival_chart", "distance_chart",
    "CLASSES", "QUEUE_BUCKETS", "DIMENSIONS", "HEADLINE_KEYS", "STATUS_COLOURS",
]
