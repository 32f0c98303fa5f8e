"""The run folder: written hidden, published with one rename.

A run writes everything to `OUT/.tmp-<run-id>/`; publishing renames it to `OUT/<run-id>/`
(one atomic rename) and rebuilds the index, both under a file lock. A crash, Ctrl-C or
kill leaves at most a hidden `.tmp-*` folder, removed by the next run; readers never see
half a run.

    OUT/.tmp-<run-id>/.pid        the writing process, so the next run knows it is dead
    OUT/.tmp-<run-id>/.metrics/   one metrics file per notebook, merged by collect.py
    OUT/.tmp-<run-id>/.logs/      the kernels' stderr: start-up noise, not evidence
    OUT/.tmp-<run-id>/internal/   executed notebooks, metrics.json, manifest.json

Scratch (`.pid`, `.metrics`, `.logs`) is removed before the rename, so a published run
holds only its pages and `internal/` (docs/sharing.md).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .metrics import locked

LOCK_NAME = ".lock"
TMP_PREFIX = ".tmp-"
INTERNAL = "internal"       # the run's sub-folder that is not to be forwarded
STARTING_GRACE_SECONDS = 3600   # a temp folder without a pid this young may be a run just starting


def new_run_id(now: dt.datetime | None = None) -> str:
    """UTC time to the second, then 6 random hex digits: ids sort by time and do not collide."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


@dataclass(frozen=True)
class RunFolder:
    out_dir: Path
    run_id: str

    @property
    def tmp(self) -> Path:
        return self.out_dir / f"{TMP_PREFIX}{self.run_id}"

    @property
    def final(self) -> Path:
        return self.out_dir / self.run_id

    @property
    def internal(self) -> Path:
        return self.tmp / INTERNAL

    @property
    def metrics_parts(self) -> Path:
        return self.tmp / ".metrics"

    @property
    def kernel_logs(self) -> Path:
        return self.tmp / ".logs"


def open_run_folder(out_dir: str | Path, run_id: str, echo: Callable[[str], None]) -> RunFolder:
    """Create the hidden temp folder of a run (clearing those of dead runs first)."""
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    folder = RunFolder(out, run_id)
    with locked(out / LOCK_NAME, on_wait=echo):
        remove_stale_temp(out)
        folder.tmp.mkdir()
        (folder.tmp / ".pid").write_text(f"{os.getpid()}\n")
    for sub in (folder.metrics_parts, folder.kernel_logs, folder.internal):
        sub.mkdir()
    return folder


def publish(folder: RunFolder, echo: Callable[[str], None]) -> Path:
    """Drop the scratch, rename the temp folder into place and rebuild the index."""
    from .index import rebuild_index
    from .overview import write_overview

    shutil.rmtree(folder.metrics_parts, ignore_errors=True)
    shutil.rmtree(folder.kernel_logs, ignore_errors=True)
    (folder.tmp / ".pid").unlink(missing_ok=True)
    with locked(folder.out_dir / LOCK_NAME, on_wait=echo):
        write_overview(folder.tmp, folder.out_dir, echo)   # the run's index.html, published with it
        os.rename(folder.tmp, folder.final)
        rebuild_index(folder.out_dir)
    return folder.final


def discard(folder: RunFolder) -> None:
    """Remove an unpublished run (interrupted or broken): nothing of it stays visible."""
    shutil.rmtree(folder.tmp, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def remove_stale_temp(out_dir: Path) -> list[Path]:
    """Remove `.tmp-*` folders whose run died (crash, kill -9). Call under the lock."""
    removed = []
    for tmp in out_dir.glob(f"{TMP_PREFIX}*"):
        pid_file = tmp / ".pid"
        try:
            pid = int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            # No pid yet: a run that is just starting, or one killed at once. Age decides.
            if time.time() - tmp.stat().st_mtime < STARTING_GRACE_SECONDS:
                continue
            pid = -1
        if pid <= 0 or not _pid_alive(pid):
            shutil.rmtree(tmp, ignore_errors=True)
            removed.append(tmp)
    return removed
