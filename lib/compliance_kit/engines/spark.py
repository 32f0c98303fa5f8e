"""The Spark engine: the same metric queries over the same Parquet layout, on a Spark
session (local, a cluster through spark-submit, or Spark Connect).

    from compliance_kit.engines.spark import SparkEngine, retention_evaluate, flows_metric_set
    engine = SparkEngine(master="local[2]")            # or remote="sc://host:15002"
    engine.attach(data_dir="data/sample", con=duckdb_store_connection)  # validated
    run = retention_evaluate(engine, "2026-10-31")     # a retention.RetentionRun
    retention.headline(run); retention.lag_percentiles(run)   # unchanged library calls
    flows_metric_set(engine, con, as_of="2026-10-31")  # a flows.FlowMetrics

What runs where:
- operational tables (accounts, records, events, requests, transfers) are read by Spark
  from `DATA_DIR/<table>.parquet` (a local path, hdfs://, s3a://, abfss://, gs://),
  through the loader's data-contract checks (engines/spark_load.py): the same rows as the
  DuckDB store loads, the others in the view `quarantine`;
- policy tables are read from the DuckDB store and shipped to Spark as small DataFrames
  marked for broadcast joins;
- the big pass of each analysis (retention's metric cube, flows' monthly aggregate) runs
  on Spark, transpiled from the DuckDB SQL (engines/transpile.py); the small result comes
  back as Polars and the roll-ups run where they always do (an in-memory DuckDB), so every
  existing metric function works unchanged on a Spark run.
- requests: the deadline and class of every request (requests_status.sql) run on Spark
  (`requests_prepare`); the lookups it reads (rule periods, rules, due-date lookup,
  calendars) are built in DuckDB and broadcast. The per-request result stays on Spark
  (computed once and kept on the executors' disk: SparkEngine.materialise) with the views of requests_status_view.sql, and every
  metric of analysis/requests.py runs its SQL file there, transpiled, when handed the
  SparkRequests that `requests_prepare` returns: only the metric tables come back.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import polars as pl

from ..errors import UserError
from ..paths import read_sql
from .transpile import spark_args, to_spark

OPERATIONAL_TABLES = ("accounts", "records", "events", "requests", "transfers")
# The policy tables the covered queries read (shipped to Spark, broadcast).
POLICY_TABLES = ("retention_rules", "jurisdiction_lineage", "data_categories", "jurisdictions",
                 "declared_transfers", "declared_transfer_categories", "jurisdiction_rules",
                 "request_deadline_rules")

INSTALL_HINT = "pip install 'compliance-kit[spark]' (pyspark>=4 and sqlglot)"
JAVA_HINT = ("install Java 17 (Debian/Ubuntu: apt-get install openjdk-17-jre-headless; "
             "`make java` does it) or point JAVA_HOME at a Java 17+ installation")


class SparkUnavailable(UserError):
    """Spark cannot be used here; the message says what to install or check."""


def _java_problem() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home:
        if not (Path(home) / "bin" / "java").exists():
            return f"JAVA_HOME={home} has no bin/java"
        return None
    if shutil.which("java") is None:
        return "no `java` on PATH and JAVA_HOME is not set"
    return None


def check_available(remote: str | None = None) -> None:
    """Raise SparkUnavailable with what to install, before any Spark start-up cost."""
    try:
        import pyspark  # noqa: F401
        import sqlglot  # noqa: F401
    except ImportError as e:
        raise SparkUnavailable(f"the Spark engine needs {e.name}: {INSTALL_HINT}. "
                               "The DuckDB engine (the default) works without it.") from None
    if remote:
        try:
            import grpc  # noqa: F401
        except ImportError:
            raise SparkUnavailable(
                f"Spark Connect ({remote}) needs the client libraries: pip install 'pyspark[connect]'. "
                "The DuckDB engine (the default) works without it.") from None
        return
    problem = _java_problem()
    if problem:
        raise SparkUnavailable(f"local Spark needs Java: {problem}; {JAVA_HINT}. "
                               "The DuckDB engine (the default) works without it.")


def _local_cores(master: str) -> int:
    """The cores of a local master: local -> 1, local[4] -> 4, local[*] -> this machine's."""
    inside = master[master.find("[") + 1:master.find("]")] if "[" in master else "1"
    if inside.strip() == "*":
        return os.cpu_count() or 1
    try:
        return max(1, int(inside.split(",")[0]))
    except ValueError:
        return 1


class SparkEngine:
    """A Spark session and the tables it reads. `master` for a local or spark-submit
    session (`local[2]`, `yarn`, `spark://host:7077`), `remote` for Spark Connect
    (`sc://host:15002`; the cluster then needs to reach DATA_DIR itself)."""

    def __init__(self, master: str | None = "local[2]", remote: str | None = None,
                 conf: dict | None = None, shuffle_partitions: int | None = None):
        self.master = master
        self.remote = remote
        self.conf = dict(conf or {})
        if shuffle_partitions is not None:
            self.conf["spark.sql.shuffle.partitions"] = str(shuffle_partitions)
        self._spark = None
        self.load_report = None  # the data-contract accounting of the last validated attach

    # ---------------------------------------------------------------- session
    @property
    def spark(self):
        if self._spark is None:
            self._spark = self._start()
        return self._spark

    def _start(self):
        check_available(self.remote)
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.appName("compliance-kit")
        if self.remote:
            builder = builder.remote(self.remote)
        elif self.master:
            builder = builder.master(self.master)
            builder = builder.config("spark.ui.enabled", "false")
            builder = builder.config("spark.ui.showConsoleProgress", "false")
            if self.master.startswith("local"):
                # Spark's default of 200 shuffle partitions is sized for a cluster: on one
                # machine each aggregate would schedule 200 tiny tasks (conf can override).
                builder = builder.config("spark.sql.shuffle.partitions", str(4 * _local_cores(self.master)))
        builder = builder.config("spark.sql.session.timeZone", "UTC")
        for key, value in self.conf.items():
            builder = builder.config(key, value)
        where = self.remote or self.master
        try:
            spark = builder.getOrCreate()
            spark.sql("SELECT 1").collect()  # a cluster that is not there fails here
        except Exception as e:  # py4j / grpc / PySparkRuntimeError: all mean "not usable"
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            check = ("check that the Spark Connect server is running and reachable "
                     "(host, port 15002, firewall, token)" if self.remote
                     else f"check Java ({JAVA_HINT}) and the master URL")
            raise SparkUnavailable(f"cannot start Spark at {where}: {first[:300]}; {check}. "
                                   "The DuckDB engine (the default) still works.") from None
        if not self.remote:
            spark.sparkContext.setLogLevel("ERROR")
        return spark

    def stop(self):
        if self._spark is not None:
            self._spark.stop()
            self._spark = None

    # ---------------------------------------------------------------- tables
    def attach(self, data_dir: str | os.PathLike, con: duckdb.DuckDBPyConnection,
               tables=OPERATIONAL_TABLES, policy_tables=POLICY_TABLES,
               validate: bool = True) -> "SparkEngine":
        """Register the store's policy tables (broadcast) and DATA_DIR/<table>.parquet as
        views. validate=True (the default): through the loader's data-contract checks, on
        Spark (engines/spark_load.py): the views hold exactly the rows the DuckDB store
        would load, the others are in the view `quarantine`, and `self.load_report` has the
        per-table accounting (read = valid + quarantined). validate=False reads the files
        as they are: only for Parquet already validated (e.g. written from the store)."""
        spark = self.spark
        from pyspark.sql import functions as F

        for table in policy_tables:
            arrow = con.sql(f"SELECT * FROM {table}").to_arrow_table()
            F.broadcast(spark.createDataFrame(arrow)).createOrReplaceTempView(table)
        base = str(data_dir).rstrip("/")
        if validate:
            from .spark_load import load_validated

            self.load_report = load_validated(self, base, con, tables)
            return self
        local = "://" not in base
        for table in tables:
            path = f"{base}/{table}.parquet"
            if local and not os.path.lexists(path):
                raise UserError(f"Spark engine: {path} not found; DATA_DIR must hold "
                                f"<table>.parquet for {', '.join(tables)} (as `compliance-kit synth` writes)")
            if local:  # no symlink, pipe or device, as on load (data/loader.py)
                from ..data.loader import check_input_file

                check_input_file(Path(path), allow_dir=True)
            spark.read.parquet(path).createOrReplaceTempView(table)
        return self

    @staticmethod
    def materialise(df):
        """Compute `df` once and keep it on the executors' local disk as a leaf: a query
        reading it never recomputes its plan. On disk: kept in memory, 10M requests ran a
        2 GB local[2] driver out of heap; read back, it is still far cheaper than the pass
        that made it. Not `persist()`: with it, the metric
        queries that have a WITH clause did not use the cached data here (Spark 4.x: their
        plans held the whole per-request pass again), and on 2M requests the trend query took
        36 s instead of 2.4 s, the Kaplan-Meier curve 6.9 s instead of 1.1 s."""
        from pyspark import StorageLevel

        return df.localCheckpoint(eager=True, storageLevel=StorageLevel.DISK_ONLY)

    def register(self, name: str, frame: pl.DataFrame) -> None:
        """A small Polars frame as a (broadcast) view."""
        from pyspark.sql import functions as F

        F.broadcast(self.spark.createDataFrame(frame.to_arrow())).createOrReplaceTempView(name)

    # ---------------------------------------------------------------- queries
    def frame(self, sql: str, name: str, params: dict | None = None, macros: str | None = None):
        """DuckDB SQL transpiled to Spark (engines/transpile.py): a lazy Spark DataFrame.
        `macros`: the text of a file of DuckDB macros the query calls (inlined)."""
        params = params or {}
        text, markers = to_spark(sql, name, params, macros=macros)
        return self.spark.sql(text, args=spark_args(params, markers)) if markers else self.spark.sql(text)

    def sql_arrow(self, sql: str, name: str, params: dict | None = None, macros: str | None = None):
        """Run DuckDB SQL on Spark (transpiled); the result as a pyarrow Table."""
        return self.frame(sql, name, params, macros).toArrow()

    def sql(self, sql: str, name: str, params: dict | None = None, macros: str | None = None) -> pl.DataFrame:
        return pl.from_arrow(self.sql_arrow(sql, name, params, macros))

    def create_views(self, text: str, name: str, macros: str | None = None) -> None:
        """Run a file of DuckDB `CREATE [OR REPLACE] TEMP VIEW|TABLE x AS SELECT ...`
        statements on Spark: each SELECT transpiled and registered as the temp view x
        (a TABLE is also computed once and kept, as DuckDB would store it)."""
        import sqlglot
        from sqlglot import exp

        for stmt in sqlglot.parse(text, read="duckdb"):
            if stmt is None:
                continue
            kind = str(stmt.args.get("kind", "")).upper() if isinstance(stmt, exp.Create) else ""
            if kind not in ("VIEW", "TABLE") or not isinstance(stmt.expression, exp.Query):
                raise UserError(f"{name}: only CREATE VIEW|TABLE ... AS SELECT can run on Spark, "
                                f"not {stmt.sql()[:80]}")
            target = stmt.this.this if isinstance(stmt.this, exp.Schema) else stmt.this
            df = self.frame(stmt.expression.sql(dialect="duckdb"), f"{name}: {target.name}",
                            macros=macros)
            if kind == "TABLE":
                df = self.materialise(df)
            df.createOrReplaceTempView(target.name)


# -------------------------------------------------------------------- analyses

def retention_evaluate(engine: SparkEngine, as_of, rule_set: str = "strictest",
                       jurisdictions=None, categories=None, systems=None,
                       horizon_days: int = 30):
    """retention.evaluate on Spark: the metric cube (the pass over every record) runs on
    Spark; the returned RetentionRun holds it in a private in-memory DuckDB, so every
    metric function of analysis/retention.py reads it unchanged."""
    from ..analysis import retention

    scope = retention.Scope.make(as_of, rule_set, jurisdictions, categories, systems, horizon_days)
    sql = retention._strip_comments(retention.cube_sql())
    cube = engine.sql(sql, "retention_cube.sql", scope.params())
    mem = duckdb.connect()
    mem.execute("SET TimeZone = 'UTC'")
    return retention.RetentionRun(mem, scope, cube)


def retention_metric(engine: SparkEngine, run, name: str, **params) -> pl.DataFrame:
    """A retention_metric_<name>.sql query run on Spark over the run's cube."""
    from ..analysis import retention

    engine.register("retention_cube", run.cube)
    sql = retention._strip_comments(read_sql(f"retention_metric_{name}.sql"))
    return engine.sql(sql, f"retention_metric_{name}.sql", params)


def flows_monthly_sql() -> str:
    from ..analysis import flows

    return flows._with([("scoped", read_sql("flows_scope.sql"))], read_sql("flows_monthly.sql"))


def flows_metric_set(engine: SparkEngine, con: duckdb.DuckDBPyConnection, *, window_start=None,
                     window_end=None, as_of=None, source_jurisdictions=None):
    """flows.metric_set with its one big pass (the monthly aggregate over `transfers`) on
    Spark; classification and roll-ups run in flows' in-memory DuckDB as on the DuckDB
    engine (they read thousands of rows). `con` is the store (policy tables)."""
    from ..analysis import flows

    params = flows._params(window_start, window_end, as_of, source_jurisdictions)
    arrow = engine.sql_arrow(flows_monthly_sql(), "flows_monthly.sql", params)
    db = flows._RollupDB(con, arrow)
    try:
        return flows.FlowMetrics(
            monthly=pl.from_arrow(arrow),
            keys=db.mem.sql("SELECT * FROM classified_keys ORDER BY ALL").pl(),
            volumes=db.sql("flows_volumes.sql"),
            matrix=db.sql("flows_matrix.sql"),
            breakdown=flows._breakdown(db.sql("flows_breakdown.sql")),
            findings=db.sql("flows_findings.sql"),
            usage=db.sql("flows_usage.sql"),
            headline=db.sql("flows_headline.sql").row(0, named=True),
        )
    finally:
        db.close()


# Tables of requests.prepare computed in DuckDB from the policy and the calendars (small:
# rules x periods, days x calendars) and shipped to Spark for the pass over the requests.
REQUEST_LOOKUPS = ("request_epochs", "request_rules", "request_due_lookup", "calendar_days")


class SparkRequests:
    """The requests prepared on Spark (`requests_prepare`): the per-request table
    request_status_base kept there (SparkEngine.materialise), with the views of requests_status_view.sql. Every
    metric function of analysis/requests.py takes it where it takes the DuckDB connection
    and runs its SQL file here, transpiled (with the macros of requests_macros.sql).

    A later `requests_prepare` on the same engine replaces the tables; this object then
    refuses to answer rather than read another scope's requests."""

    def __init__(self, engine: SparkEngine, generation: int, rows: int, scope: dict, macros: str):
        self.engine, self.generation, self.rows, self.scope = engine, generation, rows, scope
        self.macros = macros  # the text of requests_macros.sql, read once

    def query(self, sql: str, name: str, params: dict | None = None) -> pl.DataFrame:
        if getattr(self.engine, "_requests_generation", None) != self.generation:
            raise UserError("these prepared requests were replaced by a later requests_prepare on "
                            "the same Spark engine; use the object that call returned")
        return self.engine.sql(sql, name, params, macros=self.macros)

    def __repr__(self) -> str:
        return f"SparkRequests(rows={self.rows}, scope={self.scope})"


def requests_prepare(engine: SparkEngine, con: duckdb.DuckDBPyConnection, as_of, window_start=None,
                     window_end=None, jurisdictions=None, types=None) -> SparkRequests:
    """requests.prepare on Spark: the deadline and class of every request
    (sql/requests_status.sql, macros of requests_macros.sql inlined) are computed on Spark
    and kept there; the lookups it reads are built in DuckDB (on `con`, the store) as
    requests.prepare builds them, and broadcast. Returns the SparkRequests every request
    metric function reads (its `rows`: the requests in scope)."""
    from ..analysis import requests as Q

    params = Q.scope_params(as_of, window_start, window_end, jurisdictions, types)
    Q._check_rules(con)
    # the years the calendars must cover, from the requests on Spark
    span = engine.sql(Q.YEAR_SPAN_SQL, "requests year range").row(0)
    Q.build_lookups(con, Q.years_needed(*span, params["as_of"]))
    for table in REQUEST_LOOKUPS:
        engine.register(table, con.sql(f"SELECT * FROM {table}").pl())
    macros = read_sql("requests_macros.sql")
    base = engine.materialise(engine.frame(Q.status_sql(), "requests_status.sql", params, macros=macros))
    base.createOrReplaceTempView(f"{Q.STATUS_TABLE}_base")
    engine.create_views(read_sql("requests_status_view.sql"), "requests_status_view.sql", macros)
    rows = base.count()
    engine._requests_generation = getattr(engine, "_requests_generation", 0) + 1
    scope = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in params.items()
             if v is not None}
    prepared = SparkRequests(engine, engine._requests_generation, rows, scope, macros)
    Q.check_prepared(prepared)
    return prepared
