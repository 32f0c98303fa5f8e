"""Benchmark: validated loading of the records table vs a bare DuckDB load of the same file.

    .venv/bin/python bench/bench_load.py [--accounts 1000000] [--out bench/out]

1. Generates the synthetic sample (about 10 records per account: 1,000,000 accounts is about
   10 million records) under bench/out/ (gitignored), or reuses it when its manifest matches.
2. Runs, each in a fresh process (so that peak memory is per phase) and a fresh DuckDB file:
   - baseline:  CREATE TABLE t AS SELECT * FROM read_parquet('records.parquet')
   - insert:    INSERT INTO records (the store's schema) SELECT * FROM read_parquet(...):
                what writing into the schema costs before any validation
   - validated: compliance_kit's validated load of the same file into the same schema
   - validated_unsorted: the same, of a copy of the file in an order unrelated to the key
     (the synthetic records are sorted by key, as exports by primary key are: sorted keys
     are proven unique in one streaming pass, others are hashed)
                (all row checks, duplicate keys, references to the accounts loaded first)
   - full:      load_operational over all five tables (what `build --data` does)
3. Prints the times (wall and CPU seconds: the CPU seconds move less when the box is shared;
   the best of --repeat is kept by wall time), the ratios against the baseline measured in the same run, and the peak
   resident memory of every phase (the generator's included).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fresh_db(path: Path):
    from compliance_kit.store import connect

    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)
    return connect(path)


def _policy_store(path: Path):
    from compliance_kit.paths import DEFAULT_POLICY
    from compliance_kit.policy.spec import load_spec
    from compliance_kit.policy.store import write_policy
    from compliance_kit.store import create_schema

    con = _fresh_db(path)
    create_schema(con)
    policy = ROOT / DEFAULT_POLICY
    write_policy(con, load_spec(policy), policy)
    return con


def _unsorted_copy(records: Path, work: Path) -> Path:
    """The records in an order unrelated to their key (made once): the loader proves keys
    unique with one streaming pass when they arrive sorted, and must hash them otherwise."""
    out = work / f"records-unsorted-{records.stat().st_size}.parquet"
    if not out.exists():
        import duckdb

        duckdb.connect().read_parquet(str(records)).order("hash(record_id)").write_parquet(str(out))
    return out


def phase(name: str, sample: Path, work: Path) -> dict:
    records = sample / "records.parquet"
    db = work / f"bench-{name}.duckdb"
    if name == "generate":
        from compliance_kit.data.synth import generate

        accounts = int(os.environ["BENCH_ACCOUNTS"])
        t = time.perf_counter()
        generate(sample, accounts, seed=1, policy_path=ROOT / "data/policy/tencent-cloud/2022-05-25/policy.yaml",
                 force=True, progress=False)
        return {"seconds": time.perf_counter() - t}
    if name == "baseline":
        con = _fresh_db(db)
        c = time.process_time()
        t = time.perf_counter()
        con.execute("CREATE TABLE t AS SELECT * FROM read_parquet($p)", {"p": str(records)})
        con.execute("CHECKPOINT")
        secs, cpu = time.perf_counter() - t, time.process_time() - c
        rows = con.execute("SELECT count(*) FROM t").fetchall()[0][0]
        return {"seconds": secs, "cpu": cpu, "rows": rows}
    if name == "insert":
        from compliance_kit.store import create_schema

        con = _fresh_db(db)
        create_schema(con)
        c = time.process_time()
        t = time.perf_counter()
        con.execute("INSERT INTO records SELECT * FROM read_parquet($p)", {"p": str(records)})
        con.execute("CHECKPOINT")
        secs, cpu = time.perf_counter() - t, time.process_time() - c
        return {"seconds": secs, "cpu": cpu, "rows": con.execute("SELECT count(*) FROM records").fetchall()[0][0]}
    if name in ("validated", "validated_unsorted"):
        from compliance_kit.data import contract
        from compliance_kit.data.loader import _load_table

        if name == "validated_unsorted":
            records = _unsorted_copy(records, work)
        con = _policy_store(db)
        _load_table(con, contract.TABLE_BY_NAME["accounts"], sample / "accounts.parquet", False)
        c = time.process_time()
        t = time.perf_counter()
        result = _load_table(con, contract.TABLE_BY_NAME["records"], records, False)
        con.execute("CHECKPOINT")
        secs, cpu = time.perf_counter() - t, time.process_time() - c
        return {"seconds": secs, "cpu": cpu, "rows": result.loaded, "quarantined": result.quarantined}
    if name == "full":
        from compliance_kit.data.loader import load_operational

        con = _policy_store(db)
        c = time.process_time()
        t = time.perf_counter()
        report = load_operational(con, sample)
        con.execute("CHECKPOINT")
        return {"seconds": time.perf_counter() - t, "cpu": time.process_time() - c, "rows": report.loaded, "quarantined": report.quarantined}
    raise SystemExit(f"unknown phase {name}")


def run_phase(name: str, sample: Path, work: Path, accounts: int) -> dict:
    env = {**os.environ, "BENCH_ACCOUNTS": str(accounts)}
    r = subprocess.run([sys.executable, __file__, "--phase", name, "--sample", str(sample), "--out", str(work)],
                       capture_output=True, text=True, env=env, cwd=ROOT)
    if r.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=1_000_000, help="about 10 records each")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run each timed phase N times and keep the fastest (the box is shared)")
    ap.add_argument("--phase")
    ap.add_argument("--sample", type=Path)
    args = ap.parse_args()
    if args.phase:
        result = phase(args.phase, args.sample, args.out)
        result["peak_rss_mb"] = round(peak_rss_mb(), 1)
        print(json.dumps(result))
        return

    args.out.mkdir(parents=True, exist_ok=True)
    sample = args.out / f"sample-{args.accounts}"
    manifest = sample / "manifest.json"
    results = {}
    if manifest.exists() and json.loads(manifest.read_text())["accounts"] == args.accounts:
        print(f"reusing {sample}")
    else:
        results["generate"] = run_phase("generate", sample, args.out, args.accounts)
    rows = json.loads(manifest.read_text())["rows"]
    size = (sample / "records.parquet").stat().st_size / 2**20
    print(f"records.parquet: {rows['records']:,} rows, {size:,.0f} MiB "
          f"(sample: {sum(rows.values()):,} rows in five tables)")
    names = ("baseline", "insert", "validated", "validated_unsorted", "full")
    for _ in range(args.repeat):  # interleaved, so that a busy minute hurts every phase alike
        for name in names:
            r = run_phase(name, sample, args.out, args.accounts)
            if name not in results or r["seconds"] < results[name]["seconds"]:
                results[name] = r
            for p in args.out.glob(f"bench-{name}.duckdb*"):
                p.unlink()
    base = results["baseline"]["seconds"]
    base_cpu = results["baseline"]["cpu"]
    print(f"{'phase':<15} {'seconds':>8} {'x baseline':>10} {'CPU s':>7} {'x baseline':>10} {'peak RSS MiB':>13}")
    for name, r in results.items():
        if name == "generate":
            print(f"{name:<15} {r['seconds']:8.2f} {'':>10} {'':>7} {'':>10} {r['peak_rss_mb']:13.0f}")
            continue
        print(f"{name:<15} {r['seconds']:8.2f} {r['seconds'] / base:10.2f} {r['cpu']:7.2f} "
              f"{r['cpu'] / base_cpu:10.2f} {r['peak_rss_mb']:13.0f}")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    v, i = results["validated"]["seconds"], results["insert"]["seconds"]
    print(f"validated load / bare CTAS: {v / base:.2f}x (aim <= 1.5x), in CPU seconds "
          f"{results['validated']['cpu'] / base_cpu:.2f}x; "
          f"validated / bare INSERT into the schema's table: {v / i:.2f}x; keys out of order: "
          f"{results['validated_unsorted']['seconds'] / base:.2f}x "
          f"(CPU {results['validated_unsorted']['cpu'] / base_cpu:.2f}x)")
    assert results["validated"]["rows"] == results["baseline"]["rows"], "rows lost"


if __name__ == "__main__":
    main()
