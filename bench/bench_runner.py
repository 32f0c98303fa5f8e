"""Report runner benchmark: `compliance-kit run --all` (one process, papermill and
nbconvert APIs, notebooks overlapped in a thread pool) against the naive way measured in
the same script: for each notebook the `papermill` CLI, then the `jupyter nbconvert
--to html` CLI, one after the other. Prints wall times, the ratio and peak memory (RSS
of the whole process tree, kernels included, sampled every 50 ms).

    .venv/bin/python bench/bench_runner.py                 # notebooks/ on data/compliance.duckdb
    .venv/bin/python bench/bench_runner.py --fixtures      # the runner's fixture notebooks
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def timed(cmd: list[str], env: dict) -> tuple[float, int]:
    """Run `cmd`; return (wall seconds, peak RSS in bytes of its process tree)."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ps = psutil.Process(p.pid)
    peak = 0
    stop = threading.Event()

    def sample():
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss(ps))
            time.sleep(0.05)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    _, err = p.communicate()
    stop.set()
    t.join()
    seconds = time.perf_counter() - start
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}):\n{err.decode()[-2000:]}")
    return seconds, peak


def naive(notebooks: list[Path], db: Path, as_of: str, work: Path, env: dict) -> tuple[float, int]:
    total, peak = 0.0, 0
    for nb in notebooks:
        out = work / nb.name
        s, m = timed([str(BIN / "papermill"), str(nb), str(out), "-p", "db_path", str(db), "-p", "as_of", as_of,
                      "--cwd", str(nb.parent), "--no-progress-bar"], env)
        total, peak = total + s, max(peak, m)
        s, m = timed([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--log-level", "ERROR", str(out)], env)
        total, peak = total + s, max(peak, m)
    return total, peak


def ours(notebooks_dir: Path, db: Path, as_of: str, work: Path, jobs: int, env: dict) -> tuple[float, int]:
    return timed([str(BIN / "python"), "-m", "compliance_kit.reports", "run", "--all", "--notebooks",
                  str(notebooks_dir), "--as-of", as_of, "--db", str(db), "--out", str(work), "--jobs", str(jobs)], env)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fixtures", action="store_true", help="bench the fixture notebooks on a fixture store")
    ap.add_argument("--db", default=str(ROOT / "data" / "compliance.duckdb"))
    ap.add_argument("--as-of", default="2026-10-31")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()

    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    work = Path(tempfile.mkdtemp(prefix="bench_runner_"))
    try:
        if args.fixtures:
            sys.path.insert(0, str(ROOT / "tests"))
            from conftest_reports import NOTEBOOKS, build_fixture_store

            notebooks_dir, db = NOTEBOOKS, work / "store.duckdb"
            build_fixture_store(db)
        else:
            notebooks_dir, db = ROOT / "notebooks", Path(args.db)
            if not db.exists():
                raise SystemExit(f"{db} is missing: `make store` builds it (or pass --fixtures)")
        notebooks = sorted(notebooks_dir.glob("*.ipynb"))
        print(f"{len(notebooks)} notebooks from {notebooks_dir.relative_to(ROOT)}; store {db}; "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        (work / "naive").mkdir()
        t_naive, m_naive = naive(notebooks, db, args.as_of, work / "naive", env)
        print(f"naive (papermill CLI + jupyter nbconvert CLI, sequential): {t_naive:6.1f} s   peak RSS {m_naive / 2**20:6.0f} MiB")
        t_ours, m_ours = ours(notebooks_dir, db, args.as_of, work / "ours", args.jobs, env)
        print(f"compliance-kit run --all --jobs {args.jobs}:                    {t_ours:6.1f} s   peak RSS {m_ours / 2**20:6.0f} MiB")
        print(f"ratio run/naive: {t_ours / t_naive:.2f}x (aim <= 0.5x); per notebook {t_naive / len(notebooks):.1f} s naive, "
              f"{t_ours / len(notebooks):.1f} s ours")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
