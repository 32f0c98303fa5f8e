"""Benchmark: the retention engine's full metric set over a large inventory, against a
bare DuckDB scan of the same columns and an idiomatic pandas version, in one run.

    .venv/bin/python bench/bench_retention.py [--rows 10000000] [--rows 100000000]
        [--reps 2] [--memory-limit 1GB] [--no-pandas] [--threads 2] [--notebook]

Generates a minimal synthetic inventory as Parquet with DuckDB range() under
bench/out/retention_<rows>/ (gitignored; reused when present): records, accounts (one per
five records), deletion requests (10% of accounts), events (enquiries resolved, abandoned
registrations). A store is an in-memory DuckDB with the policy tables (the bundled policy
when its spec loads, else the hand-built policy of tests/conftest_retention.py) and the
operational tables as views over that Parquet. Each phase runs in its own process, so
its peak RSS (getrusage) is its own:

- scan:    count(*) + sums over every records column the engine reads (the floor);
- engine:  `retention.evaluate` (the one-pass cube) + every metric read from it
           (status counts by category / jurisdiction / system / both, ageing, lag
           percentiles and histogram, trend, top systems, upcoming);
- pandas:  the same verdicts and metrics in pandas (merge, vectorised deadlines,
           groupby, exact quantiles), 10M rows only (it does not fit 100M in memory).

DuckDB runs with `SET memory_limit` (default 1GB) and the given threads. Prints seconds
(the best of --reps for scan and engine), ratios and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
POLICY = ROOT / "data" / "policy" / "tencent-cloud" / "2022-05-25" / "policy.yaml"
AS_OF = "2026-10-31"

JURISDICTIONS = ["FR", "DE", "NL", "IE", "GB", "US", "US-CA", "KR", "JP", "SG", "ID", "IN",
                 "BR", "CA", "MX", "AU", "TR", "SA", "VN", "PH"]
CATEGORIES = ["account_data", "credit_card", "transaction_records", "photo_id", "usage_logs",
              "support_tickets", "incident_logs", "enquiry_data", "tech_support_enquiry",
              "promotional_contact", "marketing_data", "covid_program", "business_contact"]
SYSTEMS = ["crm", "billing", "logs", "support", "marketing", "warehouse", "backup", "identity"]


def sql_list(values) -> str:
    # Constants of this script, not input.
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def data_dir(rows: int) -> Path:
    return OUT / f"retention_{rows}"


def generate(rows: int) -> Path:
    """Deterministic pseudo-random inventory (hashes of the row number), as Parquet."""
    folder = data_dir(rows)
    if (folder / "done").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    accounts = max(rows // 5, 1)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET preserve_insertion_order = false")
    con.execute("CREATE MACRO h64(a, b) AS CAST(hash(a, b) >> 1 AS BIGINT)")
    base = "TIMESTAMPTZ '2022-01-01 00:00:00+00'"
    t0 = time.time()
    con.execute(f"""
        COPY (
            SELECT
                'a' || i AS account_id,
                {sql_list(JURISDICTIONS)}[1 + h64(i, 'j') % {len(JURISDICTIONS)}] AS jurisdiction,
                {base} + (h64(i, 'c') % (365 * 86400)) * INTERVAL '1 second' AS created_at,
                CASE WHEN h64(i, 'd') % 100 < 40
                     THEN {base} + (365 * 86400 + h64(i, 'e') % (4 * 365 * 86400)) * INTERVAL '1 second'
                END AS deleted_at
            FROM range({accounts}) AS t(i)
        ) TO '{folder}/accounts.parquet' (FORMAT parquet)
    """)
    con.execute(f"""
        COPY (
            WITH r AS (
                SELECT i, i // 5 AS acc, h64(i, 'k') % 100 AS orphan
                FROM range({rows}) AS t(i)
            )
            SELECT
                'r' || i AS record_id,
                CASE WHEN orphan >= 5 THEN 'a' || acc END AS account_id,
                {sql_list(CATEGORIES)}[1 + h64(i, 'g') % {len(CATEGORIES)}] AS category,
                {sql_list(SYSTEMS)}[1 + h64(i, 's') % {len(SYSTEMS)}] AS system,
                {sql_list(JURISDICTIONS)}[1 + h64(acc, 'j') % {len(JURISDICTIONS)}] AS jurisdiction,
                {base} + (h64(acc, 'c') % (365 * 86400) + h64(i, 'x') % 86400) * INTERVAL '1 second' AS created_at,
                CASE WHEN h64(i, 'z') % 100 < 30
                     THEN {base} + (365 * 86400 + h64(i, 'y') % (5 * 365 * 86400)) * INTERVAL '1 second'
                END AS erased_at,
                h64(i, 'h') % 1000 < 5 AS legal_hold
            FROM r
        ) TO '{folder}/records.parquet' (FORMAT parquet)
    """)
    con.execute(f"""
        COPY (
            SELECT
                'q' || i AS request_id,
                'a' || (h64(i, 'qa') % {accounts}) AS account_id,
                'deletion' AS type,
                {base} + (365 * 86400 + h64(i, 'qr') % (4 * 365 * 86400)) * INTERVAL '1 second' AS received_at
            FROM range({max(accounts // 10, 1)}) AS t(i)
        ) TO '{folder}/requests.parquet' (FORMAT parquet)
    """)
    con.execute(f"""
        COPY (
            SELECT
                'e' || i AS event_id,
                CASE WHEN i % 3 = 0 THEN 'a' || (h64(i, 'ea') % {accounts})
                     ELSE 'r' || (h64(i, 'er') % {rows}) END AS subject_id,
                CASE WHEN i % 3 = 0 THEN 'registration_abandoned' ELSE 'enquiry_resolved' END AS event,
                {base} + (365 * 86400 + h64(i, 'eo') % (4 * 365 * 86400)) * INTERVAL '1 second' AS occurred_at
            FROM range({max(rows // 20, 1)}) AS t(i)
        ) TO '{folder}/events.parquet' (FORMAT parquet)
    """)
    con.close()
    (folder / "done").write_text("ok\n")
    print(f"generated {rows:,} records in {time.time() - t0:.1f} s under {folder}", flush=True)
    return folder


def open_store(folder: Path, memory_limit: str, threads: int) -> duckdb.DuckDBPyConnection:
    """In-memory DuckDB: policy tables + operational tables as views over the Parquet."""
    from compliance_kit.paths import read_sql

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"SET temp_directory = '{OUT / 'duckdb_tmp'}'")
    con.execute(read_sql("policy_schema.sql"))
    loaded = False
    try:
        from compliance_kit.policy.spec import load_spec
        from compliance_kit.policy.store import write_policy

        if POLICY.exists():
            write_policy(con, load_spec(POLICY), POLICY)
            loaded = True
    except Exception as exc:  # the policy package may not be there yet
        print(f"(bundled policy not loaded: {type(exc).__name__}: {exc}; using the test policy)",
              file=sys.stderr)
    if not loaded:
        sys.path.insert(0, str(ROOT / "tests"))
        from conftest_retention import CATEGORIES as CATS, JURISDICTIONS as JURS, LINEAGE, RULES

        con.executemany("INSERT INTO jurisdictions VALUES (?, ?, ?)", JURS)
        con.executemany("INSERT INTO jurisdiction_lineage VALUES (?, ?, ?)", LINEAGE)
        con.executemany("INSERT INTO data_categories VALUES (?, ?, ?, 's', 'q')",
                        [(c, c, c) for c in CATS])
        for rule in RULES:
            con.execute(
                """INSERT INTO retention_rules VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, true,
                   NULL, NULL, 's', 'q')""", list(rule))
    for table in ("records", "accounts", "requests", "events"):
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{folder / table}.parquet')")
    return con


# --------------------------------------------------------------------------- phases

# every records column the engine reads, each decoded (the baseline of the ratios)
SCAN_SQL = """
    SELECT count(*), count(account_id), sum(length(record_id)), sum(length(category)),
           sum(length(system)), sum(length(jurisdiction)), sum(epoch(created_at)),
           sum(epoch(erased_at)), count(*) FILTER (WHERE legal_hold)
    FROM records
"""


def phase_scan(con) -> dict:
    return {"records": con.sql(SCAN_SQL).fetchall()[0][0]}


def phase_engine(con) -> dict:
    from compliance_kit.analysis import retention as R

    run = R.evaluate(con, AS_OF, horizon_days=30)
    out = {"cube_rows": run.cube.height}
    for by in ("category", "jurisdiction", "system", "jurisdiction_category"):
        R.status_counts(run, by)
    R.ageing(run)
    p = R.lag_percentiles(run)
    R.lag_histogram(run)
    R.trend(run)
    R.top_systems(run, 10)
    R.upcoming(run)
    figures = R.headline(run)
    out.update(figures)
    out["lag_p95"] = p.filter(category="(all)", percentile="p95")["value"].item()
    return out


def phase_notebook(con) -> dict:
    """Everything notebooks/retention_compliance.ipynb computes (issue 14: at most 2x the
    engine phase): the engine phase, then the comparison of readings and the verdict
    changes (read from the cube), the oldest overdue records and the rules table."""
    from compliance_kit.analysis import retention as R

    t0 = time.perf_counter()
    out = phase_engine(con)
    t1 = time.perf_counter()
    run = R.evaluate(con, AS_OF, horizon_days=30)
    t_eval = time.perf_counter() - t1
    R.compare_rule_sets(run)
    R.verdict_changes(run)
    t2 = time.perf_counter()
    R.oldest_overdue(con, AS_OF, limit=20)
    t3 = time.perf_counter()
    R.rules_applied(con, run)
    t4 = time.perf_counter()
    out["split_seconds"] = {"engine_phase": round(t1 - t0, 2), "compare_and_changes": round(t2 - t1 - t_eval, 3),
                            "oldest_overdue": round(t3 - t2, 2), "rules_applied": round(t4 - t3, 2)}
    return out


def phase_pandas(folder: Path, con) -> dict:
    """The same verdicts and metrics, written the way a pandas user would."""
    import numpy as np
    import pandas as pd

    from compliance_kit.analysis import retention as R
    from compliance_kit.contract import AsOf

    # the end of the as-of day, exclusive: what happened strictly before it counts
    as_of = pd.Timestamp(AsOf.parse(AS_OF).end).tz_localize(None)
    rules = R.resolved_rules(con).to_pandas()
    lineage = con.sql("SELECT DISTINCT code FROM jurisdiction_lineage").df()["code"]
    erase = rules[(rules.kind == "erase_within") & rules.evaluated].copy()
    erase["hours"] = erase.delay_days * 24 + erase.delay_hours
    erase = erase.sort_values(["delay_months", "hours", "rule_id"]).drop_duplicates(
        ["code", "category", "trigger_event"])
    retain = rules[(rules.kind == "retain_minimum") & rules.evaluated]

    def naive(s):
        return s.dt.tz_convert("UTC").dt.tz_localize(None)

    rec = pd.read_parquet(folder / "records.parquet")
    acc = pd.read_parquet(folder / "accounts.parquet", columns=["account_id", "deleted_at"])
    req = pd.read_parquet(folder / "requests.parquet")
    ev = pd.read_parquet(folder / "events.parquet")
    for frame, cols in ((rec, ["created_at", "erased_at"]), (acc, ["deleted_at"]),
                        (req, ["received_at"]), (ev, ["occurred_at"])):
        for c in cols:
            frame[c] = naive(frame[c])
    rec = rec[rec.created_at < as_of]
    rec.loc[rec.erased_at >= as_of, "erased_at"] = pd.NaT
    acc.loc[acc.deleted_at >= as_of, "deleted_at"] = pd.NaT
    req = req[(req.type == "deletion") & (req.received_at < as_of)]
    dr = req.groupby("account_id", as_index=False).received_at.min().rename(
        columns={"received_at": "t_deletion_requested"})
    ev = ev[ev.occurred_at < as_of]
    evp = ev.pivot_table(index="subject_id", columns="event", values="occurred_at", aggfunc="min")
    rec["code"] = rec.jurisdiction.where(rec.jurisdiction.isin(lineage), "GLOBAL")
    rec = rec.merge(acc, on="account_id", how="left").merge(dr, on="account_id", how="left")
    clocks = {"account_deleted": rec.deleted_at, "deletion_requested": rec.t_deletion_requested,
              "collected": rec.created_at}
    for event in evp.columns:
        by_record = rec.record_id.map(evp[event])
        by_account = rec.account_id.map(evp[event])
        clocks[event] = pd.concat([by_record, by_account], axis=1).min(axis=1)
    deadline = pd.Series(pd.NaT, index=rec.index, dtype="datetime64[us]")
    clock_start = deadline.copy()
    for trigger, group in erase.groupby("trigger_event"):
        if trigger not in clocks:
            continue
        keyed = group.set_index(["code", "category"])
        idx = pd.MultiIndex.from_arrays([rec.code, rec.category])
        months = pd.Series(keyed.delay_months.reindex(idx).to_numpy(), index=rec.index)
        hours = pd.Series(keyed.hours.reindex(idx).to_numpy(), index=rec.index)
        d = clocks[trigger] + pd.to_timedelta(hours, unit="h")
        for m in months.dropna().unique():
            if m:
                sel = months == m
                d[sel] = d[sel] + pd.DateOffset(months=int(m))
        earlier = d.notna() & (deadline.isna() | (d < deadline))
        deadline = deadline.where(~earlier, d)
        clock_start = clock_start.where(~earlier, clocks[trigger])
    retain_until = pd.Series(pd.NaT, index=rec.index, dtype="datetime64[us]")
    for _, r in retain.iterrows():
        sel = (rec.code == r.code) & (rec.category == r.category)
        retain_until[sel] = rec.created_at[sel] + pd.DateOffset(
            months=int(r.delay_months), days=int(r.delay_days), hours=int(r.delay_hours))
    erased = rec.erased_at.notna()
    status = np.select(
        [rec.legal_hold, deadline < retain_until,
         erased & (deadline.isna() | (rec.erased_at <= deadline)), erased,
         deadline.isna(), deadline < as_of],
        ["on_legal_hold", "conflict", "erased_on_time", "erased_late", "no_trigger", "overdue"],
        "clock_running")
    rec["status"] = status
    rec["deadline"] = deadline
    overdue = rec.status == "overdue"
    rec["days_overdue"] = ((as_of - deadline).dt.total_seconds() // 86400).where(overdue)
    allowed = (deadline - clock_start).dt.total_seconds()
    rec["lag_ratio"] = ((rec.erased_at - clock_start).dt.total_seconds() / allowed).where(
        erased & (allowed > 0))
    by = {k: rec.groupby([k, "status"]).size() for k in ("category", "jurisdiction", "system")}
    by["jc"] = rec.groupby(["jurisdiction", "category", "status"]).size()
    rates = {k: v / v.groupby(level=list(range(v.index.nlevels - 1))).transform("sum") for k, v in by.items()}
    ageing = pd.cut(rec.days_overdue[overdue], [-1, 7, 30, 90, np.inf],
                    labels=["0-7", "8-30", "31-90", ">90"]).value_counts()
    lag = rec.lag_ratio.dropna()
    quantiles = lag.quantile([0.5, 0.9, 0.95, 0.99], interpolation="lower")
    per_cat = rec.groupby("category").lag_ratio.quantile([0.5, 0.9, 0.95, 0.99], interpolation="lower")
    trend = rec.groupby([rec.deadline.dt.to_period("M"), "status"]).size()
    top = rec[overdue].groupby("system").agg(overdue=("record_id", "size"),
                                             days=("days_overdue", "sum")).nlargest(10, "overdue")
    horizon = as_of + pd.Timedelta(days=30)
    upcoming = rec[(rec.status == "clock_running") & (rec.deadline < horizon)].groupby(
        [rec.deadline.dt.date, "category", "system"]).size()
    counts = rec.status.value_counts()
    del rates, ageing, per_cat, trend, top, upcoming
    return {"records_checked": int(len(rec)), "overdue": int(counts.get("overdue", 0)),
            "erased_late": int(counts.get("erased_late", 0)),
            "conflict": int(counts.get("conflict", 0)),
            "on_legal_hold": int(counts.get("on_legal_hold", 0)),
            "lag_p95": float(quantiles.loc[0.95])}


def run_phase(args) -> None:
    folder = data_dir(args.rows)
    con = open_store(folder, args.memory_limit, args.threads)
    fn = {"scan": lambda: phase_scan(con), "engine": lambda: phase_engine(con),
          "notebook": lambda: phase_notebook(con),
          "pandas": lambda: phase_pandas(folder, con)}[args.phase]
    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    times, cpus, result = [], [], None
    for _ in range(args.reps if args.phase != "pandas" else 1):
        t0, c0 = time.perf_counter(), cpu()
        result = fn()
        times.append(time.perf_counter() - t0)
        cpus.append(cpu() - c0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # CPU seconds (all threads) besides wall time: on a shared machine the wall time of the
    # same code swings by 2x with the load, its CPU time much less
    print(json.dumps({"seconds": min(times), "all": times, "cpu_seconds": min(cpus), "peak_rss_mb": peak_mb,
                      "result": result}, default=str))


def spawn(phase: str, rows: int, args) -> dict:
    cmd = [sys.executable, __file__, "--phase", phase, "--rows", str(rows), "--reps", str(args.reps),
           "--memory-limit", args.memory_limit, "--threads", str(args.threads)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{phase} at {rows:,} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, action="append", help="records (repeatable); default 10M")
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--memory-limit", default="1GB")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-pandas", action="store_true")
    ap.add_argument("--notebook", action="store_true",
                    help="also time what the retention notebook computes (engine + comparison of readings + "
                         "verdict changes + oldest overdue + rules), against the engine phase")
    ap.add_argument("--phase", choices=["scan", "engine", "notebook", "pandas"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        args.rows = args.rows[0]
        run_phase(args)
        return
    for rows in args.rows or [10_000_000]:
        generate(rows)
        scan = spawn("scan", rows, args)
        engine = spawn("engine", rows, args)
        print(f"\n== {rows:,} records, DuckDB memory_limit={args.memory_limit}, threads={args.threads}")
        print(f"bare scan      {scan['seconds']:8.2f} s   peak RSS {scan['peak_rss_mb']:7.0f} MB"
              f"   CPU {scan['cpu_seconds']:.2f} s")
        print(f"engine metrics {engine['seconds']:8.2f} s   peak RSS {engine['peak_rss_mb']:7.0f} MB"
              f"   ratio to scan {engine['seconds'] / scan['seconds']:.2f}x (aim <= 4x)"
              f"   CPU {engine['cpu_seconds']:.2f} s ({engine['cpu_seconds'] / scan['cpu_seconds']:.2f}x the scan's)")
        print(f"   headline {json.dumps(engine['result'])}")
        if args.notebook:
            nb = spawn("notebook", rows, args)
            # The notebook phase re-runs evaluate once for its own split: subtract that pass.
            split = nb["result"]["split_seconds"]
            notebook_s = split["engine_phase"] + split["compare_and_changes"] + split["oldest_overdue"] + split["rules_applied"]
            print(f"notebook path  {notebook_s:8.2f} s   peak RSS {nb['peak_rss_mb']:7.0f} MB"
                  f"   ratio to engine {notebook_s / split['engine_phase']:.2f}x (aim <= 2x)   {split}")
        if rows <= 10_000_000 and not args.no_pandas:
            pandas = spawn("pandas", rows, args)
            print(f"pandas         {pandas['seconds']:8.2f} s   peak RSS {pandas['peak_rss_mb']:7.0f} MB"
                  f"   engine is {pandas['seconds'] / engine['seconds']:.1f}x faster (aim >= 5x)")
            print(f"   headline {json.dumps(pandas['result'])}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
