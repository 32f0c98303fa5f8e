"""Benchmark: the retention metric cube (the pass over every record) on Spark local against
DuckDB in the same run, and Spark with 1 and 2 local cores.

    .venv/bin/python bench/bench_spark.py [--rows 10000000] [--reps 2] [--memory-limit 1GB]

Data: bench_retention.py's synthetic inventory (Parquet under bench/out/retention_<rows>/,
generated once and reused). Policy tables: the bundled policy, in an in-memory DuckDB.
Each phase runs in its own process; its peak memory is the peak of the summed RSS of that
process and its children (the JVM for Spark), sampled every 0.1 s with psutil.

- duckdb:  retention.evaluate (cube) + headline, DuckDB with --memory-limit, 2 threads;
- spark1 / spark2: the same cube transpiled to Spark (engines/spark.py), master local[1] /
  local[2], driver memory 2g, shuffle partitions 2 x cores. Session start-up and table
  registration are timed apart from the query.
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


def phase(args) -> dict:
    from compliance_kit.analysis import retention as R

    folder = BR.data_dir(args.rows)
    con = BR.open_store(folder, args.memory_limit, 2)
    out = {}
    with PeakRSS() as peak:
        if args.phase == "duckdb":
            def once():
                return R.headline(R.evaluate(con, AS_OF))
        else:
            from compliance_kit.engines.spark import SparkEngine, retention_evaluate

            cores = 1 if args.phase == "spark1" else 2
            t0 = time.perf_counter()
            engine = SparkEngine(master=f"local[{cores}]", shuffle_partitions=2 * cores,
                                 conf={"spark.driver.memory": "2g"})
            engine.attach(folder, con, tables=("accounts", "records", "events", "requests"))
            out["startup_seconds"] = time.perf_counter() - t0

            def once():
                return R.headline(retention_evaluate(engine, AS_OF))
        times = []
        for _ in range(args.reps):
            t0 = time.perf_counter()
            result = once()
            times.append(time.perf_counter() - t0)
        if args.phase != "duckdb":
            engine.stop()
    out.update(seconds=min(times), all=times, peak_rss_mb=peak.peak / 2**20, result=result)
    return out


def spawn(name: str, args) -> dict:
    cmd = [sys.executable, __file__, "--phase", name, "--rows", str(args.rows), "--reps", str(args.reps),
           "--memory-limit", args.memory_limit]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{name} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--memory-limit", default="1GB")
    ap.add_argument("--phase", choices=["duckdb", "spark1", "spark2"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        print(json.dumps(phase(args), default=str))
        return
    BR.generate(args.rows)
    res = {name: spawn(name, args) for name in ("duckdb", "spark1", "spark2")}
    d = res["duckdb"]
    print(f"\n== retention cube, {args.rows:,} records (best of {args.reps}); DuckDB memory_limit="
          f"{args.memory_limit}, 2 threads")
    print(f"duckdb          {d['seconds']:8.2f} s   peak RSS {d['peak_rss_mb']:7.0f} MB")
    for name, label in (("spark1", "spark local[1]"), ("spark2", "spark local[2]")):
        s = res[name]
        print(f"{label:15s} {s['seconds']:8.2f} s   peak RSS {s['peak_rss_mb']:7.0f} MB (JVM included)"
              f"   {s['seconds'] / d['seconds']:.1f}x DuckDB's time; start-up + registration "
              f"{s['startup_seconds']:.1f} s")
    print(f"spark 1 -> 2 cores: {res['spark1']['seconds'] / res['spark2']['seconds']:.2f}x faster")
    same = all(res[n]["result"] == d["result"] for n in ("spark1", "spark2"))
    print(f"headline identical on all three: {same}   {json.dumps(d['result'])}")
    if not same:
        for n in ("spark1", "spark2"):
            print(f"   {n}: {json.dumps(res[n]['result'])}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
