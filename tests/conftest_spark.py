"""Spark fixtures: ONE local Spark session for the whole pytest session (start-up costs
7-11 s) and a small synthetic sample loaded into a DuckDB store, whose Parquet files the
Spark engine reads. Import from test files: `from conftest_spark import spark_engine, spark_sample`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance_kit.paths import DEFAULT_POLICY
from compliance_kit.store import build_store, connect

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_ACCOUNTS = 300
SAMPLE_SEED = 11
AS_OF = "2026-10-31"


@pytest.fixture(scope="session")
def spark_sample(tmp_path_factory):
    """(data_dir, read-only store connection) for a 300-account synthetic sample."""
    from compliance_kit.data import synth

    base = tmp_path_factory.mktemp("spark_sample")
    data_dir = base / "sample"
    synth.generate(data_dir, SAMPLE_ACCOUNTS, seed=SAMPLE_SEED, as_of=AS_OF,
                   policy_path=ROOT / DEFAULT_POLICY, progress=False)
    db = base / "compliance.duckdb"
    build_store(db, ROOT / DEFAULT_POLICY, data_dir, echo=lambda *a, **k: None)
    con = connect(db, read_only=True)
    yield data_dir, con
    con.close()


@pytest.fixture(scope="session")
def spark_engine(spark_sample):
    """A local[2] Spark session (no UI, 4 shuffle partitions) reading the sample."""
    from compliance_kit.engines.spark import SparkEngine

    data_dir, con = spark_sample
    engine = SparkEngine(master="local[2]", shuffle_partitions=4,
                         conf={"spark.default.parallelism": "2",
                               "spark.sql.adaptive.enabled": "true",
                               "spark.driver.memory": "1g"})
    engine.attach(data_dir, con)
    yield engine
    engine.stop()
