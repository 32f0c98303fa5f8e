"""The published runs of a reports folder: list them, and prune those no longer wanted.

`compliance-kit runs list` and `compliance-kit runs prune [--keep N] [--failed] [--before
DATE] [--dry-run]` are thin commands over `list_runs` and `prune_runs`.

Which runs a prune removes: every option given narrows the choice, and `--keep` protects.
- `--failed`: only failed runs (a notebook failed, or the run was interrupted; a breached
  `--fail-on` threshold is a result, not a failure);
- `--before DATE`: only runs started before that day (UTC);
- `--keep N`: never the N newest runs (alone: everything but the N newest);
- never the newest successful run, whatever the options say (the index and the next
  run's comparison lead to it).

Pruning is atomic: under the reports folder's lock (the one publishing takes), the chosen
run folders are renamed into one hidden `.trash-<id>` folder and the index is rebuilt; if
any step fails they are renamed back and nothing is lost. Only then is the trash deleted
(a crash before that leaves a hidden `.trash-*` folder, removed by the next prune). A
folder without a readable manifest is not a run and is never touched.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from ..errors import ParameterError, UserError
from .history import as_of_of, is_successful, published_runs
from .metrics import locked
from .publish import LOCK_NAME, new_run_id

TRASH_PREFIX = ".trash-"
STATUS_WORDS = {0: "ok", 2: "bad parameters", 3: "failed", 4: "threshold breached", 130: "interrupted"}


@dataclass(frozen=True)
class RunEntry:
    run_id: str             # the folder's name
    start: str              # ISO 8601 UTC, "" if unknown
    as_of: str
    job: str
    status: str             # in words
    exit_status: int | None
    successful: bool
    policy: str
    reports: int


def _policy_name(p: dict) -> str:
    pid, version = str(p.get("policy_id")), str(p.get("version"))
    return pid if version in pid else f"{pid} {version}"


def _entry(run: dict) -> RunEntry:
    m = run["manifest"]
    policy = "; ".join(_policy_name(p) for p in m.get("policy") or [] if isinstance(p, dict)) or "unknown"
    code = m.get("exit_status")
    return RunEntry(run["folder"], str(m.get("start", "")), as_of_of(m), str(m.get("job") or ""),
                    STATUS_WORDS.get(code, f"exit {code}"), code, is_successful(m), policy,
                    len(m.get("notebooks") or []))


def _folder(out_dir: str | Path) -> Path:
    out = Path(out_dir)
    if not out.is_dir():
        raise UserError(f"no reports folder {out}: pass --out DIR (the folder a run's --out wrote to)")
    return out


def list_runs(out_dir: str | Path) -> list[RunEntry]:
    """The published runs of `out_dir`, newest first."""
    return [_entry(run) for run in published_runs(_folder(out_dir))]


def parse_before(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise ParameterError(f"--before must be a date written YYYY-MM-DD, not {text!r}") from None


def _started_before(entry: RunEntry, day: dt.date) -> bool:
    try:
        start = dt.datetime.fromisoformat(entry.start)
    except ValueError:
        return False            # no start recorded: not known to be older, so kept
    if start.tzinfo is not None:
        start = start.astimezone(dt.timezone.utc)
    return start.date() < day


def choose(entries: list[RunEntry], keep: int | None = None, failed: bool = False,
           before: dt.date | None = None) -> list[RunEntry]:
    """The runs to remove (module docstring), from `entries` newest first."""
    if keep is None and not failed and before is None:
        raise UserError("say what to prune: --keep N, --failed and/or --before DATE (see --help)")
    if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 0):
        raise ParameterError(f"--keep must be a whole number >= 0, not {keep!r}")
    protected = set(e.run_id for e in entries[:keep]) if keep is not None else set()
    newest_ok = next((e for e in entries if e.successful), None)
    if newest_ok is not None:
        protected.add(newest_ok.run_id)
    chosen = []
    for e in entries:
        if e.run_id in protected:
            continue
        if failed and e.successful:
            continue
        if before is not None and not _started_before(e, before):
            continue
        chosen.append(e)
    return chosen


@dataclass(frozen=True)
class PruneResult:
    removed: list[RunEntry]
    kept: list[RunEntry]
    dry_run: bool


def remove_stale_trash(out: Path) -> None:
    """Delete the trash a crashed prune left (call under the lock)."""
    for trash in out.glob(f"{TRASH_PREFIX}*"):
        if trash.is_dir():
            shutil.rmtree(trash, ignore_errors=True)


def prune_runs(out_dir: str | Path, keep: int | None = None, failed: bool = False, before: str | None = None,
               dry_run: bool = False, echo: Callable[[str], None] | None = None) -> PruneResult:
    """Remove the chosen runs of `out_dir` atomically and rebuild the index (module
    docstring). With `dry_run`, only say which runs would go."""
    from .index import rebuild_index

    out = _folder(out_dir)
    day = parse_before(before)
    choose([], keep, failed, day)                  # the options' errors before taking the lock
    with locked(out / LOCK_NAME, on_wait=echo):
        entries = list_runs(out)                   # read under the lock: no run is half-published
        chosen = choose(entries, keep, failed, day)
        kept = [e for e in entries if e not in chosen]
        if dry_run or not chosen:
            return PruneResult(chosen, kept, dry_run)
        remove_stale_trash(out)
        trash = out / f"{TRASH_PREFIX}{new_run_id()}"
        trash.mkdir()
        moved: list[str] = []
        try:
            for e in chosen:
                os.rename(out / e.run_id, trash / e.run_id)
                moved.append(e.run_id)
            rebuild_index(out)
        except BaseException:
            for name in reversed(moved):           # put everything back: all or nothing
                os.rename(trash / name, out / name)
            shutil.rmtree(trash, ignore_errors=True)
            rebuild_index(out)
            raise
    shutil.rmtree(trash, ignore_errors=True)
    return PruneResult(chosen, kept, False)


def format_runs(entries: list[RunEntry]) -> str:
    """A plain-text table of runs, for `runs list`."""
    header = ("run", "started (UTC)", "as of", "job", "status", "policy")
    rows = [(e.run_id, e.start.replace("T", " ")[:19], e.as_of, e.job or "-", e.status, e.policy) for e in entries]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip() for r in [header, *rows]]
    return "\n".join(lines)


def as_dicts(entries: list[RunEntry]) -> list[dict]:
    return [asdict(e) for e in entries]
