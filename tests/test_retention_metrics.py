"""Retention metrics (read from the one-pass cube) against the per-record verdicts they
summarise, and the chart specs."""

from __future__ import annotations

import datetime as dt
import math
import random

import polars as pl
import pytest

from compliance_kit.analysis import retention as R
from compliance_kit.charts import STATUS_COLOURS
from conftest_retention import retention_store  # noqa: F401  (fixture)
from conftest_spark import spark_sample  # noqa: F401  (fixture: a synthetic store)

AS_OF = "2026-10-31"
END = dt.datetime(2026, 11, 1)  # the instant of AS_OF: the end of the day


def iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S+00")


@pytest.fixture
def mixed(retention_store):
    """A store with every status, several systems, categories and jurisdictions."""
    s = retention_store
    rng = random.Random(5)
    systems = ["crm", "billing", "logs"]
    for i in range(120):
        jur = ["FR", "DE", "US", "ID", "KR"][i % 5]
        category = ["account_data", "transaction_records", "support_tickets", "usage_logs"][i % 4]
        deleted = END - dt.timedelta(days=rng.randint(1, 400), seconds=rng.randint(0, 86399)) if i % 6 else None
        a = s.account(jur, deleted_at=iso(deleted) if deleted else None)
        erased = None
        if deleted and i % 3 == 0:
            erased = deleted + dt.timedelta(hours=rng.randint(1, 24 * 40))
            erased = erased if erased <= END else None
        s.record(a, category=category, jurisdiction=jur, system=systems[i % 3],
                 created_at="2024-01-01 00:00:00+00", erased_at=iso(erased) if erased else None,
                 legal_hold=(i % 29 == 0))
    return s


def test_status_counts_add_up_to_the_per_record_verdicts(mixed):
    run = R.evaluate(mixed.con, AS_OF)
    per_record = R.record_status(mixed.con, AS_OF)
    for by in ("category", "jurisdiction", "system"):
        expected = per_record.group_by(by, "status").agg(pl.len().alias("n")).sort(by, "status")
        got = R.status_counts(run, by).select(by, "status", "n").sort(by, "status")
        assert got.to_dicts() == expected.with_columns(pl.col("n").cast(pl.Int64)).to_dicts()
    rates = R.status_counts(run, "category").group_by("category").agg(pl.col("rate").sum())
    assert all(math.isclose(r, 1.0) for r in rates["rate"])
    assert set(per_record["status"]) >= {"overdue", "erased_on_time", "erased_late", "no_trigger",
                                          "conflict", "on_legal_hold"}


def test_headline_has_the_stable_keys_and_matches_the_records(mixed):
    run = R.evaluate(mixed.con, AS_OF)
    figures = R.headline(run)
    assert list(figures) == ["records_checked", "overdue", "overdue_rate", "erased_late",
                             "on_legal_hold", "conflict"]
    statuses = R.record_status(mixed.con, AS_OF)["status"]
    assert figures["records_checked"] == len(statuses)
    for key in ("overdue", "erased_late", "on_legal_hold", "conflict"):
        assert figures[key] == (statuses == key).sum()
    assert figures["overdue_rate"] == pytest.approx(figures["overdue"] / len(statuses))


def test_status_table_is_wide_with_every_status(mixed):
    table = R.status_table(R.evaluate(mixed.con, AS_OF), "system")
    assert table.columns == ["system", "records", *R.STATUSES, "overdue_rate"]
    assert table["records"].sum() == R.record_status(mixed.con, AS_OF).height


def test_ageing_buckets(retention_store):
    s = retention_store
    # text rule: deadline = deletion + 10 days; days overdue counted from END in whole days
    for days_over in (0, 7, 8, 30, 31, 90, 91, 400):
        deleted = END - dt.timedelta(days=10 + days_over, hours=1)
        s.record(s.account(deleted_at=iso(deleted)))
    run = R.evaluate(s.con, AS_OF)
    ageing = R.ageing(run)
    assert ageing["ageing_bucket"].to_list() == ["0-7", "8-30", "31-90", ">90"]
    assert ageing["overdue"].to_list() == [2, 2, 2, 2]
    assert sorted(R.record_status(s.con, AS_OF)["days_overdue"].to_list()) == [0, 7, 8, 30, 31, 90, 91, 400]


@pytest.mark.parametrize("max_days", [20, 400])  # ratios up to 2 (fine bins), up to 40 (relative bins)
def test_lag_percentiles_are_within_the_stated_bound_of_the_exact_ones(retention_store, max_days):
    s = retention_store
    rng = random.Random(11)
    deleted = dt.datetime(2025, 1, 1)
    for _ in range(400):
        lag = dt.timedelta(seconds=rng.randint(0, max_days * 86400))  # 10 days allowed
        s.record(s.account(deleted_at=iso(deleted)), erased_at=iso(deleted + lag))
    run = R.evaluate(s.con, AS_OF)
    got = R.lag_percentiles(run).filter(pl.col("category") == "(all)")
    lags = sorted(R.record_status(s.con, AS_OF)["lag_ratio"].to_list())
    assert got.height == 4
    for row in got.iter_rows(named=True):
        q = {"p50": 0.5, "p90": 0.9, "p95": 0.95, "p99": 0.99}[row["percentile"]]
        exact = lags[math.ceil(q * len(lags)) - 1]  # nearest rank
        assert row["bin_low"] <= exact < row["bin_high"]
        assert abs(row["value"] - exact) <= row["error_bound"] + 1e-12
        # the documented bound: 0.0005 of the allowed delay, or 0.05% of the value beyond 2
        assert row["error_bound"] <= R.LAG_ERROR_BOUND * max(1.0, abs(row["value"])) * (1 + 1e-9)
    hist = R.lag_histogram(run)
    assert hist["erased"].sum() == 400


def test_trend_top_systems_and_upcoming(retention_store):
    s = retention_store
    # overdue: deadlines in September (2 in billing, 1 in crm)
    for system in ("billing", "billing", "crm"):
        s.record(s.account(deleted_at="2026-09-01 00:00:00+00"), system=system)
    # upcoming: 10-day deadlines 5 and 40 days after END
    near = s.record(s.account(deleted_at=iso(END - dt.timedelta(days=5))), system="crm")
    far = s.record(s.account(deleted_at=iso(END + dt.timedelta(days=30) - dt.timedelta(days=1))),
                   system="crm")
    run = R.evaluate(s.con, AS_OF, horizon_days=30)
    trend = R.trend(run)
    assert trend.filter(status="overdue")["n"].to_list() == [3]
    assert trend.filter(status="overdue")["deadline_month"].to_list() == [dt.date(2026, 9, 1)]
    top = R.top_systems(run, n=5)
    assert top["system"].to_list()[0] == "billing"
    assert top.filter(system="billing")["overdue"].item() == 2
    up = R.upcoming(run)
    assert up["records"].sum() == 1
    assert up["deadline_day"].to_list() == [dt.date(2026, 11, 6)]
    assert far not in R.oldest_overdue(s.con, AS_OF)["record_id"].to_list()
    assert near not in R.oldest_overdue(s.con, AS_OF)["record_id"].to_list()
    oldest = R.oldest_overdue(s.con, AS_OF, limit=2)
    assert oldest.height == 2 and oldest["days_overdue"].to_list() == [51, 51]  # 11 Sep to 1 Nov


def test_compare_rule_sets_and_verdict_changes(retention_store):
    s = retention_store
    a = s.account(deleted_at="2026-01-01 00:00:00+00")
    s.record(a, erased_at="2026-01-21 00:00:00+00")
    s.record(a, category="transaction_records", erased_at="2026-02-15 00:00:00+00")
    cmp = R.compare_rule_sets(s.con, AS_OF)
    assert cmp["status"].to_list() == list(R.STATUSES)
    late = cmp.filter(status="erased_late").row(0, named=True)
    assert (late["strictest"], late["retention_table"], late["retention_text"]) == (2, 0, 2)
    changes = R.verdict_changes(s.con, AS_OF)
    assert changes["records"].sum() == 2
    assert set(changes["status_table"]) == {"erased_on_time"}


def test_policy_conflicts_list_the_table_against_the_text(retention_store):
    """One place computes the conflicts (policy.conflicts.find_conflicts): the table's 30
    days after account deletion against the text's 10, the text being the stricter, and
    the five-year minimum outlasting an erasure rule."""
    conflicts, source = R.policy_conflicts(retention_store.con)
    assert source == "compliance_kit.policy.conflicts.find_conflicts"
    pair = conflicts.filter(conflict_kind="different_erasure_delays", rule_a="table_account_data",
                            rule_b="text_account_deleted")
    assert pair.height == 1
    assert pair.row(0, named=True)["stricter_rule"] == "text_account_deleted"
    assert (pair["max_delay_a"].item(), pair["max_delay_b"].item()) == ("P30D", "P10D")
    assert conflicts.filter(conflict_kind="minimum_vs_erasure", rule_a="addendum_id_minimum").height > 0


def test_rules_applied_counts_the_records_each_rule_decided(mixed):
    run = R.evaluate(mixed.con, AS_OF)
    rules = R.rules_applied(mixed.con, run)
    per_record = R.record_status(mixed.con, AS_OF)
    decided = per_record.filter(pl.col("rule_id").is_not_null()).group_by("rule_id").len()
    for row in decided.iter_rows(named=True):
        assert rules.filter(rule_id=row["rule_id"])["records"].item() == row["len"]
    assert "recipient" not in set(rules["rule_set"])


# --------------------------------------------------------------------------- charts

def _colour_scale(spec):
    return spec["encoding"]["color"]["scale"]


def test_status_by_category_chart_spec(mixed):
    run = R.evaluate(mixed.con, AS_OF)
    spec = R.status_by_category_chart(R.status_counts(run, "category"), k=1).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["x"]["stack"] == "zero"
    scale = _colour_scale(spec)
    assert [STATUS_COLOURS[s] for s in scale["domain"]] == scale["range"]
    assert scale["domain"] == [s for s in R.STATUSES if s in scale["domain"]]


def test_overdue_heatmap_spec(mixed):
    run = R.evaluate(mixed.con, AS_OF)
    chart = R.overdue_heatmap(R.status_counts(run, "jurisdiction_category"), k=1)
    spec = chart.to_dict()
    assert spec["mark"]["type"] == "rect"
    assert spec["encoding"]["color"]["field"] == "overdue_rate"
    assert {spec["encoding"]["x"]["field"], spec["encoding"]["y"]["field"]} == {"category", "jurisdiction"}
    values = next(iter(spec["datasets"].values()))
    assert all(0 <= v["overdue_rate"] <= 1 for v in values)
    scale = spec["encoding"]["color"]["scale"]
    assert scale.get("domainMin") == 0 and "domain" not in scale, \
        "the colours span 0 to the highest rate drawn, not 0-100% where rates of a few percent look alike"
    assert spec["encoding"]["color"]["legend"]["format"] == ".1%", "ticks of 0.5% must not all read 1%"


def test_lag_ageing_and_trend_chart_specs(mixed):
    run = R.evaluate(mixed.con, AS_OF)
    lag = R.lag_chart(R.lag_histogram(run), k=1).to_dict()
    assert [layer["mark"]["type"] for layer in lag["layer"]] == ["bar", "rule"]
    assert lag["layer"][0]["encoding"]["color"]["scale"]["range"] == [
        STATUS_COLOURS["erased_on_time"], STATUS_COLOURS["erased_late"]]
    ageing = R.ageing_chart(R.ageing(run), k=1).to_dict()
    assert ageing["encoding"]["x"]["sort"] == ["0-7", "8-30", "31-90", ">90"]
    trend = R.trend_chart(R.trend(run), k=1).to_dict()
    assert trend["encoding"]["x"]["timeUnit"] == "yearmonth"
    assert [STATUS_COLOURS[s] for s in _colour_scale(trend)["domain"]] == _colour_scale(trend)["range"]


@pytest.mark.parametrize("reading", list(R.READINGS))
def test_one_pass_readings_equal_each_reading_on_its_own(mixed, reading):
    """The cube's 'readings' part (every reading from one pass) against the per-record
    verdict computed for each reading by itself: the comparison and the verdict changes
    are the counts a per-record join would give, and the run's own reading is the cube's
    status part."""
    run = R.evaluate(mixed.con, AS_OF, rule_set=reading)
    per = {r: R.record_status(mixed.con, AS_OF, r).select("record_id", "category", "status")
           for r in R.READINGS}
    assert all(df.height > 0 for df in per.values())
    expected = pl.DataFrame({"status": list(R.STATUSES)})
    for r, df in per.items():
        expected = expected.join(df.group_by("status").agg(pl.len().cast(pl.Int64).alias(r)),
                                 on="status", how="left")
    expected = expected.with_columns(pl.col(r).fill_null(0) for r in R.READINGS)
    assert R.compare_rule_sets(run).equals(expected.select("status", *R.READINGS))
    joined = per["retention_table"].join(per["retention_text"].select("record_id", "status"),
                                         on="record_id", suffix="_text")
    changes = (joined.filter(pl.col("status") != pl.col("status_text"))
               .group_by("category", pl.col("status").alias("status_table"), "status_text")
               .agg(pl.len().alias("records")).sort("category", "status_table", "status_text"))
    assert changes.height > 0  # the readings disagree somewhere, or the test would prove little
    assert R.verdict_changes(run).equals(changes)
    own = R.status_table(run, "all").row(0, named=True)
    assert {s: own[s] for s in R.STATUSES} == dict(expected.select("status", reading).iter_rows())


# --- the analyses' arithmetic on hand-built frames (mutation gaps) -------------------------

def test_the_per_group_overdue_rate_is_overdue_over_records():
    long = pl.DataFrame({"category": ["a", "a", "b"], "status": ["overdue", "erased_on_time", "erased_late"],
                         "n": [2, 6, 5]})
    wide = {r["category"]: r for r in R._wide_status(long).iter_rows(named=True)}
    # a: 2 overdue of 2 + 6 = 8 records -> 0.25; b: none overdue of 5 -> 0.
    assert wide["a"]["records"] == 8 and wide["a"]["overdue_rate"] == pytest.approx(0.25)
    assert wide["b"]["records"] == 5 and wide["b"]["overdue_rate"] == 0.0


def test_the_heatmap_rate_counts_overdue_records_not_late_erasures():
    counts = pl.DataFrame({"jurisdiction": ["FR"] * 3, "category": ["account_data"] * 3,
                           "status": ["overdue", "erased_late", "erased_on_time"], "n": [6, 10, 20]})
    # 6 overdue of 36 (both 6 and the other 30 are >= k = 5: the rate may be shown) -> 1/6.
    heat = R.heatmap_data(counts, 5)
    assert heat["overdue_rate"].to_list() == [pytest.approx(6 / 36)]


def test_an_erasure_exactly_at_its_deadline_is_in_the_late_bar():
    # Lag ratio 1.0 means erased exactly at the deadline: the bin [1.0, 1.05) starts late.
    # (The engine counts that erasure as on time; the bar holds 1.0 <= ratio < 1.05, so it
    # is drawn with the late ones. 10 per bin: nothing below k = 5 is hidden.)
    hist = pl.DataFrame({"category": ["a"] * 3, "lag_ratio_from": [0.95, 1.0, 1.05], "erased": [10, 10, 10]})
    data = R.lag_chart_data(hist, 5)
    assert dict(zip(data["lag_ratio_from"].to_list(), data["late"].to_list())) == {0.95: False, 1.0: True, 1.05: True}


@pytest.mark.parametrize("reading", ["strictest", "retention_table"])
def test_oldest_overdue_is_the_head_of_the_overdue_verdicts(spark_sample, reading):  # noqa: F811
    """oldest_overdue's pass keeps only records that can be overdue (not on legal hold, not
    erased by the instant) before its joins: its list is still exactly the longest-overdue
    rows of the full per-record verdict, in the same order."""
    from conftest_spark import AS_OF as SAMPLE_AS_OF

    _, con = spark_sample
    verdicts = R.record_status(con, SAMPLE_AS_OF, rule_set=reading)
    assert verdicts.filter(pl.col("status") == "on_legal_hold").height > 0
    assert verdicts.filter(pl.col("status").is_in(["erased_on_time", "erased_late"])).height > 0
    columns = ["record_id", "category", "system", "jurisdiction", "trigger_event", "rule_id",
               "clock_start", "deadline", "days_overdue"]
    expected = (verdicts.filter(pl.col("status") == "overdue")
                .sort(["days_overdue", "deadline", "record_id"], descending=[True, False, False])
                .head(30).select(columns))
    assert verdicts.filter(pl.col("status") == "overdue").height > 30, "the limit must cut the list"
    got = R.oldest_overdue(con, SAMPLE_AS_OF, rule_set=reading, limit=30)
    assert got.select(columns).to_dicts() == expected.to_dicts()


@pytest.mark.parametrize("reading", ["strictest", "retention_text"])
@pytest.mark.parametrize("candidates", [1, 5, 40, 100_000])
def test_oldest_overdue_bound_reads_every_record_that_could_be_on_the_list(spark_sample, reading, candidates):  # noqa: F811
    """oldest_overdue first reads only the records whose deadline could be at most a bound
    (the `candidates`-th earliest deadline any clock could give) and keeps the overdue ones
    at or before it. However tight the bound, what comes back is the head of the whole list
    in the same order (cut at the bound), so a full list is exactly the list; with a short
    one oldest_overdue reads every record (also checked: the function's list equals the
    full verdicts' head for these tiny candidate counts)."""
    from conftest_spark import AS_OF as SAMPLE_AS_OF

    _, con = spark_sample
    limit = 30
    columns = ["record_id", "category", "system", "jurisdiction", "trigger_event", "rule_id",
               "clock_start", "deadline", "days_overdue"]
    expected = (R.record_status(con, SAMPLE_AS_OF, rule_set=reading).filter(pl.col("status") == "overdue")
                .sort(["days_overdue", "deadline", "record_id"], descending=[True, False, False])
                .head(limit).select(columns))
    scope = R.Scope.make(SAMPLE_AS_OF, reading)
    params = {**scope.params(), "open_only": True, "limit": limit, "candidates": candidates}
    bounded = R.engines.of(con).query("retention_oldest_overdue.sql", params,
                                      **{**scope.fill(), **R.trigger_fill(con), "candidates": "overdue_candidates"})
    assert bounded.select(columns).to_dicts() == expected.head(bounded.height).to_dicts()
    if candidates == 100_000:
        assert bounded.height == limit, "a loose bound reads every record that can be overdue"
    if candidates == 1:
        assert bounded.height < limit, "the tightest bound must cut the list, or the fallback is never tested"
    per_row, floor = R.OLDEST_CANDIDATES_PER_ROW, R.OLDEST_CANDIDATES_MIN
    try:
        R.OLDEST_CANDIDATES_PER_ROW, R.OLDEST_CANDIDATES_MIN = 0, candidates
        got = R.oldest_overdue(con, SAMPLE_AS_OF, rule_set=reading, limit=limit)
    finally:
        R.OLDEST_CANDIDATES_PER_ROW, R.OLDEST_CANDIDATES_MIN = per_row, floor
    assert got.select(columns).to_dicts() == expected.to_dicts()


def test_oldest_overdue_bound_takes_the_shortest_delay_of_a_trigger(retention_store):
    """The bound of a clock is the clock plus the SHORTEST delay any rule gives its trigger:
    an account deleted earlier under a 90-day rule must not hide one deleted later under a
    24-hour rule whose deadline comes first (were the bound the longest delay, the first
    candidate alone would fill a one-row list with the wrong record)."""
    s = retention_store
    early = s.account(deleted_at="2025-01-01 00:00:00+00")
    later = s.account(deleted_at="2025-02-01 00:00:00+00")
    slow = s.record(early, category="transaction_records")   # deadline 2025-04-01 (P90D)
    quick = s.record(later, category="support_tickets")      # deadline 2025-02-02 (PT24H)
    scope = R.Scope.make(AS_OF, "retention_table")
    params = {**scope.params(), "open_only": True, "limit": 1, "candidates": 1}
    bounded = R.engines.of(s.con).query("retention_oldest_overdue.sql", params,
                                        **{**scope.fill(), **R.trigger_fill(s.con), "candidates": "overdue_candidates"})
    assert bounded.height == 0, "the bound (early's deletion + 24 hours) is before every deadline"
    per_row, floor = R.OLDEST_CANDIDATES_PER_ROW, R.OLDEST_CANDIDATES_MIN
    try:
        R.OLDEST_CANDIDATES_PER_ROW, R.OLDEST_CANDIDATES_MIN = 0, 1
        assert R.oldest_overdue(s.con, AS_OF, "retention_table", limit=1)["record_id"].to_list() == [quick]
        assert R.oldest_overdue(s.con, AS_OF, "retention_table", limit=2)["record_id"].to_list() == [quick, slow]
    finally:
        R.OLDEST_CANDIDATES_PER_ROW, R.OLDEST_CANDIDATES_MIN = per_row, floor


def test_oldest_overdue_keeps_a_record_erased_after_the_instant(retention_store):
    """A record erased after the instant was not erased by it: overdue, and on the list;
    records erased by the instant or on legal hold are not (oldest_overdue's pass drops
    them before its joins)."""
    s = retention_store
    a = s.account(deleted_at="2026-01-01 00:00:00+00")
    late = s.record(a, erased_at=iso(END + dt.timedelta(seconds=1)))
    held = s.record(a, legal_hold=True)
    erased = s.record(a, erased_at=iso(END - dt.timedelta(seconds=1)))
    open_ = s.record(a)
    statuses = dict(R.record_status(s.con, AS_OF).select("record_id", "status").iter_rows())
    assert (statuses[late], statuses[held], statuses[erased], statuses[open_]) == (
        "overdue", "on_legal_hold", "erased_late", "overdue")
    assert sorted(R.oldest_overdue(s.con, AS_OF)["record_id"].to_list()) == sorted([late, open_])
