"""Benchmark: the data-flow metric set over many transfers, against a bare DuckDB scan
of the same columns in the same run.

    .venv/bin/python bench/bench_flows.py [--rows 10000000] [--reps 3] [--per-transfer]

Generates minimal synthetic transfers as Parquet with DuckDB range() under bench/out/
(gitignored; reused when the row count matches), builds a store whose `transfers` is a
view over that Parquet, with the bundled policy if its spec can be loaded (else the
hand-built test policy of tests/conftest_flows.py), then times, alternately:

- baseline: one scan reading every column the metric set reads (count / sum / min);
- metric set: `compliance_kit.analysis.flows.metric_set` (scope, monthly aggregate,
  classification of the keys, volumes, matrix, breakdown, findings, headline);
- with --per-transfer: `classify_transfers` (one classified row per transfer, to Polars;
  at 10M rows this holds every row with its rule text in memory: several GB).

Prints the median seconds, the ratio metric set / baseline, and the peak RSS of each
phase (sampled every 10 ms with psutil; "+N": above the RSS when the phase started)
and of the process (getrusage).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import threading
import time
from pathlib import Path

import duckdb
import psutil

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
POLICY = ROOT / "data" / "policy" / "tencent-cloud" / "2022-05-25" / "policy.yaml"

SOURCES = ["KR", "FR", "DE", "IE", "NL", "JP", "CA", "US", "US-CA", "GB", "SG", "ID", "EG",
           "SA", "TR", "PH", "VN", "BR", "IN", "AU"]
RECIPIENTS = ["tencent_group", "adyen_sg", "frensworkz", "image_frame_hk", "salesforce_sg",
              "tencent_computing_beijing", "acme_analytics", "unknown_vendor"]
DESTINATIONS = ["CN", "SG", "HK", "US", "DE", "JP", "IN", "BR"]
CATEGORIES = ["account_data", "credit_card", "transaction_records", "photo_id", "usage_logs",
              "support_tickets", "incident_logs", "enquiry_data", "tech_support_enquiry",
              "promotional_contact", "marketing_data", "covid_program", "business_contact"]


def sql_list(values) -> str:
    # Constants of this script, not input.
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def generate(path: Path, rows: int, routes: int | None = None) -> None:
    """Deterministic pseudo-random transfers over twelve months (hash of the row number)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.parquet")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    # Two independent 64-bit hashes per row, cut into fields: every combination of
    # source x recipient x destination x category x mechanism x encrypted (about 100k
    # keys) occurs, the worst case for classifying distinct keys. With `routes`, the
    # key fields come from hash(i % routes): at most that many distinct keys, closer to
    # a real transfer log.
    n_s, n_r, n_d, n_c = len(SOURCES), len(RECIPIENTS), len(DESTINATIONS), len(CATEGORIES)
    con.execute(f"""
        COPY (
            SELECT
                i AS id,
                TIMESTAMPTZ '2025-11-01 00:00:00+00' + to_seconds(CAST(h2 % 31536000 AS BIGINT)) AS occurred_at,
                {sql_list(SOURCES)}[1 + CAST(h1 % {n_s} AS INTEGER)] AS source_jurisdiction,
                {sql_list(RECIPIENTS)}[1 + CAST((h1 // {n_s}) % {n_r} AS INTEGER)] AS recipient,
                {sql_list(DESTINATIONS)}[1 + CAST((h1 // {n_s * n_r}) % {n_d} AS INTEGER)] AS destination_country,
                {sql_list(CATEGORIES)}[1 + CAST((h1 // {n_s * n_r * n_d}) % {n_c} AS INTEGER)] AS category,
                [NULL, 'consent', 'scc'][1 + CAST((h1 // {n_s * n_r * n_d * n_c}) % 3 AS INTEGER)] AS mechanism,
                (h1 // {n_s * n_r * n_d * n_c * 3}) % 10 <> 0 AS encrypted,
                CAST(1 + (h2 // 31536000) % 500 AS BIGINT) AS record_count,
                CAST(100 + (h2 // 15768000000) % 1000000 AS BIGINT) AS bytes
            FROM (SELECT i, hash({f"i % {int(routes)}" if routes else "i"}) AS h1,
                         hash(CAST(i AS VARCHAR)) AS h2
                  FROM range({rows}) AS r(i))
        ) TO '{tmp}' (FORMAT parquet, ROW_GROUP_SIZE 122880)
    """)
    con.close()
    tmp.replace(path)


def build_store(db: Path, parquet: Path) -> str:
    """A store with the policy tables and `transfers` as a view over the Parquet."""
    sys.path.insert(0, str(ROOT / "tests"))
    from compliance_kit.store import connect, create_schema

    for f in (db, db.with_name(db.name + ".wal")):
        f.unlink(missing_ok=True)
    con = connect(db)
    create_schema(con)
    policy = "hand-built test policy (tests/conftest_flows.py)"
    try:
        from compliance_kit.policy.spec import load_spec
        from compliance_kit.policy.store import write_policy

        write_policy(con, load_spec(POLICY), POLICY)
        policy = str(POLICY.relative_to(ROOT))
    except Exception as exc:  # policy encoding not there yet: fall back
        print(f"(bundled policy unavailable: {type(exc).__name__}: {exc}; using the test policy)")
        con.close()
        for f in (db, db.with_name(db.name + ".wal")):
            f.unlink(missing_ok=True)
        con = connect(db)
        create_schema(con)
        import conftest_flows

        conftest_flows._insert_policy(con)
    con.execute("DROP TABLE transfers")
    con.execute(f"""
        CREATE VIEW transfers AS
        SELECT CAST(id AS VARCHAR) AS transfer_id, occurred_at, source_jurisdiction, recipient,
               destination_country, category, record_count, bytes, mechanism, encrypted
        FROM read_parquet('{parquet}')
    """)
    con.execute("CHECKPOINT")
    con.close()
    return policy


class PeakRSS:
    """Peak resident memory of this process while the block runs (sampled)."""

    def __init__(self, interval: float = 0.01):
        self.interval = interval
        self.proc = psutil.Process()
        self.peak = 0

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(self.interval)

    def __enter__(self):
        self._stop = threading.Event()
        self.peak = self.start = self.proc.memory_info().rss
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)


BASELINE = """
SELECT count(*), min(occurred_at), count(source_jurisdiction), count(recipient),
       count(destination_country), count(category), sum(record_count), sum(bytes),
       count(mechanism), count(encrypted)
FROM transfers
"""


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--routes", type=int, default=None,
                    help="limit the distinct (source, recipient, destination, category, mechanism, "
                         "encrypted) keys to about this many (default: all ~100k combinations)")
    ap.add_argument("--per-transfer", action="store_true",
                    help="also time classify_transfers (every transfer to Polars)")
    args = ap.parse_args(argv)

    from compliance_kit.analysis import flows
    from compliance_kit.store import connect

    suffix = f"_routes{args.routes}" if args.routes else ""
    parquet = OUT / f"transfers_v2_{args.rows}{suffix}.parquet"
    if not parquet.exists():
        t = time.perf_counter()
        generate(parquet, args.rows, args.routes)
        print(f"generated {args.rows:,} transfers in {time.perf_counter() - t:.1f} s -> {parquet.relative_to(ROOT)}")
    db = OUT / "flows_bench.duckdb"
    policy = build_store(db, parquet)
    print(f"policy: {policy}; DuckDB {duckdb.__version__}; {psutil.cpu_count()} cores")

    con = connect(db, read_only=True)
    times = {"baseline": [], "metric_set": [], "per_transfer": []}
    peaks = {"baseline": 0, "metric_set": 0, "per_transfer": 0}
    growth = {"baseline": 0, "metric_set": 0, "per_transfer": 0}
    result = None
    for _ in range(args.reps):
        with PeakRSS() as p:
            t = time.perf_counter()
            base = con.sql(BASELINE).fetchall()
            times["baseline"].append(time.perf_counter() - t)
        peaks["baseline"] = max(peaks["baseline"], p.peak)
        growth["baseline"] = max(growth["baseline"], p.peak - p.start)
        with PeakRSS() as p:
            t = time.perf_counter()
            result = flows.metric_set(con)
            times["metric_set"].append(time.perf_counter() - t)
        peaks["metric_set"] = max(peaks["metric_set"], p.peak)
        growth["metric_set"] = max(growth["metric_set"], p.peak - p.start)
        if args.per_transfer:
            with PeakRSS() as p:
                t = time.perf_counter()
                per = flows.classify_transfers(con)
                times["per_transfer"].append(time.perf_counter() - t)
                n_per = per.height
                del per
            peaks["per_transfer"] = max(peaks["per_transfer"], p.peak)
            growth["per_transfer"] = max(growth["per_transfer"], p.peak - p.start)
    con.close()

    h = result.headline
    assert h["transfers"] == args.rows == base[0][0], (h["transfers"], base[0][0])
    assert h["records"] == base[0][6] and h["bytes"] == base[0][7]
    print(f"monthly aggregate rows: {result.monthly.height:,}; distinct keys: {result.keys.height:,}; classes: "
          + ", ".join(f"{c}={t:,}" for c, t in zip(result.breakdown["classification"],
                                                   result.breakdown["transfers"])))
    mib = 1024 * 1024
    b = statistics.median(times["baseline"])
    m = statistics.median(times["metric_set"])
    print(f"rows                 {args.rows:>14,}")
    print(f"baseline scan        {b:>10.3f} s   peak RSS {peaks['baseline'] / mib:>7.0f} MiB (+{growth['baseline'] / mib:.0f})")
    print(f"metric set           {m:>10.3f} s   peak RSS {peaks['metric_set'] / mib:>7.0f} MiB (+{growth['metric_set'] / mib:.0f})")
    if args.per_transfer:
        pt = statistics.median(times["per_transfer"])
        print(f"per-transfer (Polars){pt:>10.3f} s   peak RSS {peaks['per_transfer'] / mib:>7.0f} MiB (+{growth['per_transfer'] / mib:.0f}) "
              f"({n_per:,} rows)")
        print(f"ratio per-transfer / baseline: {pt / b:.1f}x")
    print(f"ratio metric set / baseline: {m / b:.1f}x  (median of {args.reps}; "
          f"all runs: baseline {', '.join(f'{x:.2f}' for x in times['baseline'])}; "
          f"metric set {', '.join(f'{x:.2f}' for x in times['metric_set'])})")
    print(f"process peak RSS (getrusage): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
