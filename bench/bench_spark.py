"""Benchmark: each analysis on Spark local against DuckDB in the same run, and Spark with
1 and 2 local cores.

    .venv/bin/python bench/bench_spark.py [--analysis retention|requests|both] [--rows 10000000]
                                          [--reps 2] [--memory-limit 1GB] [--cluster]

retention: the metric cube (the pass over every record). Data: bench_retention.py's
synthetic inventory (Parquet under bench/out/retention_<rows>/, generated once and
reused). Policy tables: the bundled policy, in an in-memory DuckDB.
requests: prepare (the per-request deadline and class) and the notebook's whole metric set
(bench_requests.metric_set), with the metrics computed on Spark over the per-request table
kept there. Data and rules: bench_requests.py's (Parquet bench/out/requests_<rows>.parquet).
Each phase runs in its own process; its peak memory is the peak of the summed RSS of that
process and its children (the JVM for Spark), sampled every 0.1 s with psutil.

- duckdb:  the analysis on DuckDB with --memory-limit, 2 threads;
- spark1 / spark2: the same SQL transpiled to Spark (engines/spark.py), master local[1] /
  local[2], driver memory 2g, shuffle partitions 2 x cores. Session start-up and table
  registration are timed apart from the query;
- cluster (--cluster, instead of spark1): local-cluster[2,1,1024], two worker JVMs of one
  core and 1 GB each, executors in their own processes (their memory counted: they are
  descendants of this process).
Prints wall seconds (best of --reps), peak memory, the Spark/DuckDB ratio, the 1 -> 2 core
speed-up, and checks that the headline figures are identical.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import bench_requests as BQ  # noqa: E402  (the same requests and rules)
import bench_retention as BR  # noqa: E402  (the same data and policy store)

AS_OF = BR.AS_OF


class PeakRSS:
    """Peak of RSS summed over this process and its descendants."""

    def __init__(self, interval: float = 0.1):
        self.interval, self.peak, self._stop = interval, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


# Where each Spark phase runs: threads in the driver (local[N]), or a local cluster of two
# worker JVMs of one core and 1 GB each (executors in their own processes: issue 14).
MASTERS = {"spark1": "local[1]", "spark2": "local[2]", "cluster": "local-cluster[2,1,1024]"}


def _spark_engine(master: str):
    from compliance_kit.engines.spark import SparkEngine

    cores = 1 if master == "local[1]" else 2
    conf = {"spark.driver.memory": "2g"}
    if master.startswith("local-cluster"):
        conf["spark.executor.memory"] = "900m"   # within each worker's 1024 MB
    return SparkEngine(master=master, shuffle_partitions=2 * cores, conf=conf)


def phase(args) -> dict:
    kind = args.phase.split(":")[0]
    cores = MASTERS.get(kind)   # the master; None: DuckDB
    out = {}
    with PeakRSS() as peak:
        if args.analysis == "retention":
            from compliance_kit.analysis import retention as R

            folder = BR.data_dir(args.rows)
            con = BR.open_store(folder, args.memory_limit, 2)
            if cores is None:
                def once():
                    return R.headline(R.evaluate(con, AS_OF))
            else:
                t0 = time.perf_counter()
                engine = _spark_engine(cores)
                engine.spark
                out["startup_seconds"] = time.perf_counter() - t0
                # accounts, records and events through the data contract, timed apart (what
                # an analyst pays once per session; bench_retention's requests file holds only
                # the columns retention reads). The contract quarantines bench_retention's
                # 'MX' rows (a jurisdiction the policy lacks), which the DuckDB phase reads
                # through plain views: so that both engines compute over the same rows, the
                # cube then reads the files as they are.
                t0 = time.perf_counter()
                engine.attach(folder, con, tables=("accounts", "records", "events"))
                out["validate_seconds"] = time.perf_counter() - t0
                out["quarantined"] = engine.load_report.quarantined
                engine.attach(folder, con, tables=("accounts", "records", "events", "requests"),
                              policy_tables=(), validate=False)

                def once():
                    return R.headline(R.evaluate(engine, AS_OF))
        else:
            con, parquet = BQ.open_store(args.rows, 2, args.memory_limit)
            as_of = BQ.dt.date.fromisoformat(AS_OF)
            if cores is None:
                def once():
                    return BQ.metric_set(con, as_of)
            else:
                from compliance_kit.analysis import requests as rq

                folder = parquet.parent / f"spark_requests_{args.rows}"
                folder.mkdir(exist_ok=True)
                link = folder / "requests.parquet"
                if not link.exists():
                    link.symlink_to(parquet)
                t0 = time.perf_counter()
                engine = _spark_engine(cores)
                # bench_requests' data has no accounts table to check references against
                # (it is generated valid): read it as it is
                engine.attach(folder, con, tables=("requests",), validate=False)
                out["startup_seconds"] = time.perf_counter() - t0

                def once():
                    return BQ.metric_set(con, as_of, prepare=lambda: rq.prepare(engine, as_of=as_of))
        times = []
        for _ in range(args.reps):
            t0 = time.perf_counter()
            result = once()
            times.append(time.perf_counter() - t0)
        if cores is not None:
            engine.stop()
    if args.analysis == "requests":
        out["steps"] = {k: v[0] for k, v in result.items() if k != "headline_figures"}
        result = result["headline_figures"]
    out.update(seconds=min(times), all=times, peak_rss_mb=peak.peak / 2**20, result=result)
    return out


def spawn(name: str, args) -> dict:
    cmd = [sys.executable, __file__, "--phase", name, "--analysis", args.analysis, "--rows", str(args.rows),
           "--reps", str(args.reps), "--memory-limit", args.memory_limit]
    if getattr(args, "cluster", False):
        cmd.append("--cluster")
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{name} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(analysis: str, args) -> bool:
    if analysis == "retention":
        BR.generate(args.rows)
    phases = ("duckdb", "spark2", "cluster") if args.cluster else ("duckdb", "spark1", "spark2")
    res = {name: spawn(name, argparse.Namespace(**{**vars(args), "analysis": analysis}))
           for name in phases}
    d = res["duckdb"]
    what = ("retention cube" if analysis == "retention"
            else "requests: prepare + the notebook's metric set")
    print(f"\n== {what}, {args.rows:,} rows (best of {args.reps}); DuckDB memory_limit="
          f"{args.memory_limit}, 2 threads")
    print(f"duckdb          {d['seconds']:8.2f} s   peak RSS {d['peak_rss_mb']:7.0f} MB")
    labels = {"spark1": "spark local[1]", "spark2": "spark local[2]", "cluster": "spark 2 workers"}
    for name in phases[1:]:
        s, label = res[name], labels[name]
        print(f"{label:15s} {s['seconds']:8.2f} s   peak RSS {s['peak_rss_mb']:7.0f} MB (JVM included)"
              f"   {s['seconds'] / d['seconds']:.1f}x DuckDB's time; session start-up "
              f"{s['startup_seconds']:.1f} s" + (f", data-contract validation {s['validate_seconds']:.1f} s"
                                                 f" ({s['quarantined']:,} rows quarantined)"
                                                 if "validate_seconds" in s else ""))
    if analysis == "requests":
        for name in ("duckdb", "spark1", "spark2"):
            print(f"   {name} steps (s, last rep): "
                  + ", ".join(f"{k} {v:.1f}" for k, v in res[name]["steps"].items()))
    if args.cluster:
        print(f"two-worker cluster / local[2]: {res['cluster']['seconds'] / res['spark2']['seconds']:.2f}x the time")
    else:
        print(f"spark 1 -> 2 cores: {res['spark1']['seconds'] / res['spark2']['seconds']:.2f}x faster")

    def same(a, b):
        return a.keys() == b.keys() and all(
            abs(a[k] - b[k]) <= 1e-9 if isinstance(a[k], float) else a[k] == b[k] for k in a)

    ok = all(same(res[n]["result"], d["result"]) for n in phases[1:])
    print(f"headline identical on all three: {ok}   {json.dumps(d['result'])}")
    if not ok:
        for n in phases[1:]:
            print(f"   {n}: {json.dumps(res[n]['result'])}")
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--analysis", choices=["retention", "requests", "both"], default="both")
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--memory-limit", default="1GB")
    ap.add_argument("--cluster", action="store_true",
                    help="compare Spark local[2] with a local cluster of two worker JVMs (local-cluster[2,1,1024]) "
                         "instead of local[1] with local[2]")
    ap.add_argument("--phase", choices=["duckdb", *MASTERS], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        print(json.dumps(phase(args), default=str))
        return
    analyses = ("retention", "requests") if args.analysis == "both" else (args.analysis,)
    results = [compare(a, args) for a in analyses]
    if not all(results):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
