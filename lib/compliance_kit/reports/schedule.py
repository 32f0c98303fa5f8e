"""Named report jobs in reports.toml, run with `compliance-kit run --schedule FILE JOB`.

    [jobs.daily]
    notebooks = "all"                # or a list of names in notebooks/
    as_of = "yesterday"              # YYYY-MM-DD, today or yesterday (UTC)
    fail_on = ["retention.overdue > 0"]
    out = "reports"                  # optional; also: db, jobs, notebooks_dir
    keys = ".keys"                   # optional: the key store (never inside out)
    key_lifetime = "job"             # optional: "run" (default) or "job" (one key for all runs)
    memory_limit = "2GB"             # optional: DuckDB's limit per process (default 1.5GB)
    threads = 2                      # optional: DuckDB threads per process (default: every core)
    notify = ["mailto:dpo@example.com", "webhook:team"]   # optional: who gets the summary (reports/notify.py)
    [jobs.daily.parameters]
    k = 5
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ParameterError, UserError
from ..privacy.keys import LIFETIMES
from ..resources import parse_memory_limit, parse_threads

JOB_KEYS = {"notebooks", "as_of", "parameters", "fail_on", "out", "db", "jobs", "notebooks_dir", "description",
            "keys", "key_lifetime", "memory_limit", "threads", "notify"}


@dataclass
class Job:
    name: str
    notebooks: list[str] | None          # None: all
    as_of: str | None = None
    parameters: dict = field(default_factory=dict)
    fail_on: list[str] = field(default_factory=list)
    out: str | None = None
    db: str | None = None
    jobs: int | None = None
    notebooks_dir: str | None = None
    description: str = ""
    keys: str | None = None              # the key store folder
    key_lifetime: str = "run"            # "run" or "job" (privacy/keys.py)
    memory_limit: str | None = None      # DuckDB's memory limit per process (resources.py)
    threads: int | None = None           # DuckDB threads per process
    notify: list[str] = field(default_factory=list)   # delivery targets (reports/notify.py); never settings


def load_job(path: str | Path, name: str) -> Job:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"no schedule file {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: not valid TOML: {exc}") from None
    jobs = data.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        raise UserError(f"{path}: no [jobs.NAME] tables")
    if name not in jobs:
        raise UserError(f"{path}: no job {name!r} (jobs: {', '.join(sorted(jobs))})")
    spec = jobs[name]
    unknown = set(spec) - JOB_KEYS
    if unknown:
        raise UserError(f"{path}: job {name!r} has unknown key(s) {sorted(unknown)}; known: {', '.join(sorted(JOB_KEYS))}")
    notebooks = spec.get("notebooks", "all")
    if notebooks == "all":
        notebooks = None
    elif not (isinstance(notebooks, list) and notebooks and all(isinstance(n, str) for n in notebooks)):
        raise UserError(f"{path}: job {name!r}: notebooks must be \"all\" or a list of names")
    fail_on = spec.get("fail_on", [])
    if isinstance(fail_on, str):
        fail_on = [fail_on]
    parameters = spec.get("parameters", {})
    if not isinstance(parameters, dict):
        raise UserError(f"{path}: job {name!r}: parameters must be a table")
    jobs_n = spec.get("jobs")
    if jobs_n is not None and (not isinstance(jobs_n, int) or jobs_n < 1):
        raise UserError(f"{path}: job {name!r}: jobs must be a whole number >= 1")
    as_of = spec.get("as_of")
    keys = spec.get("keys")
    if keys is not None and (not isinstance(keys, str) or not keys):
        raise UserError(f"{path}: job {name!r}: keys must be a folder path")
    key_lifetime = spec.get("key_lifetime", "run")
    if key_lifetime not in LIFETIMES:
        raise UserError(f"{path}: job {name!r}: key_lifetime must be \"run\" or \"job\", not {key_lifetime!r}")
    memory_limit, threads = spec.get("memory_limit"), spec.get("threads")
    try:  # checked here, so a bad job fails before any work like a bad option
        if memory_limit is not None:
            memory_limit = parse_memory_limit(memory_limit, "memory_limit")
        if threads is not None:
            threads = parse_threads(threads, "threads")
    except ParameterError as exc:
        raise UserError(f"{path}: job {name!r}: {exc}") from None
    notify = spec.get("notify", [])
    if isinstance(notify, str):
        notify = [notify]
    if not (isinstance(notify, list) and all(isinstance(t, str) for t in notify)):
        raise UserError(f"{path}: job {name!r}: notify must be a list of targets (mailto:..., https://..., "
                        "webhook:NAME); SMTP settings go in the notify settings file, never here")
    return Job(name, notebooks, None if as_of is None else str(as_of), dict(parameters), list(fail_on),
               spec.get("out"), spec.get("db"), jobs_n, spec.get("notebooks_dir"), spec.get("description", ""),
               keys, key_lifetime, memory_limit, threads, list(notify))
