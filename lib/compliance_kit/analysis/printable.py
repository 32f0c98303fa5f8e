"""The figures `compliance-kit sql NAME` prints: for each, the analysis call that computes
it and the query file whose rows are the figure. The call runs the analysis's one
orchestration on a recording DuckDB engine over the store (engines/recording.py), so the
printed SQL is the SQL the library ran, with everything that query reads made first as
TEMP tables and views (the request prepare script included: the command prints it before
the metric query).

Parameters (`-p NAME=VALUE`) are those of the analysis call: as_of, reading, jurisdictions,
... and the figure's own (by, limit, bin_width, ...). Values are read as JSON when they
parse (["EEA"], 10, 0.05), else as text.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass
from typing import Callable

import duckdb

from ..engines.recording import RecordingEngine
from ..errors import ParameterError
from . import flows, policy_overview, requests, retention


@dataclass(frozen=True)
class Printable:
    query: str                       # the file whose rows are the figure
    run: Callable                    # (engine, **params): runs the orchestration
    about: str


def _retention(metric: Callable, **fixed):
    """A retention metric over the run of the scope's parameters."""
    scope_names = ("as_of", "rule_set", "jurisdictions", "categories", "systems", "horizon_days")

    def run(engine, **params):
        scope = {k: params.pop(k) for k in scope_names if k in params}
        if "reading" in params:
            scope["rule_set"] = params.pop("reading")
        return metric(retention.evaluate(engine, **scope), **fixed, **params)
    return run


def _requests(metric: Callable):
    scope_names = ("as_of", "window_start", "window_end", "jurisdictions", "types")

    def run(engine, **params):
        scope = {k: params.pop(k) for k in scope_names if k in params}
        return metric(requests.prepare(engine, **scope), **params)
    return run


def _flows(engine, **params):
    return flows.metric_set(engine, **params)


FIGURES: dict[str, Printable] = {
    # retention: the cube (one pass over every record), then each metric over it
    "retention.cube": Printable("retention_cube.sql", _retention(lambda run: run),
                                "the metric cube: one pass over every record"),
    "retention.headline": Printable("retention_metric_status.sql", _retention(retention.headline),
                                    "records per status (metrics.json retention.*: the 'all' rows)"),
    "retention.status": Printable("retention_metric_status.sql", _retention(retention.status_counts),
                                  "records and share per status, per grouping"),
    "retention.ageing": Printable("retention_metric_ageing.sql", _retention(retention.ageing),
                                  "overdue records by days past the deadline"),
    "retention.lag_percentiles": Printable("retention_metric_lag_percentiles.sql",
                                           _retention(retention.lag_percentiles),
                                           "erasure lag / allowed delay, p50-p99"),
    "retention.lag_histogram": Printable("retention_metric_lag_histogram.sql",
                                         _retention(retention.lag_histogram),
                                         "erased records by lag bins (bin_width)"),
    "retention.trend": Printable("retention_metric_trend.sql", _retention(retention.trend),
                                 "records per status by month of deadline"),
    "retention.top_systems": Printable("retention_metric_top_systems.sql",
                                       _retention(retention.top_systems),
                                       "the systems with the most overdue records (n)"),
    "retention.upcoming": Printable("retention_metric_upcoming.sql", _retention(retention.upcoming),
                                    "deadlines within the horizon"),
    "retention.record_status": Printable("retention_record_status.sql",
                                         lambda e, **p: retention.record_status(e, **p),
                                         "the verdict per record"),
    "retention.oldest_overdue": Printable("retention_oldest_overdue.sql",
                                          lambda e, **p: retention.oldest_overdue(e, **p),
                                          "the records overdue the longest (limit)"),
    "retention.rules": Printable("retention_rules_resolved.sql",
                                 lambda e, reading="strictest": retention.resolved_rules(e, reading),
                                 "the resolved rules per jurisdiction and category (reading)"),
    # requests: prepare (the per-request table and its lookups), then each metric
    "requests.headline": Printable("requests_performance.sql", _requests(requests.headline),
                                   "metrics.json requests.* (counts and percentages)"),
    "requests.km_median": Printable("requests_time_to_complete.sql", _requests(requests.headline),
                                    "metrics.json requests.km_median_days and naive_median_days"),
    "requests.statuses": Printable("requests_statuses.sql", _requests(requests.statuses),
                                   "one row per request in scope"),
    "requests.performance": Printable("requests_performance.sql", _requests(requests.performance),
                                      "timeliness per group (by)"),
    "requests.rule_details": Printable("requests_rule_details.sql",
                                       _requests(requests.performance_by_rule),
                                       "the deciding rules' details"),
    "requests.queue": Printable("requests_queue.sql", _requests(requests.queue),
                                "open requests by queue bucket (by)"),
    "requests.km_curve": Printable("requests_km.sql", _requests(requests.km_curve),
                                   "Kaplan-Meier curve of time to completion (by)"),
    "requests.time_to_complete": Printable("requests_time_to_complete.sql",
                                           _requests(requests.time_to_complete),
                                           "KM and naive median and p90 (by)"),
    "requests.ccpa_7102": Printable("requests_ccpa_7102.sql", _requests(requests.ccpa_7102),
                                    "the 11 CCR 7102 table (scope)"),
    "requests.acknowledgements": Printable("requests_acknowledgement.sql",
                                           _requests(requests.acknowledgements),
                                           "acknowledgement deadlines by outcome (by)"),
    "requests.no_fixed_deadline": Printable("requests_no_fixed_deadline.sql",
                                            _requests(requests.no_fixed_deadline),
                                            "requests without a fixed deadline"),
    "requests.rules_used": Printable("requests_rules_used.sql", _requests(requests.rules_used),
                                     "the rules that decided deadlines"),
    "requests.trend": Printable("requests_trend.sql", _requests(requests.on_time_trend),
                                "performance % per period and region (period, top)"),
    "requests.weekly_volume": Printable("requests_weekly_volume.sql", _requests(requests.weekly_volume),
                                        "requests per week and type"),
    "requests.distance": Printable("requests_distance.sql", _requests(requests.distance_to_deadline),
                                   "days between due date and response (clip)"),
    "requests.upcoming": Printable("requests_upcoming.sql", _requests(requests.upcoming),
                                   "open requests, soonest deadline first (limit)"),
    "requests.late_extension_notices": Printable("requests_late_extension_notices.sql",
                                                 _requests(requests.late_extension_notices),
                                                 "extension notices after the deadline"),
    # flows: the monthly pass, then the classification and roll-ups over it
    "flows.monthly": Printable("flows_monthly.sql", _flows, "transfers per month and key"),
    "flows.keys": Printable("flows_keys.sql", _flows, "each key's class and rule broken"),
    "flows.volumes": Printable("flows_volumes.sql", _flows, "month x route volumes"),
    "flows.matrix": Printable("flows_matrix.sql", _flows, "source x destination"),
    "flows.breakdown": Printable("flows_breakdown.sql", _flows, "per classification"),
    "flows.findings": Printable("flows_findings.sql", _flows, "undeclared and non-conforming"),
    "flows.usage": Printable("flows_usage.sql", _flows, "each declared flow's use"),
    "flows.headline": Printable("flows_headline.sql", _flows, "metrics.json flows.*"),
    "flows.summary": Printable("flows_summary_rows.sql",
                               lambda e, **p: flows.summary(e, **p), "the classified monthly aggregate"),
    "flows.transfers": Printable("flows_transfers.sql",
                                 lambda e, **p: flows.classify_transfers(e, **p),
                                 "one row per transfer with its class"),
    "flows.declared": Printable("flows_declared.sql", lambda e: flows.declared_flows(e), "the declared flows"),
    # the policy overview
    "policy.headline": Printable("policy_overview_headline.sql",
                                 lambda e, **p: policy_overview.headline(e, _no_conflicts()),
                                 "metrics.json policy.* (conflicts: sql/policy_conflicts.sql as it is)"),
    "policy.retention_periods": Printable("policy_overview_retention.sql",
                                          lambda e: policy_overview.retention_periods(e),
                                          "every erasure and minimum rule"),
    "policy.jurisdictions": Printable("policy_overview_jurisdictions.sql",
                                      lambda e: policy_overview.jurisdiction_matrix(e),
                                      "the jurisdiction matrix"),
}


def _no_conflicts():
    import polars as pl

    return pl.DataFrame()


def parse_values(pairs: list[str]) -> dict:
    """-p NAME=VALUE pairs: JSON when the value parses, else text."""
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"-p takes NAME=VALUE, not {pair!r}")
        try:
            out[name.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[name.strip()] = value
    return out


def record(name: str, con: duckdb.DuckDBPyConnection, params: dict) -> RecordingEngine:
    """Run figure `name`'s orchestration on a recording engine over `con`."""
    if name not in FIGURES:
        raise ParameterError(f"no figure {name!r}; one of: {', '.join(FIGURES)}")
    figure = FIGURES[name]
    engine = RecordingEngine(con)
    try:
        figure.run(engine, **params)
    except TypeError as e:
        accepted = ", ".join(p for p in inspect.signature(figure.run).parameters if p != "e")
        raise ParameterError(f"{name}: {e} (parameters: {accepted or 'see the analysis function'})") from None
    return engine


def script(name: str, con: duckdb.DuckDBPyConnection, params: dict, bound: bool = False) -> str:
    """The DuckDB script of figure `name` (see engines/recording.py)."""
    engine = record(name, con, params)
    title = name + "".join(f" -p {k}={json.dumps(v)}" for k, v in params.items())
    return engine.script(FIGURES[name].query, title, bound=bound)
