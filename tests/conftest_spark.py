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


# Requests the synthetic sample lacks, added so every request metric has rows to compare:
# (jurisdiction, type, days open before AS_OF, completed after n days or None)
EDGE_REQUESTS = [
    ("JP", "access", 40, 12),          # rule "without delay": no fixed deadline
    ("JP", "correction", 20, None),    # ... still open
    ("BR", "correction", 60, 30),      # rule "none"
    ("AE", "objection", 15, None),     # rule "none", open
    ("VN", "restriction", 400, 5),     # received before VN's rule starts (2026-01-01): no rule
    ("US-CA", "access", 50, 30),       # CCPA: 45 days, acknowledgement in 10 business days
    ("US-CA", "deletion", 70, None),   # ... open and late
    ("US-CA", "opt_out", 10, None),    # ... opt-out: 15 business days
]


def add_edge_requests(data_dir: Path) -> None:
    """Append EDGE_REQUESTS to DATA_DIR/requests.parquet (valid rows: both engines load them)."""
    import datetime as dt

    import polars as pl

    path = data_dir / "requests.parquet"
    requests = pl.read_parquet(path)
    template = requests.row(0, named=True)
    end = dt.datetime.fromisoformat(AS_OF + "T12:00:00+00:00")
    rows = []
    for i, (jurisdiction, kind, age, done_after) in enumerate(EDGE_REQUESTS):
        received = end - dt.timedelta(days=age)
        done = None if done_after is None else received + dt.timedelta(days=done_after)
        rows.append({**template, "request_id": f"req-edge-{i:03d}", "jurisdiction": jurisdiction,
                     "type": kind, "received_at": received, "id_requested_at": None,
                     "id_verified_at": None, "extension_notified_at": None, "extension_reason": None,
                     "completed_at": done, "outcome": None if done is None else "complied",
                     "denial_reason": None})
    pl.concat([requests, pl.DataFrame(rows, schema=requests.schema)]).write_parquet(path)


@pytest.fixture(scope="session")
def spark_sample(tmp_path_factory):
    """(data_dir, read-only store connection) for a 300-account synthetic sample, plus
    EDGE_REQUESTS."""
    from compliance_kit.data import synth

    base = tmp_path_factory.mktemp("spark_sample")
    data_dir = base / "sample"
    synth.generate(data_dir, SAMPLE_ACCOUNTS, seed=SAMPLE_SEED, as_of=AS_OF,
                   policy_path=ROOT / DEFAULT_POLICY, progress=False)
    add_edge_requests(data_dir)
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


# ------------------------------------------------------------------ beyond one process
#
# A Spark Connect server started from the pyspark distribution (its sbin/start-connect-server.sh,
# in the foreground, as a child of this test session) whose master is a local CLUSTER of two
# worker JVMs (local-cluster[2,1,1024]: two executors of one core and 1 GB each, separate
# processes from the driver). Tests reach it through the Connect protocol only (sc://), so
# the same queries cross both boundaries: client -> server over gRPC, driver -> executors
# over the network. It runs beside the local[2] session above (a Connect client needs no
# SparkContext in this process).

SCALE_OUT_MASTER = "local-cluster[2,1,1024]"
CONNECT_START_TIMEOUT = 600    # seconds: two executor JVMs on a loaded 2-core machine


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def spark_connect_url(tmp_path_factory):
    """sc://127.0.0.1:PORT of a Spark Connect server over a two-worker local cluster,
    started for this session and stopped after it (its process group, by id)."""
    import os
    import signal
    import subprocess
    import time

    import pyspark

    from compliance_kit.engines.spark import check_available

    check_available("sc://")  # the connect extra (grpc) is part of the test extra
    home = Path(pyspark.__file__).parent
    script = home / "sbin" / "start-connect-server.sh"
    logs = tmp_path_factory.mktemp("spark_connect")
    port = _free_port()
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_PID_DIR": str(logs), "SPARK_LOG_DIR": str(logs)}
    log = open(logs / "server.log", "wb")
    server = subprocess.Popen(
        ["bash", str(script), "--wait", "--master", SCALE_OUT_MASTER,
         "--conf", f"spark.connect.grpc.binding.port={port}",
         "--conf", "spark.ui.enabled=false",
         "--conf", "spark.sql.session.timeZone=UTC",
         "--conf", "spark.sql.shuffle.partitions=4",
         "--conf", "spark.executor.memory=512m",
         "--driver-memory", "1g"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + CONNECT_START_TIMEOUT
        while not _port_open(port):
            if server.poll() is not None:
                raise RuntimeError(f"the Spark Connect server exited ({server.returncode}): "
                                   + (logs / "server.log").read_text()[-2000:])
            if time.monotonic() > deadline:
                raise RuntimeError(f"no Spark Connect server on port {port} after {CONNECT_START_TIMEOUT} s")
            time.sleep(1)
        yield f"sc://127.0.0.1:{port}"
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)   # the group this fixture started
            server.wait(timeout=60)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="session")
def spark_cluster_engine(spark_connect_url, spark_sample):
    """The Spark engine over Spark Connect, the work done by the two-worker cluster."""
    from compliance_kit.engines.spark import SparkEngine

    from pyspark.sql import SparkSession

    # pyspark refuses a remote session beside a regular one in the same process: the
    # local[2] session of the equivalence tests (they run first) is done by now.
    active = SparkSession.getActiveSession()
    if active is not None:
        active.stop()
    data_dir, con = spark_sample
    engine = SparkEngine(master=None, remote=spark_connect_url)
    engine.attach(data_dir, con)
    yield engine
    engine.stop()
