"""DuckDB -> Spark SQL transforms (engines/transpile.py), without starting Spark; and the
clear errors when Spark cannot run (no Java, no pyspark, no cluster), with the DuckDB
engine still working in the same process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from compliance_kit.engines import check_engine
from compliance_kit.engines.transpile import TranspileError, to_spark
from compliance_kit.errors import ParameterError, UserError

ROOT = Path(__file__).resolve().parents[1]


def test_epoch_us_becomes_unix_micros_and_make_timestamp_timestamp_micros():
    sql, markers = to_spark("SELECT make_timestamp(epoch_us(t) + 1) AS x FROM e WHERE epoch_us(t) <= $as_of_us",
                            "q.sql", {"as_of_us": 5})
    assert sql == "SELECT TIMESTAMP_MICROS(UNIX_MICROS(t) + 1) AS x FROM e WHERE UNIX_MICROS(t) <= :as_of_us"
    assert markers == ["as_of_us"] and ":as_of_us" in sql


def test_mixed_interval_sum_becomes_make_interval():
    sql, _ = to_spark("SELECT m * INTERVAL '1 month' + d * INTERVAL '1 day' + h * INTERVAL '1 hour' AS delay FROM r",
                      "rules.sql")
    assert sql == "SELECT MAKE_INTERVAL(0, m, 0, d, h, 0, 0) AS delay FROM r"


def test_single_unit_interval_left_to_sqlglot():
    sql, _ = to_spark("SELECT ts + n * INTERVAL '1 month' AS t FROM r", "q.sql")
    assert "MAKE_INTERVAL" not in sql.upper() and "INTERVAL '1' MONTH" in sql.upper()


def test_null_list_parameter_becomes_typed_null_not_a_marker():
    sql, markers = to_spark(
        "SELECT * FROM r WHERE coalesce(list_contains($cats, r.c), true) AND ($cats::VARCHAR[] IS NULL)",
        "q.sql", {"cats": None})
    assert markers == []
    assert "COALESCE(ARRAY_CONTAINS(CAST(NULL AS ARRAY<STRING>), r.c), TRUE)" in sql
    assert ":cats" not in sql


def test_list_parameter_stays_a_marker():
    sql, markers = to_spark("SELECT * FROM r WHERE list_contains($cats, r.c)", "q.sql", {"cats": ["a"]})
    assert markers == ["cats"] and "ARRAY_CONTAINS(:cats, r.c)" in sql


def test_repeated_identical_ctes_are_merged_and_different_ones_refused():
    inner = "WITH a AS (SELECT 1 AS x) SELECT * FROM a"
    sql, _ = to_spark(f"WITH a AS (SELECT 1 AS x), b AS ({inner}) SELECT * FROM b", "cube.sql")
    assert sql.upper().count(" AS (SELECT 1 AS X)") == 1
    with pytest.raises(TranspileError, match="cube.sql.*two different CTEs named 'a'"):
        to_spark("WITH a AS (SELECT 1 AS x), b AS (WITH a AS (SELECT 2 AS x) SELECT * FROM a) "
                 "SELECT * FROM b", "cube.sql")


def test_exact_percentiles_become_spark_percentile():
    sql, _ = to_spark("SELECT quantile_cont(h, 0.9) FILTER (WHERE ok) AS p90, median(h) AS p50 FROM t",
                      "q.sql")
    assert sql == "SELECT PERCENTILE(h, 0.9) FILTER(WHERE ok) AS p90, PERCENTILE(h, 0.5) AS p50 FROM t"


@pytest.mark.parametrize("sql, what", [
    ("SELECT quantile_cont(h, [0.5, 0.9]) FROM t", "percentile"),
    ("SELECT quantile_disc(h, 0.5) FROM t", "percentile"),
    ("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY h) FROM t", "percentile"),
    ("SELECT a FROM t QUALIFY row_number() OVER (ORDER BY a) = 1", "QUALIFY"),
    ("SELECT rq_day(t) FROM t", "rq_day"),  # a macro not passed in
    ("CREATE TEMP MACRO f(x) AS x + 1", "CREATE"),
    ("SELECT 1; SELECT 2", "2 statements"),
])
def test_untranslatable_queries_fail_loudly_naming_the_query(sql, what):
    with pytest.raises(TranspileError) as e:
        to_spark(sql, "requests_example.sql")
    assert "requests_example.sql" in str(e.value) and what.lower() in str(e.value).lower()
    assert isinstance(e.value, UserError)


def test_missing_parameter_named():
    with pytest.raises(TranspileError, match="q.sql.*as_of_us"):
        to_spark("SELECT $as_of_us AS x", "q.sql", {})


def test_engine_names():
    assert check_engine("spark") == "spark"
    with pytest.raises(ParameterError, match="duckdb, spark"):
        check_engine("sparkk")


# ------------------------------------------------------------------ Spark unavailable

_SCRIPT = textwrap.dedent("""
    import sys
    {prelude}
    from compliance_kit.engines.spark import SparkEngine, SparkUnavailable
    from compliance_kit.analysis import retention
    from compliance_kit.store import connect
    try:
        SparkEngine({args}).spark
    except SparkUnavailable as e:
        print("MESSAGE:", e)
    else:
        print("NO ERROR")
    con = connect(sys.argv[1], read_only=True)
    print("DUCKDB:", retention.headline(retention.evaluate(con, "2026-10-31"))["records_checked"] > 0)
""")


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    from compliance_kit.paths import DEFAULT_POLICY
    from compliance_kit.store import build_store

    from compliance_kit.data import synth

    base = tmp_path_factory.mktemp("nojava")
    synth.generate(base / "sample", 20, seed=3, policy_path=ROOT / DEFAULT_POLICY, progress=False)
    db = base / "s.duckdb"
    build_store(db, ROOT / DEFAULT_POLICY, base / "sample", echo=lambda *a, **k: None)
    return db


def _run(store, env_changes: dict, prelude: str = "", args: str = "") -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "PYSPARK_SUBMIT_ARGS")}
    env.update(env_changes)
    out = subprocess.run([sys.executable, "-c", _SCRIPT.format(prelude=prelude, args=args), str(store)],
                         env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_no_java_on_path_says_what_to_install_and_duckdb_still_works(small_store, tmp_path):
    out = _run(small_store, {"PATH": str(tmp_path)})  # an empty folder: no java
    assert "MESSAGE: local Spark needs Java: no `java` on PATH" in out
    assert "openjdk-17-jre-headless" in out and "JAVA_HOME" in out
    assert "DUCKDB: True" in out


def test_java_home_pointing_nowhere(small_store, tmp_path):
    out = _run(small_store, {"JAVA_HOME": str(tmp_path / "nowhere")})
    assert f"JAVA_HOME={tmp_path / 'nowhere'} has no bin/java" in out
    assert "DUCKDB: True" in out


def test_no_pyspark_says_what_to_install(small_store):
    out = _run(small_store, {}, prelude="sys.modules['pyspark'] = None")
    assert "MESSAGE: the Spark engine needs pyspark: pip install 'compliance-kit[spark]'" in out
    assert "DUCKDB: True" in out


def test_unreachable_cluster_names_the_url(small_store):
    """Spark Connect to a port nobody listens on: one message naming the URL (either the
    client libraries are missing, or the server cannot be reached), never a hang."""
    out = _run(small_store, {}, args="remote='sc://127.0.0.1:1'")
    assert "MESSAGE:" in out and "sc://127.0.0.1:1" in out
    assert "DUCKDB: True" in out


def test_engine_parameters_checked_before_any_work():
    from compliance_kit.engines import check_engine_parameters

    assert check_engine_parameters("duckdb") == "duckdb"
    with pytest.raises(ParameterError, match="engine='spark' needs spark_data"):
        check_engine_parameters("spark")
    with pytest.raises(ParameterError, match="spark_url must be a string"):
        check_engine_parameters("spark", "data/sample", 15002)
    with pytest.raises(ParameterError, match="engine must be one of duckdb, spark"):
        check_engine_parameters("polars")


def test_macros_inlined_and_duckdb_interval_forms():
    macros = ("CREATE OR REPLACE TEMP MACRO day_of(ts) AS DATE '1970-01-01' + (epoch_us(ts) // 86400000000)::INTEGER;\n"
              "CREATE OR REPLACE TEMP MACRO plus_one_day(ts) AS day_of(ts) + 1;")
    sql, _ = to_spark("SELECT plus_one_day(a.t) AS d, x + INTERVAL (n) DAY AS e, y + to_hours(h) AS f, "
                      "make_timestamptz(u) AS g FROM a", "requests_status.sql", macros=macros)
    assert "UNIX_MICROS(((a.t))) DIV 86400000000) AS INT)) + 1) AS d" in sql and "plus_one_day" not in sql.lower()
    assert "x + MAKE_INTERVAL(0, 0, 0, n, 0, 0, 0) AS e" in sql
    assert "y + MAKE_INTERVAL(0, 0, 0, 0, h, 0, 0) AS f" in sql
    assert "TIMESTAMP_MICROS(u) AS g" in sql


def test_macro_file_must_hold_only_macros():
    with pytest.raises(TranspileError, match="not a CREATE MACRO"):
        to_spark("SELECT 1", "q.sql", macros="CREATE TABLE t (a INT)")


def test_local_master_cores_size_the_shuffle():
    from compliance_kit.engines.spark import _local_cores

    assert [_local_cores(m) for m in ("local", "local[4]", "local[2,3]", "local[bad]")] == [1, 4, 2, 1]
    assert _local_cores("local[*]") == (os.cpu_count() or 1)
