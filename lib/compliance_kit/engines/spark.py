"""The Spark engine: the same queries over the same Parquet layout, on a Spark session
(local, a cluster through spark-submit, or Spark Connect), behind the engine seam
(engines/base.py).

    from compliance_kit import engines
    engine = engines.get("spark", con, spark_data="data/sample")   # attached, validated
    run = retention.evaluate(engine, "2026-10-31")     # the analyses' one orchestration
    retention.headline(run); retention.lag_percentiles(run)

What runs where:
- operational tables (accounts, records, events, requests, transfers) are read by Spark
  from `DATA_DIR/<table>.parquet` (a local path, hdfs://, s3a://, abfss://, gs://),
  through the loader's data-contract checks (engines/spark_load.py): the same rows as the
  DuckDB store loads, the others in the view `quarantine`;
- policy tables are read from the DuckDB store and shipped to Spark as small DataFrames
  marked for broadcast joins; the store stays at hand as `engine.store`;
- every query the analyses hand to the seam runs on Spark, transpiled from the DuckDB SQL
  (engines/transpile.py), with the macros its file declares inlined; `materialise` keeps a
  result on the executors' disk (a local checkpoint); `local()` is a DuckDB connection to
  the store where the analyses roll up the small results that come back.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import polars as pl

from ..errors import UserError
from ..paths import read_sql
from ..sql_compose import Query, compose
from .base import Engine, check_relation
from .duckdb_engine import DuckDBEngine
from .transpile import spark_args, to_spark

OPERATIONAL_TABLES = ("accounts", "records", "events", "requests", "transfers")
# The policy tables the covered queries read (shipped to Spark, broadcast).
POLICY_TABLES = ("retention_rules", "jurisdiction_lineage", "data_categories", "jurisdictions",
                 "declared_transfers", "declared_transfer_categories", "jurisdiction_rules",
                 "request_deadline_rules")

# Set by pyspark when a Spark Connect session starts; while it is set, every new session of
# the process is a Connect session (a classic builder then fails with CONNECT_URL_NOT_SET).
CONNECT_MODE_VARIABLE = "SPARK_CONNECT_MODE_ENABLED"

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


def _check_reachable(remote: str, timeout: float = 10.0) -> None:
    """Spark Connect: fail at once, naming the URL, when nothing listens at its host and
    port (the client itself retries with back-off for minutes before giving up)."""
    import socket
    from urllib.parse import urlsplit

    try:
        where = urlsplit(remote)
        host, port = where.hostname or "localhost", where.port or 15002
    except ValueError:
        raise SparkUnavailable(f"not a Spark Connect URL: {remote!r} (expected sc://host:15002)") from None
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        raise SparkUnavailable(f"cannot reach the Spark Connect server at {remote}: {exc}; check that it is "
                               "running and reachable (host, port 15002, firewall, token). The DuckDB engine "
                               "(the default) still works.") from None


def _local_cores(master: str) -> int:
    """The cores of a local master: local -> 1, local[4] -> 4, local[*] -> this machine's."""
    inside = master[master.find("[") + 1:master.find("]")] if "[" in master else "1"
    if inside.strip() == "*":
        return os.cpu_count() or 1
    try:
        return max(1, int(inside.split(",")[0]))
    except ValueError:
        return 1


class SparkEngine(Engine):
    """A Spark session and the tables it reads. `master` for a local or spark-submit
    session (`local[2]`, `yarn`, `spark://host:7077`), `remote` for Spark Connect
    (`sc://host:15002`; the cluster then needs to reach DATA_DIR itself)."""

    name = "spark"

    def __init__(self, master: str | None = "local[2]", remote: str | None = None,
                 conf: dict | None = None, shuffle_partitions: int | None = None):
        super().__init__()
        self.master = master
        self.remote = remote
        self._store: DuckDBEngine | None = None
        self.conf = dict(conf or {})
        if shuffle_partitions is not None:
            self.conf["spark.sql.shuffle.partitions"] = str(shuffle_partitions)
        self._spark = None
        self._marked_connect_mode = False
        self.load_report = None  # the data-contract accounting of the last validated attach

    # ---------------------------------------------------------------- session
    @property
    def spark(self):
        if self._spark is None:
            self._spark = self._start()
        return self._spark

    def _start(self):
        check_available(self.remote)
        if self.remote and self.remote.startswith("sc://"):
            _check_reachable(self.remote)
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
        # pyspark marks the whole process as Connect-only when a remote session starts and
        # never unmarks it: remember whether this engine did, so stop() can give it back.
        self._marked_connect_mode = bool(self.remote) and CONNECT_MODE_VARIABLE not in os.environ
        try:
            spark = builder.getOrCreate()
            spark.sql("SELECT 1").collect()  # a cluster that is not there fails here
        except Exception as e:  # py4j / grpc / PySparkRuntimeError: all mean "not usable"
            self._unmark_connect_mode()
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
        self._unmark_connect_mode()

    def _unmark_connect_mode(self):
        """Undo the Connect-only mark this engine's remote session put on the process, so a
        later local session (SparkEngine(master=...)) in the same process starts classic
        Spark instead of failing with CONNECT_URL_NOT_SET."""
        if self._marked_connect_mode:
            os.environ.pop(CONNECT_MODE_VARIABLE, None)
            self._marked_connect_mode = False

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

        self._store = DuckDBEngine(con)
        for table in policy_tables:
            # Arrow straight from DuckDB: the policy's INTERVAL columns have no Polars type
            arrow = con.sql(compose("relation_copy.sql", relation=table).sql).to_arrow_table()
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

    # ---------------------------------------------------------------- the seam
    def run(self, query: Query) -> pl.DataFrame:
        return pl.from_arrow(self._frame(query).toArrow())

    def _frame(self, query: Query):
        macros = "\n".join(read_sql(m) for m in query.macros) or None
        return self.frame(query.sql, query.name, query.params, macros=macros)

    def _materialise(self, relation: str, query: Query, view: bool, keep_order: bool) -> None:
        df = self._frame(query)
        if not view:
            df = self.checkpoint(df)
        df.createOrReplaceTempView(relation)

    @property
    def store(self) -> DuckDBEngine:
        if self._store is None:
            raise UserError("this Spark engine is not attached to a store: call attach(data_dir, con) first")
        return self._store

    def local(self) -> DuckDBEngine:
        """A new DuckDB connection to the store (its own TEMP relations): small results
        come back from Spark and are rolled up there."""
        return DuckDBEngine(self.store.con.cursor())

    @staticmethod
    def checkpoint(df):
        """Compute `df` once and keep it on the executors' local disk as a leaf: a query
        reading it never recomputes its plan. On disk: kept in memory, 10M requests ran a
        2 GB local[2] driver out of heap; read back, it is still far cheaper than the pass
        that made it. Not `persist()`: with it, the metric
        queries that have a WITH clause did not use the cached data here (Spark 4.x: their
        plans held the whole per-request pass again), and on 2M requests the trend query took
        36 s instead of 2.4 s, the Kaplan-Meier curve 6.9 s instead of 1.1 s."""
        from pyspark import StorageLevel

        return df.localCheckpoint(eager=True, storageLevel=StorageLevel.DISK_ONLY)

    def register(self, relation: str, frame: pl.DataFrame) -> None:
        """A small Polars frame as a (broadcast) view."""
        from pyspark.sql import functions as F

        F.broadcast(self.spark.createDataFrame(frame.to_arrow())).createOrReplaceTempView(
            check_relation(relation))

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
