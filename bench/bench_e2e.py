"""End-to-end benchmark: the user's path, synth -> build -> `run --all`, with the wall time
and the peak resident memory of every process (the runner and each notebook's kernel
apart), under the kit's default DuckDB memory limit unless told otherwise.

    .venv/bin/python bench/bench_e2e.py                        # 1,000,000 accounts: ~10M records
    .venv/bin/python bench/bench_e2e.py --accounts 10000000    # ~100M records (spills; ~35 GB of disk)
    .venv/bin/python bench/bench_e2e.py --memory-limit 1GB --threads 2 --keep

Data goes to bench/out/e2e_<accounts>/ (gitignored): the sample is reused when its
manifest is there (`--fresh` regenerates it), the store is rebuilt every time (build is
measured). Each step is one `compliance-kit` process; a sampler thread reads the RSS of
the step's process tree every 100 ms (psutil) and keeps each process's peak, naming a
kernel by the notebook it runs (the runner hands each kernel the settings file named
after its notebook: compliance_kit.resources.ENV_SETTINGS_FILE). Prints a table and,
with --json FILE, writes the figures. Without --keep, the run's reports are removed
afterwards (and with --drop-data, the sample and store too).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
CK = [sys.executable, "-c", "from compliance_kit.cli import main; main()"]
SETTINGS_ENV = "COMPLIANCE_KIT_SETTINGS_FILE"
AS_OF = "2026-10-31"


def _label(proc: psutil.Process, root_pid: int) -> str:
    """'runner' for the step's own process, 'kernel:<notebook>' for a report kernel."""
    if proc.pid == root_pid:
        return "main"
    try:
        settings = proc.environ().get(SETTINGS_ENV)
    except psutil.Error:
        settings = None
    if settings:
        return "kernel:" + Path(settings).name.split(".")[0]
    try:
        return "child:" + " ".join(proc.cmdline()[:3])[:60]
    except psutil.Error:
        return f"child:{proc.pid}"


class Sampler:
    """Peak RSS per process of a tree, and of the tree as a whole, sampled every `every` s."""

    def __init__(self, pid: int, every: float = 0.1):
        self.root = psutil.Process(pid)
        self.every = every
        self.peaks: dict[str, int] = {}
        self.tree_peak = 0
        self._labels: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _loop(self):
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                procs = []
            total = 0
            for p in procs:
                try:
                    rss = p.memory_info().rss
                except psutil.Error:
                    continue
                if p.pid not in self._labels:
                    self._labels[p.pid] = _label(p, self.root.pid)
                label = self._labels[p.pid]
                self.peaks[label] = max(self.peaks.get(label, 0), rss)
                total += rss
            self.tree_peak = max(self.tree_peak, total)
            time.sleep(self.every)


def step(name: str, args: list[str], env: dict) -> dict:
    """Run one compliance-kit command; its wall time, exit status and peaks."""
    print(f"== {name}: compliance-kit {' '.join(args)}", flush=True)
    start = time.perf_counter()
    log = OUT / f"e2e_{name}.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([*CK, *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        with Sampler(proc.pid) as sampler:
            code = proc.wait()
    seconds = time.perf_counter() - start
    result = {"step": name, "seconds": round(seconds, 1), "exit": code,
              "tree_peak_mb": round(sampler.tree_peak / 2**20),
              "process_peak_mb": {k: round(v / 2**20) for k, v in sorted(sampler.peaks.items())}}
    print(f"   {seconds:.1f} s, exit {code}, tree peak {result['tree_peak_mb']} MB", flush=True)
    for label, mb in result["process_peak_mb"].items():
        print(f"   {label:<40} {mb:>7} MB", flush=True)
    if code != 0:
        print(log.read_text()[-3000:], flush=True)
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=1_000_000, help="synth --accounts (about 10 records each)")
    ap.add_argument("--memory-limit", default=None, help="passed to build and run (default: the kit's)")
    ap.add_argument("--threads", default=None)
    ap.add_argument("--jobs", type=int, default=None, help="run --jobs")
    ap.add_argument("--fresh", action="store_true", help="regenerate the sample")
    ap.add_argument("--skip-build", action="store_true", help="reuse the store of a previous run")
    ap.add_argument("--keep", action="store_true", help="keep the run's reports")
    ap.add_argument("--drop-data", action="store_true", help="remove the sample and store at the end")
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args()

    folder = OUT / f"e2e_{a.accounts}"
    sample, db, reports = folder / "sample", folder / "compliance.duckdb", folder / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.pop("COMPLIANCE_KIT_DB", None)
    env["PYTHONPATH"] = str(ROOT / "lib") + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("COMPLIANCE_KIT_KEYS", str(folder / "keys"))
    limits = []
    if a.memory_limit:
        limits += ["--memory-limit", a.memory_limit]
    if a.threads:
        limits += ["--threads", str(a.threads)]

    load = os.getloadavg()
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    results = []
    if a.fresh or not (sample / "manifest.json").exists():
        results.append(step("synth", ["synth", "--accounts", str(a.accounts), "--out", str(sample), "--force"], env))
    if not a.skip_build or not db.exists():
        results.append(step("build", ["build", "--data", str(sample), "--db", str(db), *limits], env))
    run_args = ["run", "--all", "--as-of", AS_OF, "--db", str(db), "--out", str(reports), *limits]
    if a.jobs:
        run_args += ["--jobs", str(a.jobs)]
    results.append(step("run", run_args, env))
    load_end = os.getloadavg()
    print(f"load average at end: {load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f}", flush=True)
    runs = sorted(p for p in reports.iterdir() if p.is_dir() and not p.name.startswith(".")) if reports.exists() else []
    notebooks = {}
    if runs:
        manifest = json.loads((runs[-1] / "internal" / "manifest.json").read_text())
        notebooks = {n["name"]: {"status": n["status"], "seconds": n["seconds"], "duckdb": n.get("duckdb")}
                     for n in manifest["notebooks"]}
        for name, n in notebooks.items():
            print(f"   {name:<24} {n['status']:<6} {n['seconds']:>7.1f} s  {n['duckdb']}", flush=True)
    figures = {"accounts": a.accounts, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "load_average_start": load, "load_average_end": load_end, "steps": results,
               "notebooks": notebooks}
    if a.json:
        a.json.write_text(json.dumps(figures, indent=2) + "\n")
    if not a.keep:
        shutil.rmtree(reports, ignore_errors=True)
    if a.drop_data:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if all(r["exit"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
