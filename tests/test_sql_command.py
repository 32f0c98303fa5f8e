"""`compliance-kit sql NAME`: the printed script, run as it is in DuckDB on the store,
returns the rows the library's query returned, for every printable figure of the three
analyses and the policy overview; and the command line around it."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from compliance_kit.analysis import printable
from compliance_kit.store import connect
from conftest_spark import AS_OF, spark_sample  # noqa: F401  (fixture: a synthetic store)

# Parameters per figure beyond the scope's as_of (several groupings and options).
EXTRA = {
    "retention.status": {"by": "jurisdiction_category"},
    "retention.lag_histogram": {"bin_width": 0.05},
    "retention.top_systems": {"n": 3},
    "retention.oldest_overdue": {"limit": 5},
    "requests.performance": {"by": ["region", "type"]},
    "requests.queue": {"by": ["type", "channel"]},
    "requests.km_curve": {"by": "type"},
    "requests.time_to_complete": {"by": ["type", "region"]},
    "requests.trend": {"period": "month", "top": 2},
    "requests.distance": {"clip": 20},
    "requests.upcoming": {"limit": 10},
    "flows.monthly": {"source_jurisdictions": ["EEA"]},
}
NO_AS_OF = {"retention.rules", "flows.declared", "policy.headline",
            "policy.retention_periods", "policy.jurisdictions"}


def _params(name: str) -> dict:
    params = {} if name in NO_AS_OF else {"as_of": AS_OF}
    params.update({k: v for k, v in EXTRA.get(name, {}).items() if v is not None})
    return params


def _same(name: str, library: pl.DataFrame, printed: pl.DataFrame) -> None:
    assert library.columns == printed.columns, f"{name}: columns {library.columns} != {printed.columns}"
    assert library.height == printed.height, f"{name}: rows {library.height} != {printed.height}"
    a, b = library.sort(library.columns, nulls_last=True), printed.sort(printed.columns, nulls_last=True)
    for i, (x, y) in enumerate(zip(a.iter_rows(), b.iter_rows())):
        for col, u, v in zip(a.columns, x, y):
            ok = math.isclose(u, v, rel_tol=0, abs_tol=1e-12) if isinstance(u, float) and isinstance(v, float) else u == v
            assert ok, f"{name} row {i} {col}: library={u!r} printed={v!r}"


@pytest.mark.parametrize("name", list(printable.FIGURES))
def test_printed_sql_returns_the_library_rows(name, spark_sample):  # noqa: F811
    data_dir, _ = spark_sample
    store = data_dir.parent / "compliance.duckdb"
    params = _params(name)
    with connect(store, read_only=True) as con:
        engine = printable.record(name, con, params)
        query, library = engine.last(printable.FIGURES[name].query)
        text = engine.script(printable.FIGURES[name].query, name)
    assert "$" not in text.split("SET TimeZone", 1)[1], "a parameter left unbound in the pasteable copy"
    # the analyst's side: a fresh read-only connection, the script as printed
    fresh = duckdb.connect(str(store), read_only=True)
    try:
        printed = fresh.sql(text).pl()
    finally:
        fresh.close()
    if name not in ("policy.headline", "flows.declared"):
        assert library.height > 0, f"{name}: empty on the sample, the test would prove nothing"
    _same(name, library, printed)


def test_every_metric_query_of_the_analyses_is_printable():
    """Every query file the three analyses run for a figure has a printable name."""
    from compliance_kit.paths import SQL_DIR

    printed = {f.query for f in printable.FIGURES.values()}
    metric_files = {p.name for p in SQL_DIR.glob("retention_metric_*.sql")} | {
        p.name for p in SQL_DIR.glob("flows_*.sql")
        if p.name not in ("flows_scope.sql", "flows_transfer_keys.sql", "flows_classify_keys.sql",
                          "flows_summary.sql", "flows_recipient_retention.sql")}
    assert metric_files - printed == set()


def test_cli_prints_the_script_and_its_parameters(spark_sample, tmp_path):  # noqa: F811
    data_dir, _ = spark_sample
    store = data_dir.parent / "compliance.duckdb"
    cli = Path(sys.executable).with_name("compliance-kit")
    out = subprocess.run([str(cli), "sql", "retention.ageing", "--db", str(store), "-p", f"as_of={AS_OF}"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "--   $as_of_end = TIMESTAMPTZ '2026-11-01 00:00:00+00:00'" in out.stdout
    assert "CREATE OR REPLACE TEMP TABLE retention_cube AS" in out.stdout
    with duckdb.connect(str(store), read_only=True) as con:
        assert con.sql(out.stdout).pl().height > 0
    bound = subprocess.run([str(cli), "sql", "retention.ageing", "--bound", "--db", str(store),
                            "-p", f"as_of={AS_OF}"], capture_output=True, text=True, timeout=120)
    assert bound.returncode == 0 and "$as_of_end" in bound.stdout.split("SET TimeZone", 1)[1]
    bad = subprocess.run([str(cli), "sql", "retention.nothing", "--db", str(store)],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "no figure 'retention.nothing'" in bad.stderr
    listing = subprocess.run([str(cli), "sql", "--list"], capture_output=True, text=True, timeout=120)
    assert listing.returncode == 0 and "requests.headline" in listing.stdout
