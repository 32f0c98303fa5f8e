"""The same metrics on Spark and DuckDB (issue 8).

On a 300-account synthetic sample, the retention metrics (one cube pass over every record)
and the flows metrics (one monthly pass over the transfers) computed on a local Spark
session equal DuckDB's: counts exactly, lag percentiles within the retention doc's bound.
Every metric query of the covered analyses also runs on Spark itself (over the DuckDB cube)
and gives DuckDB's answer. A mismatch names the metric, the row and both values.
"""

from __future__ import annotations

import math

import polars as pl
import pytest

from compliance_kit.analysis import flows, retention
from compliance_kit.engines import DuckDBEngine
from conftest_spark import AS_OF, spark_engine, spark_sample  # noqa: F401  (fixtures)

pytest.importorskip("pyspark", reason="the spark extra is part of the test extra: pip install -e '.[test]'")


def assert_same(metric: str, duck: pl.DataFrame, spark: pl.DataFrame, keys: list[str],
                exact: list[str], approx: dict[str, float] | None = None) -> None:
    """Equal frames: the same key rows, `exact` columns equal, `approx` columns within
    their tolerance. The failure lists the metric, the row's keys and both values."""
    approx = approx or {}
    problems = []
    dk = duck.select(keys).unique().height
    if dk != duck.height:
        problems.append(f"{metric}: duckdb has repeated keys {keys}")
    if duck.height != spark.height:
        problems.append(f"{metric}: rows duckdb={duck.height} spark={spark.height}")
    both = duck.join(spark, on=keys, how="full", suffix="_spark", nulls_equal=True, coalesce=True)
    for row in both.iter_rows(named=True):
        where = ", ".join(f"{k}={row[k]!r}" for k in keys)
        for col in exact:
            a, b = row[col], row[f"{col}_spark"]
            if a != b:
                problems.append(f"{metric} [{where}] {col}: duckdb={a!r} spark={b!r}")
        for col, tol in approx.items():
            a, b = row[col], row[f"{col}_spark"]
            if a is None or b is None or not math.isclose(a, b, rel_tol=0, abs_tol=tol):
                problems.append(f"{metric} [{where}] {col}: duckdb={a!r} spark={b!r} (tolerance {tol})")
    assert not problems, "\n".join(problems[:20]) + (f"\n... {len(problems)} in all" if len(problems) > 20 else "")


SCOPES = {
    "strictest": {},
    "retention_table": {"rule_set": "retention_table"},
    "EEA_two_categories": {"jurisdictions": ["EEA"], "categories": ["account_data", "usage_logs"]},
}


@pytest.fixture(scope="module", params=list(SCOPES))
def runs(request, spark_engine, spark_sample):  # noqa: F811
    _, con = spark_sample
    kwargs = SCOPES[request.param]
    return request.param, retention.evaluate(con, AS_OF, **kwargs), retention.evaluate(spark_engine, AS_OF, **kwargs)


def test_retention_headline_equal(runs):
    name, duck, spark = runs
    a, b = retention.headline(duck), retention.headline(spark)
    assert a["records_checked"] > 0
    for key in a:
        assert a[key] == b[key], f"retention.headline[{name}].{key}: duckdb={a[key]!r} spark={b[key]!r}"


@pytest.mark.parametrize("by", ["category", "jurisdiction", "system", "jurisdiction_category", "all"])
def test_retention_status_counts_equal(runs, by):
    name, duck, spark = runs
    a, b = retention.status_counts(duck, by), retention.status_counts(spark, by)
    keys = [c for c in a.columns if c not in ("n", "rate")]
    assert_same(f"retention.status_counts[{name}, by={by}]", a, b, keys, ["n"], {"rate": 1e-12})


def test_retention_timeline_metrics_equal(runs):
    name, duck, spark = runs
    assert_same(f"retention.ageing[{name}]", retention.ageing(duck), retention.ageing(spark),
                ["ageing_bucket"], ["overdue", "days_overdue_sum", "bucket_order"])
    assert_same(f"retention.trend[{name}]", retention.trend(duck), retention.trend(spark),
                ["deadline_month", "status"], ["n"])
    assert_same(f"retention.upcoming[{name}]", retention.upcoming(duck), retention.upcoming(spark),
                ["deadline_day", "category", "system"], ["records"])
    assert_same(f"retention.top_systems[{name}]", retention.top_systems(duck, 1000),
                retention.top_systems(spark, 1000), ["system"],
                ["records", "overdue", "days_overdue_sum", "days_overdue_max"], {"overdue_rate": 1e-12})
    assert_same(f"retention.rules_decisive[{name}]", retention.rules_decisive(duck),
                retention.rules_decisive(spark), ["rule_id"], ["records"])


def test_retention_lag_percentiles_within_bound(runs):
    """Counts exact; values within the doc's bound (docs/metrics-retention.md): each engine's
    value is within error_bound of the exact nearest-rank percentile, so the two are within
    twice the larger bound of each other."""
    name, duck, spark = runs
    a, b = retention.lag_percentiles(duck), retention.lag_percentiles(spark)
    assert a.height > 0
    both = a.join(b, on=["category", "percentile"], how="full", suffix="_spark", coalesce=True)
    assert both.height == a.height == b.height, (
        f"retention.lag_percentiles[{name}]: rows duckdb={a.height} spark={b.height}")
    for row in both.iter_rows(named=True):
        metric = f"retention.lag_percentiles[{name}] {row['category']} {row['percentile']}"
        assert row["erased"] == row["erased_spark"], (
            f"{metric} erased: duckdb={row['erased']} spark={row['erased_spark']}")
        bound = 2 * max(row["error_bound"], row["error_bound_spark"],
                        retention.LAG_ERROR_BOUND * max(1.0, abs(row["value"])))
        assert abs(row["value"] - row["value_spark"]) <= bound, (
            f"{metric} value: duckdb={row['value']} spark={row['value_spark']} (bound {bound})")


def test_retention_cube_identical(runs):
    """The whole cube, row for row (the lag bins included)."""
    name, duck, spark = runs
    keys = ["part", "category", "jurisdiction", "system", "status", "rule_id", "deadline_month",
            "ageing_bucket", "upcoming_day", "lag_bin", "status_strictest", "status_table", "status_text"]
    assert_same(f"retention.cube[{name}]", duck.cube, spark.cube.cast(duck.cube.schema), keys,
                ["n", "days_overdue_sum", "days_overdue_max"])


def test_retention_readings_equal(runs):
    """The comparison of readings and the verdict changes, read from each engine's cube."""
    name, duck, spark = runs
    assert_same(f"retention.compare_rule_sets[{name}]", retention.compare_rule_sets(duck),
                retention.compare_rule_sets(spark), ["status"], list(retention.READINGS))
    assert_same(f"retention.verdict_changes[{name}]", retention.verdict_changes(duck),
                retention.verdict_changes(spark), ["category", "status_table", "status_text"], ["records"])


# ------------------------------------------------------------------ every metric query, both engines

METRIC_QUERIES = {
    "status": ({}, ["dimension", "category", "jurisdiction", "system", "status"], ["n"], {"rate": 1e-12}),
    "ageing": ({}, ["ageing_bucket"], ["bucket_order", "overdue", "days_overdue_sum"], {}),
    "lag_percentiles": ({}, ["category", "percentile"], ["erased"],
                        {"value": 1e-9, "bin_low": 1e-9, "bin_high": 1e-9, "error_bound": 1e-9}),
    "lag_histogram": ({"bin_width": 0.05}, ["category", "lag_ratio_from"], ["erased"], {"lag_ratio_to": 1e-9}),
    "trend": ({}, ["deadline_month", "status"], ["n"], {}),
    "top_systems": ({"limit": 1000}, ["system"],
                    ["records", "overdue", "days_overdue_sum", "days_overdue_max"], {"overdue_rate": 1e-12}),
    "upcoming": ({}, ["deadline_day", "category", "system"], ["records"], {}),
}


@pytest.mark.parametrize("name", list(METRIC_QUERIES))
def test_retention_metric_query_runs_on_both(name, spark_engine, spark_sample):  # noqa: F811
    """sql/retention_metric_<name>.sql on DuckDB and, transpiled, on Spark, over one cube."""
    _, con = spark_sample
    params, keys, exact, approx = METRIC_QUERIES[name]
    run = retention.evaluate(con, AS_OF)
    duck = retention._metric(run, name, **params)
    spark_engine.register("retention_cube", run.cube)
    spark = spark_engine.query(f"retention_metric_{name}.sql", params)
    assert duck.height > 0, f"retention_metric_{name}.sql: empty on the sample, the test would prove nothing"
    if name == "lag_histogram":  # float keys: compare on the bin index
        duck = duck.with_columns(pl.col("lag_ratio_from").mul(20).round().cast(pl.Int64))
        spark = spark.with_columns(pl.col("lag_ratio_from").mul(20).round().cast(pl.Int64))
    assert_same(f"retention_metric_{name}.sql", duck, spark, keys, exact, approx)


# ------------------------------------------------------------------ flows

FLOW_SCOPES = {
    "all": {"as_of": AS_OF},
    "window_EEA": {"window_start": "2026-01-01", "window_end": "2026-06-30",
                   "source_jurisdictions": ["EEA"]},
}


@pytest.mark.parametrize("scope", list(FLOW_SCOPES))
def test_flows_metrics_equal(scope, spark_engine, spark_sample):  # noqa: F811
    _, con = spark_sample
    kwargs = FLOW_SCOPES[scope]
    duck, spark = flows.metric_set(con, **kwargs), flows.metric_set(spark_engine, **kwargs)
    assert duck.headline["transfers"] > 0
    for key, a in duck.headline.items():
        b = spark.headline[key]
        ok = math.isclose(a, b, rel_tol=1e-12) if isinstance(a, float) else a == b
        assert ok, f"flows.headline[{scope}].{key}: duckdb={a!r} spark={b!r}"
    keys = ["month", "source_jurisdiction", "recipient", "destination_country", "category",
            "mechanism", "encrypted"]
    assert_same(f"flows.monthly[{scope}]", duck.monthly,
                spark.monthly.cast({c: duck.monthly.schema[c] for c in ("transfers", "records", "bytes")}),
                keys, ["transfers", "records", "bytes"])
    assert_same(f"flows.breakdown[{scope}]", duck.breakdown, spark.breakdown, ["classification"],
                ["transfers", "records", "bytes"])


def test_flows_monthly_query_runs_on_both(spark_engine, spark_sample):  # noqa: F811
    """The flows big pass, as SQL text: the same rows from both engines."""
    _, con = spark_sample
    params = flows._params(as_of=AS_OF)
    duck = DuckDBEngine(con).query("flows_monthly.sql", params)
    spark = spark_engine.query("flows_monthly.sql", params)
    keys = ["month", "source_jurisdiction", "recipient", "destination_country", "category",
            "mechanism", "encrypted"]
    assert_same("flows_monthly.sql", duck, spark.cast({c: duck.schema[c] for c in ("transfers", "records", "bytes")}),
                keys, ["transfers", "records", "bytes"])


FLOW_ROLLUPS = ("flows_volumes.sql", "flows_matrix.sql", "flows_breakdown.sql", "flows_findings.sql",
                "flows_usage.sql", "flows_headline.sql", "flows_keys.sql", "flows_summary_rows.sql")


def test_every_flows_query_runs_on_both(spark_engine, spark_sample):  # noqa: F811
    """Beyond the monthly pass: the classification of the keys, the summary and every
    roll-up (sql/flows_*.sql) run on Spark, transpiled, over the same monthly aggregate,
    and give DuckDB's rows. (On either engine the report runs them in DuckDB: they read
    thousands of rows.)"""
    from compliance_kit.paths import SQL_DIR

    _, con = spark_sample
    db = DuckDBEngine(con.cursor())  # the roll-up relations on a connection of their own
    monthly = db.query("flows_monthly.sql", flows._params(as_of=AS_OF))
    flows._rollup(db, monthly)  # monthly, classified_keys, flow_summary as the report makes them
    try:
        spark_engine.register("monthly", monthly)  # the policy tables are there since attach
        duck_keys = db.con.sql("SELECT * FROM classified_keys").pl()
        spark_keys = spark_engine.query("flows_classify_keys.sql", relation="monthly")
        keys = [c for c in duck_keys.columns if c in ("month", "source_jurisdiction", "recipient",
                                                       "destination_country", "category", "mechanism",
                                                       "encrypted")]
        assert_same("flows_classify_keys.sql", duck_keys, spark_keys.cast(duck_keys.schema), keys,
                    [c for c in duck_keys.columns if c not in keys])
        # the rest read classified_keys and flow_summary: DuckDB's, so each query is compared alone
        spark_engine.register("classified_keys", duck_keys)
        spark_engine.register("flow_summary", db.con.sql("SELECT * FROM flow_summary").pl())
        summary = spark_engine.query("flows_summary.sql")
        duck_summary = db.query("flows_summary.sql")
        assert_same_rows("flows_summary.sql", duck_summary.sort(duck_summary.columns),
                         summary.cast(duck_summary.schema).sort(duck_summary.columns))
        for name in FLOW_ROLLUPS:
            duck = db.query(name)
            spark = spark_engine.query(name)
            assert duck.height > 0, f"{name}: empty on the sample, the test would prove nothing"
            assert_same_rows(name, duck, spark.cast(duck.schema))
        covered = {"flows_scope.sql", "flows_monthly.sql", "flows_transfer_keys.sql",
                   "flows_classify_keys.sql", "flows_summary.sql", *FLOW_ROLLUPS}
        left = {p.name for p in SQL_DIR.glob("flows_*.sql")} - covered
        # not metrics: the per-transfer drill-down and two listings of the policy
        assert left <= {"flows_transfers.sql", "flows_declared.sql", "flows_recipient_retention.sql"}, (
            f"flows queries never run on Spark: {left}")
    finally:
        db.con.close()


def test_engine_parameter_wiring(spark_engine, spark_sample):  # noqa: F811
    """What the notebooks call (`engine`, `spark_data`, `spark_url` parameters): the same
    headline figures from either engine."""
    from compliance_kit import engines

    data_dir, con = spark_sample
    duck = retention.evaluate(engines.get("duckdb", con), AS_OF, rule_set="strictest")
    spark = retention.evaluate(engines.get("spark", con, spark_data=str(data_dir)), AS_OF, rule_set="strictest")
    assert retention.headline(duck) == retention.headline(spark)
    assert flows.metric_set(engines.get("duckdb", con), as_of=AS_OF).headline == \
        flows.metric_set(engines.get("spark", con, spark_data=str(data_dir)), as_of=AS_OF).headline


def test_cli_run_with_engine_spark(spark_sample, tmp_path):  # noqa: F811
    """`compliance-kit run -p engine=spark -p spark_data=DIR` over the three analyses'
    notebooks publishes the figures DuckDB computes (each notebook kernel starts its own
    local Spark)."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    data_dir, con = spark_sample
    cli = Path(sys.executable).with_name("compliance-kit")
    out = subprocess.run([str(cli), "run", "retention_compliance", "request_turnaround", "data_flows",
                          "--as-of", AS_OF, "--jobs", "1",
                          "-p", "engine=spark", "-p", f"spark_data={data_dir}",
                          "--db", str(data_dir.parent / "compliance.duckdb"), "--out", str(tmp_path)],
                         # generous: a guard against a hang, not a speed check (240 s ran out on a 2-core box at load 8)
                         capture_output=True, text=True, timeout=900, cwd=Path(__file__).parents[1])
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    [metrics] = tmp_path.glob("*/internal/metrics.json")
    published = json.loads(metrics.read_text())
    expected = {"retention": retention.headline(retention.evaluate(con, AS_OF)),
                "flows": flows.metric_set(con, as_of=AS_OF).headline}
    for section, figures in expected.items():
        assert published[section] == pytest.approx(figures), (
            f"metrics.json {section}: spark run={published[section]} duckdb={figures}")
    # requests: the published figures come from the same connection-level tables DuckDB fills
    from compliance_kit.analysis import requests as Q
    from compliance_kit.store import connect

    with connect(data_dir.parent / "compliance.duckdb", read_only=True) as fresh:
        Q.prepare(fresh, AS_OF)
        want = Q.headline(fresh)
    for key, value in published["requests"].items():
        assert value == pytest.approx(want[key]), f"metrics.json requests.{key}: spark run={value} duckdb={want.get(key)}"


# ------------------------------------------------------------------ requests

def assert_same_rows(metric: str, duck: pl.DataFrame, spark: pl.DataFrame, tol: float = 1e-9) -> None:
    """The same schema and the same rows in the same order (the SQL sorts): integers,
    strings, dates and flags equal; floats within `tol` (exact percentiles and survival
    agree up to floating-point rounding, e.g. 6.800000000000001 against 6.8)."""
    assert duck.schema == spark.schema, f"{metric} schema: duckdb={duck.schema} spark={spark.schema}"
    assert duck.height == spark.height, f"{metric} rows: duckdb={duck.height} spark={spark.height}"
    problems = []
    for i, (a, b) in enumerate(zip(duck.iter_rows(named=True), spark.iter_rows(named=True))):
        for col in duck.columns:
            x, y = a[col], b[col]
            if isinstance(x, float) and isinstance(y, float):
                ok = math.isclose(x, y, rel_tol=0, abs_tol=tol)
            else:
                ok = x == y
            if not ok:
                problems.append(f"{metric} row {i} ({a}) {col}: duckdb={x!r} spark={y!r}")
    assert not problems, "\n".join(problems[:20]) + (f"\n... {len(problems)} in all" if len(problems) > 20 else "")


REQUEST_SCOPES = {
    "all": {},
    "window_EEA_two_types": {"window_start": "2025-01-01", "window_end": "2026-09-30",
                             "jurisdictions": ["EEA"], "types": ["access", "deletion"]},
}

# Every metric function of analysis/requests.py, as notebooks call it (several groupings).
REQUEST_METRICS = {
    "statuses": lambda Q, s: Q.statuses(s),
    "performance": lambda Q, s: Q.performance(s),
    "performance[region]": lambda Q, s: Q.performance(s, by="region"),
    "performance[all dims]": lambda Q, s: Q.performance(s, by=list(Q.DIMENSIONS)),
    "performance_by_rule": lambda Q, s: Q.performance_by_rule(s),
    "queue[region]": lambda Q, s: Q.queue(s, by=["region"]),
    "queue[type, channel]": lambda Q, s: Q.queue(s, by=["type", "channel"]),
    "km_curve": lambda Q, s: Q.km_curve(s),
    "km_curve[type]": lambda Q, s: Q.km_curve(s, by="type"),
    "time_to_complete": lambda Q, s: Q.time_to_complete(s),
    "time_to_complete[type, region]": lambda Q, s: Q.time_to_complete(s, by=["type", "region"]),
    "ccpa_7102[US-CA]": lambda Q, s: Q.ccpa_7102(s),
    "ccpa_7102[EEA]": lambda Q, s: Q.ccpa_7102(s, scope="EEA"),
    "acknowledgements[type]": lambda Q, s: Q.acknowledgements(s, by="type"),
    "no_fixed_deadline": lambda Q, s: Q.no_fixed_deadline(s),
    "rules_used": lambda Q, s: Q.rules_used(s),
    "on_time_trend[quarter]": lambda Q, s: Q.on_time_trend(s),
    "on_time_trend[month, top 2]": lambda Q, s: Q.on_time_trend(s, period="month", top=2),
    "weekly_volume": lambda Q, s: Q.weekly_volume(s),
    "distance_to_deadline": lambda Q, s: Q.distance_to_deadline(s, clip=20),
    "upcoming": lambda Q, s: Q.upcoming(s, limit=10),
    "late_extension_notices": lambda Q, s: Q.late_extension_notices(s),
    # issue 16: the verification funnel and the per-law identity table (the statuses above
    # carry the new columns: time zone, told date, clarification days, statute rule, ...)
    "funnel": lambda Q, s: Q.funnel(s),
    "funnel[jurisdiction, type]": lambda Q, s: Q.funnel(s, by=["jurisdiction", "type"]),
    "verification_rules": lambda Q, s: Q.verification_rules(s),
}

# SQL files of requests.prepare (the per-request pass and its lookups), not metric queries.
PREPARE_SQL = {"requests_macros.sql", "requests_epochs.sql", "requests_rules.sql", "requests_lookup.sql",
               "requests_slot.sql", "requests_status.sql", "requests_status_view.sql",
               "requests_status_check.sql", "requests_regions.sql", "requests_status_regions.sql",
               "requests_rule_check.sql", "requests_year_span.sql", "requests_prepared.sql",
               "requests_zone_inputs.sql", "requests_zones.sql", "requests_zone_ends.sql",
               "requests_in_scope.sql", "requests_decided.sql", "requests_day_inputs.sql",
               "requests_plain_due.sql", "requests_zone_days.sql",
               # the values of the ENUM types prepare declares on DuckDB (nothing on Spark)
               "requests_jurisdiction_vocabulary.sql", "requests_type_vocabulary.sql"}


@pytest.fixture(scope="module", params=list(REQUEST_SCOPES))
def prepared_requests(request, spark_engine, spark_sample):  # noqa: F811
    """(scope, DuckDB connection prepared by requests.prepare, the PreparedRequests of
    requests.prepare on the Spark engine) for one scope."""
    from compliance_kit.analysis import requests as Q
    from compliance_kit.store import connect

    data_dir, _ = spark_sample
    db = data_dir.parent / "compliance.duckdb"
    duck_con = connect(db, read_only=True)
    kwargs = REQUEST_SCOPES[request.param]
    n_duck = Q.prepare(duck_con, AS_OF, **kwargs)
    spark = Q.prepare(spark_engine, AS_OF, **kwargs)
    assert n_duck > 0 and n_duck == spark.rows, f"requests[{request.param}] rows: duckdb={n_duck} spark={spark.rows}"
    yield request.param, duck_con, spark
    duck_con.close()


def test_requests_headline_equal(prepared_requests):
    """The figures metrics.json publishes (requests.*), computed on Spark, equal DuckDB's."""
    from compliance_kit.analysis import requests as Q

    scope, duck, spark = prepared_requests
    a, b = Q.headline(duck), Q.headline(spark)
    assert a["received"] > 0
    for key in a:
        x, y = a[key], b[key]
        ok = math.isclose(x, y, rel_tol=0, abs_tol=1e-9) if isinstance(x, float) else x == y
        assert ok, f"requests.headline[{scope}].{key}: duckdb={x!r} spark={y!r}"


@pytest.mark.parametrize("metric", list(REQUEST_METRICS))
def test_request_metric_equal_on_both_engines(metric, prepared_requests):
    """Each request metric: its SQL file on DuckDB, and transpiled on Spark over the
    per-request table kept there, gives the same table."""
    from compliance_kit.analysis import requests as Q

    scope, duck, spark = prepared_requests
    a, b = REQUEST_METRICS[metric](Q, duck), REQUEST_METRICS[metric](Q, spark)
    if scope == "all":  # the full sample (with the edge requests) fills every table
        assert a.height > 0, f"requests.{metric}: empty on the sample, the test would prove nothing"
    assert_same_rows(f"requests.{metric}[{scope}]", a, b)


def test_every_request_metric_query_goes_through_the_engine(spark_sample):  # noqa: F811
    """Every sql/requests_*.sql file that is not part of `prepare` is a metric query, and
    the metric functions hand each of them to the engine's `query` (what the Spark engine
    runs on Spark): none is left DuckDB-only. Together with the test above, which runs
    every metric function on Spark, every metric query executes on both engines. (A
    stand-in that records the names and answers from DuckDB keeps this test cheap.)"""
    from compliance_kit.analysis import requests as Q
    from compliance_kit.paths import SQL_DIR
    from compliance_kit.store import connect

    class Recorder(DuckDBEngine):
        def __init__(self, con):
            super().__init__(con)
            self.ran = set()

        def run(self, query):
            self.ran.add(query.name)
            return super().run(query)

    data_dir, _ = spark_sample
    with connect(data_dir.parent / "compliance.duckdb", read_only=True) as con:
        Q.prepare(con, AS_OF)
        recorder = Recorder(con)
        for call in REQUEST_METRICS.values():
            call(Q, recorder)
        Q.headline(recorder)
    metric_files = {p.name for p in SQL_DIR.glob("requests_*.sql")} - PREPARE_SQL
    assert metric_files - recorder.ran == set(), (
        f"metric queries that never reach the engine: {sorted(metric_files - recorder.ran)}")
    assert recorder.ran - metric_files == set(), (
        f"queries run that are not sql/requests_*.sql files: {recorder.ran - metric_files}")


def test_replaced_spark_requests_refuse_to_answer(prepared_requests, spark_engine):  # noqa: F811
    """A second requests_prepare on the same engine replaces the tables on Spark: the first
    object then refuses, rather than answer for another scope."""
    from compliance_kit.analysis import requests as Q
    from compliance_kit.errors import UserError

    scope, _, spark = prepared_requests
    newer = Q.prepare(spark_engine, AS_OF, types=["opt_out"])
    with pytest.raises(UserError, match="replaced by a later requests_prepare"):
        Q.performance(spark)
    assert Q.performance(newer)["received_all"][0] == newer.rows
    # put the fixture's scope back for the tests that follow
    again = Q.prepare(spark_engine, AS_OF, **REQUEST_SCOPES[scope])
    spark.generation, spark.rows = again.generation, again.rows
