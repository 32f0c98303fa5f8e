"""Query engines behind one seam (engines/base.py): DuckDB (the store) is the default and
needs nothing more; Spark (engines/spark.py, the `spark` extra) runs the same queries,
transpiled from the DuckDB SQL by engines/transpile.py, when the data outgrows one
machine (docs/scale-out.md). The analyses take an engine; nothing here knows them.

    engine = engines.get("duckdb", con)                          # the store's connection
    engine = engines.get("spark", con, spark_data="data/sample")  # Spark, attached once
    retention.evaluate(engine, "2026-10-31")
"""

from __future__ import annotations

import duckdb

from ..errors import ParameterError
from .base import Engine
from .duckdb_engine import DuckDBEngine

# The registry: engine name -> what it is (the notebooks' `engine` parameter).
ENGINES = {
    "duckdb": "the DuckDB store (default)",
    "spark": "a Spark session reading <table>.parquet from spark_data (docs/scale-out.md)",
}

__all__ = ["ENGINES", "DuckDBEngine", "Engine", "check_engine", "check_engine_parameters",
           "get", "of", "spark_engine"]


def check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise ParameterError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    return engine


# One Spark session per (URL, data folder) per process: a notebook kernel or a runner
# process pays the start-up once.
_SPARK: dict = {}


def check_engine_parameters(engine: str, spark_data=None, spark_url=None) -> str:
    """The notebooks' `engine`, `spark_data`, `spark_url` parameters; ParameterError says
    what to fix."""
    check_engine(engine)
    if engine == "spark" and not spark_data:
        raise ParameterError("engine='spark' needs spark_data: the folder or URL holding "
                             "<table>.parquet (e.g. data/sample or s3a://bucket/inventory)")
    for name, value in (("spark_data", spark_data), ("spark_url", spark_url)):
        if value is not None and not isinstance(value, str):
            raise ParameterError(f"{name} must be a string or None, not {value!r}")
    return engine


def _resolve_data(spark_data: str) -> str:
    """A relative local folder is looked up from the working directory upwards (a report
    notebook runs in its own folder), like the store; URLs and absolute paths as given."""
    from pathlib import Path

    if "://" in str(spark_data) or Path(spark_data).is_absolute():
        return str(spark_data)
    here = Path.cwd()
    for base in (here, *here.parents):
        if (base / spark_data).is_dir():
            return str(base / spark_data)
    return str(spark_data)


def spark_engine(con, spark_data: str, spark_url: str | None = None):
    """A SparkEngine reading `spark_data` with the store's policy tables. spark_url: None
    for local[2], 'sc://host:15002' for Spark Connect, else a master URL (yarn, spark://...)."""
    from .spark import SparkEngine

    spark_data = _resolve_data(spark_data)
    key = (spark_url, str(spark_data))
    if key not in _SPARK:
        if spark_url and spark_url.startswith("sc://"):
            engine = SparkEngine(master=None, remote=spark_url)
        else:
            engine = SparkEngine(master=spark_url or "local[2]")
        _SPARK[key] = engine.attach(spark_data, con)
        # There is no `build` step on this path to print the accounting: show it where the
        # analyst looks (the notebook's output; counts only, no row content).
        print(f"Spark engine: {spark_data} read through the data contract "
              f"(docs/data-contract.md); invalid rows are in Spark's view `quarantine`:\n"
              + engine.load_report.summary())
    return _SPARK[key]


def get(name: str, con: duckdb.DuckDBPyConnection, spark_data=None, spark_url=None) -> Engine:
    """The engine called `name` (ENGINES) over the store `con`: DuckDB on `con` itself;
    Spark reading `spark_data` (started and attached once per process)."""
    if check_engine_parameters(name, spark_data, spark_url) == "duckdb":
        return DuckDBEngine(con)
    return spark_engine(con, spark_data, spark_url)


def of(source) -> Engine:
    """An engine for what an analysis function was handed: an engine as it is, a DuckDB
    connection (the store) as a DuckDB engine on it."""
    if isinstance(source, Engine):
        return source
    if isinstance(source, duckdb.DuckDBPyConnection):
        return DuckDBEngine(source)
    raise TypeError(f"expected an engine (compliance_kit.engines.get) or a DuckDB connection, "
                    f"not {type(source).__name__}")

