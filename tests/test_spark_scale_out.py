"""Beyond one process (issue 14): the Spark equivalence checks again, this time through a
Spark Connect server started from the pyspark distribution whose master is a local
cluster of two worker JVMs (conftest_spark.spark_connect_url). The retention cube, the
comparison of readings, the flows metrics and the requests' headline must equal DuckDB's,
as they do on local[2] (tests/test_spark_equivalence.py, whose comparison this reuses).
"""

from __future__ import annotations

import math

import pytest

from compliance_kit.analysis import flows, retention
from conftest_spark import (AS_OF, SCALE_OUT_MASTER, spark_cluster_engine, spark_connect_url,  # noqa: F401
                            spark_sample)
from test_spark_equivalence import FLOW_SCOPES, REQUEST_SCOPES, SCOPES, assert_same

pytest.importorskip("pyspark", reason="the spark extra is part of the test extra: pip install -e '.[test]'")


def test_the_server_runs_a_two_worker_cluster(spark_cluster_engine):  # noqa: F811
    """The session is a Spark Connect client, and the server's master is the local cluster
    (executors in their own JVMs), not local[N] threads in the driver."""
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    assert isinstance(spark_cluster_engine.spark, ConnectSession)
    assert spark_cluster_engine.spark.conf.get("spark.master") == SCALE_OUT_MASTER


@pytest.mark.parametrize("scope", list(SCOPES))
def test_retention_on_the_cluster_equals_duckdb(scope, spark_cluster_engine, spark_sample):  # noqa: F811
    _, con = spark_sample
    kwargs = SCOPES[scope]
    duck, spark = retention.evaluate(con, AS_OF, **kwargs), retention.evaluate(spark_cluster_engine, AS_OF, **kwargs)
    a, b = retention.headline(duck), retention.headline(spark)
    assert a["records_checked"] > 0
    assert a == b, f"retention.headline[{scope}]: duckdb={a} spark={b}"
    keys = ["part", "category", "jurisdiction", "system", "status", "rule_id", "deadline_month",
            "ageing_bucket", "upcoming_day", "lag_bin", "status_strictest", "status_table", "status_text"]
    assert_same(f"retention.cube[{scope}] on the cluster", duck.cube, spark.cube.cast(duck.cube.schema), keys,
                ["n", "days_overdue_sum", "days_overdue_max"])
    assert_same(f"retention.compare_rule_sets[{scope}] on the cluster", retention.compare_rule_sets(duck),
                retention.compare_rule_sets(spark), ["status"], list(retention.READINGS))


@pytest.mark.parametrize("scope", list(FLOW_SCOPES))
def test_flows_on_the_cluster_equal_duckdb(scope, spark_cluster_engine, spark_sample):  # noqa: F811
    _, con = spark_sample
    kwargs = FLOW_SCOPES[scope]
    duck, spark = flows.metric_set(con, **kwargs), flows.metric_set(spark_cluster_engine, **kwargs)
    assert duck.headline["transfers"] > 0
    for key, a in duck.headline.items():
        b = spark.headline[key]
        ok = math.isclose(a, b, rel_tol=1e-12) if isinstance(a, float) else a == b
        assert ok, f"flows.headline[{scope}].{key} on the cluster: duckdb={a!r} spark={b!r}"
    keys = ["month", "source_jurisdiction", "recipient", "destination_country", "category",
            "mechanism", "encrypted"]
    assert_same(f"flows.monthly[{scope}] on the cluster", duck.monthly,
                spark.monthly.cast({c: duck.monthly.schema[c] for c in ("transfers", "records", "bytes")}),
                keys, ["transfers", "records", "bytes"])


@pytest.mark.parametrize("scope", list(REQUEST_SCOPES))
def test_requests_on_the_cluster_equal_duckdb(scope, spark_cluster_engine, spark_sample):  # noqa: F811
    from compliance_kit.analysis import requests as Q
    from compliance_kit.store import connect

    data_dir, _ = spark_sample
    duck_con = connect(data_dir.parent / "compliance.duckdb", read_only=True)
    try:
        kwargs = REQUEST_SCOPES[scope]
        n_duck = Q.prepare(duck_con, AS_OF, **kwargs)
        spark = Q.prepare(spark_cluster_engine, AS_OF, **kwargs)
        assert n_duck > 0 and n_duck == spark.rows
        a, b = Q.headline(duck_con), Q.headline(spark)
        for key in a:
            x, y = a[key], b[key]
            ok = math.isclose(x, y, rel_tol=0, abs_tol=1e-9) if isinstance(x, float) else x == y
            assert ok, f"requests.headline[{scope}].{key} on the cluster: duckdb={x!r} spark={y!r}"
    finally:
        duck_con.close()


def test_a_local_session_starts_after_the_connect_session_stops(spark_cluster_engine):  # noqa: F811
    """pyspark marks the process Connect-only when a remote session starts
    (SPARK_CONNECT_MODE_ENABLED) and never unmarks it; SparkEngine.stop() gives the mark
    back, so the same process can run local Spark afterwards. Last in this module: it stops
    the session-scoped cluster engine (tests/conftest.py runs this module last)."""
    import os

    from compliance_kit.engines.spark import CONNECT_MODE_VARIABLE, SparkEngine

    assert os.environ.get(CONNECT_MODE_VARIABLE) == "1"   # what the Connect session did
    spark_cluster_engine.stop()
    assert CONNECT_MODE_VARIABLE not in os.environ
    local = SparkEngine(master="local[1]", shuffle_partitions=1)
    try:
        assert local.spark.sql("SELECT 41 + 1 AS n").collect()[0]["n"] == 42
        assert local.spark.sparkContext.master == "local[1]"
    finally:
        local.stop()
