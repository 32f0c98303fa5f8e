"""Query engines. DuckDB (the store) is the default and needs nothing more; Spark
(engines/spark.py, the `spark` extra) runs the same metric queries, transpiled from the
DuckDB SQL by engines/transpile.py, when the data outgrows one machine
(docs/scale-out.md)."""

from ..errors import ParameterError

ENGINES = ("duckdb", "spark")


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


def retention_run(con, as_of, engine: str = "duckdb", spark_data=None, spark_url=None, **kwargs):
    """retention.evaluate on the chosen engine (a RetentionRun either way)."""
    from ..analysis import retention

    if check_engine_parameters(engine, spark_data, spark_url) == "duckdb":
        return retention.evaluate(con, as_of, **kwargs)
    from .spark import retention_evaluate

    return retention_evaluate(spark_engine(con, spark_data, spark_url), as_of, **kwargs)


def flow_metrics(con, engine: str = "duckdb", spark_data=None, spark_url=None, **kwargs):
    """flows.metric_set on the chosen engine (a FlowMetrics either way)."""
    from ..analysis import flows

    if check_engine_parameters(engine, spark_data, spark_url) == "duckdb":
        return flows.metric_set(con, **kwargs)
    from .spark import flows_metric_set

    return flows_metric_set(spark_engine(con, spark_data, spark_url), con, **kwargs)


def prepare_requests(con, engine: str = "duckdb", spark_data=None, spark_url=None, **kwargs):
    """requests.prepare on the chosen engine. Returns (source, rows): `source` is what
    every metric function of analysis/requests.py reads (`con` itself on DuckDB, a
    SparkRequests on Spark, where the per-request table stays and the metric SQL runs) and
    `rows` the number of requests in scope."""
    from ..analysis import requests

    if check_engine_parameters(engine, spark_data, spark_url) == "duckdb":
        return con, requests.prepare(con, **kwargs)
    from .spark import requests_prepare

    prepared = requests_prepare(spark_engine(con, spark_data, spark_url), con, **kwargs)
    return prepared, prepared.rows
