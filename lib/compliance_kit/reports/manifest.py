"""The run's manifest (`internal/manifest.json`): the evidence pack of a run.

What ran, with which parameters, on which store, policy version and input files (with
their hashes), with which packages and commit, how each notebook ended, and the exit
status. The pseudonymisation entry names the key (id, fingerprint, lifetime, method from
privacy.keys), never the key itself.

`build_manifest` is a function of its inputs only (the clock, the host and git are read
by `describe_environment`), so tests can check the manifest without running a kernel.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from ..files import sha256_file
from ..privacy.keys import Key
from .collect import Outcome
from .execute import NotebookResult
from .metrics import atomic_write_text
from .plan import RunPlan

PACKAGES = ("compliance-kit", "duckdb", "polars", "pyarrow", "altair", "vl-convert-python",
            "papermill", "nbconvert", "nbclient", "nbformat", "ipykernel", "jupyter_client")
PROJECT_ROOT = Path(__file__).resolve().parents[3]    # lib/compliance_kit/reports/ -> the checkout


@dataclass(frozen=True)
class Environment:
    packages: dict            # package -> version (None: not installed), and "python"
    git: dict | None          # {"commit", "dirty" (None: unknown)}; None outside a git checkout
    host: str


def package_versions() -> dict:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_commit(root: Path = PROJECT_ROOT) -> dict | None:
    """The checkout's commit and whether tracked files differ from it; None when the kit
    does not run from a git checkout (an installed package).

    When git refuses the checkout (owned by another user: "dubious ownership") or is
    missing, the commit is read from the .git folder's files and "dirty" is None
    (unknown): git's guard is respected, since status could run the checkout's hooks."""
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=10)
        if commit.returncode == 0:
            dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                   capture_output=True, text=True, timeout=10)
            return {"commit": commit.stdout.strip(),
                    "dirty": bool(dirty.stdout.strip()) if dirty.returncode == 0 else None}
    except (OSError, subprocess.SubprocessError):
        pass
    head = read_head_commit(root)
    return None if head is None else {"commit": head, "dirty": None}


def read_head_commit(root: Path) -> str | None:
    """HEAD's commit from the files under `root`/.git (a folder, or a worktree's pointer
    file), without running git; None when there is no checkout or HEAD cannot be read."""
    try:
        git_dir = root / ".git"
        if git_dir.is_file():                          # a worktree: "gitdir: <path>"
            pointer = git_dir.read_text(encoding="utf-8").strip()
            if not pointer.startswith("gitdir:"):
                return None
            git_dir = (root / pointer[len("gitdir:"):].strip()).resolve()
        if not (git_dir / "HEAD").is_file():
            return None
        common = git_dir
        if (git_dir / "commondir").is_file():
            common = (git_dir / (git_dir / "commondir").read_text(encoding="utf-8").strip()).resolve()
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
        for _ in range(5):                             # symbolic refs may chain
            if not head.startswith("ref:"):
                break
            ref = head[len("ref:"):].strip()
            loose = next((d / ref for d in (git_dir, common) if (d / ref).is_file()), None)
            if loose is not None:
                head = loose.read_text(encoding="utf-8").strip()
                continue
            packed = common / "packed-refs"
            lines = packed.read_text(encoding="utf-8").splitlines() if packed.is_file() else []
            head = next((line.split(" ", 1)[0] for line in lines
                         if not line.startswith(("#", "^")) and line.endswith(" " + ref)), "")
    except OSError:
        return None
    return head if len(head) in (40, 64) and all(c in "0123456789abcdef" for c in head) else None


def describe_environment() -> Environment:
    return Environment(package_versions(), git_commit(), platform.node())


def iso_utc(t: float) -> str:
    """A time.time() value as ISO 8601 in UTC, to the second."""
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).isoformat(timespec="seconds")


def _single(values: list):
    return values[0] if len(values) == 1 else values


def build_manifest(*, plan: RunPlan, run_id: str, results: list[NotebookResult], outcome: Outcome,
                   key: Key, started: float, ended: float, environment: Environment) -> dict:
    """The manifest as a dict (keys in the order written). `results` are in the order of
    `plan.notebooks`; `key` is the run's pseudonymisation key, of which only the name goes in."""
    req = plan.request
    return {
        "run_id": run_id,
        "job": req.job,
        "title": req.job or ", ".join(nb.name for nb in plan.notebooks),
        "parameters": {
            "as_of": _single(sorted({str(v.get("as_of")) for v in plan.effective.values()})),
            "overrides": {k: v for vals in plan.parameters.values() for k, v in vals.items()},
            "per_notebook": {n: {**{k: v for k, v in vals.items() if k != "metrics_path"},
                                 "db_path": str(plan.db_path)}
                             for n, vals in plan.effective.items()},
            "fail_on": [t.text for t in plan.thresholds],
            "jobs": req.jobs,
        },
        # what each process was asked to run under; each notebook's `duckdb` is what its
        # kernel's DuckDB reported (current_setting), null when it never opened the store
        "resources": req.resources.describe(),
        # The store the run read: its path, its identity (every notebook checked it), how
        # the run held it still (docs/scheduling.md, "One store per run"), and each table's
        # rows and latest timestamp (reports/freshness.py).
        "store": {"path": str(plan.db_path), "identity": plan.store_identity,
                  "snapshot": plan.pinned.how if plan.pinned is not None else None,
                  "data_freshness": plan.store_info.get("data_freshness", [])},
        "policy": plan.store_info.get("policy_versions", []),
        "inputs": plan.store_info.get("inputs", []),
        "notebooks": [
            {"name": r.name, "source": str(nb.path), "source_sha256": sha256_file(nb.path),
             "status": r.status, "seconds": round(r.seconds, 2), "error": r.error,
             "failed_cell": r.failed_cell, "html": r.html, "ipynb": r.ipynb, "duckdb": r.duckdb}
            for nb, r in zip(plan.notebooks, results, strict=True)
        ],
        "thresholds_breached": outcome.breaches,
        "pseudonymisation": key.manifest_entry(),   # key id + fingerprint, never the key
        "packages": environment.packages,
        "git": environment.git,
        "host": environment.host,
        "start": iso_utc(started),
        "end": iso_utc(ended),
        "duration_seconds": round(ended - started, 2),
        "exit_status": outcome.exit_code,
        "exit_meaning": outcome.meaning,
    }


def write_manifest(path: Path, manifest: dict) -> None:
    atomic_write_text(path, json.dumps(manifest, indent=2) + "\n")
