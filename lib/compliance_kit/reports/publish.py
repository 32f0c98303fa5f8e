"""The run folder: written hidden, published with one rename.

A run writes everything to `OUT/.tmp-<run-id>/`; publishing renames it to `OUT/<run-id>/`
(one atomic rename) and rebuilds the index, both under a file lock. A crash, Ctrl-C or
kill leaves at most a hidden `.tmp-*` folder, removed by the next run; readers never see
half a run.

    OUT/.tmp-<run-id>/.pid        the writing process, so the next run knows it is dead
    OUT/.tmp-<run-id>/.metrics/   one metrics file per notebook, merged by collect.py
    OUT/.tmp-<run-id>/.logs/      the kernels' stderr: start-up noise, not evidence
    OUT/.tmp-<run-id>/.store/     the store as the run pinned it (store.pin_store)
    OUT/.tmp-<run-id>/internal/   executed notebooks, metrics.json, manifest.json

Scratch (`.pid`, `.metrics`, `.logs`, `.store`) is removed before the rename, so a
published run holds only its pages and `internal/` (docs/sharing.md).

Publishing is the commit: the new index (with the new run) is written to a hidden temp
file first, the one step of it that needs space; then the folder is renamed into place
and the index renamed over the old one, with Ctrl-C / SIGTERM deferred over the two
renames (interrupts.deferred). A run that cannot be written (disk full, a read-only
folder, `--out` under a file or in /proc) is a PublishError: exit 5, one line, the hidden
folder removed, the index and earlier runs as they were.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .. import interrupts
from ..errors import UserError
from .collect import EXIT_PUBLISH_FAILED
from .metrics import locked

LOCK_NAME = ".lock"
TMP_PREFIX = ".tmp-"
INTERNAL = "internal"       # the run's sub-folder that is not to be forwarded
STARTING_GRACE_SECONDS = 3600   # a temp folder without a pid this young may be a run just starting
INDEX_NAME = "index.html"
# Errors of the storage itself, whichever file they hit: a run that meets one cannot be written.
STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG, errno.EIO}


class PublishError(UserError):
    """The run could not be written or published; nothing of it is visible."""

    exit_code = EXIT_PUBLISH_FAILED


def _under(path, folder: Path) -> bool:
    try:
        return Path(os.path.abspath(path)).is_relative_to(Path(os.path.abspath(folder)))
    except (TypeError, ValueError):
        return False


def _errno_of(exc: BaseException) -> int | None:
    """An OSError's errno, or the one a kernel reported: a notebook cell that failed with
    an OSError arrives as papermill's PapermillExecutionError, "[Errno 28] ..." in its text."""
    if isinstance(exc, OSError):
        return exc.errno
    if str(getattr(exc, "ename", "")).endswith("Error"):
        match = re.match(r"\[Errno (\d+)\]", str(getattr(exc, "evalue", "")))
        if match:
            return int(match.group(1))
    return None


def publish_failure(exc: BaseException, out_dir: Path) -> PublishError | None:
    """The PublishError that `exc` amounts to, or None when it is not a failure to write
    the run: an OSError on a file of the reports folder `out_dir`, or a storage error
    (disk full, quota, read-only filesystem) on any file, in this process or a kernel."""
    code = _errno_of(exc)
    if code is None:
        return None
    filename = getattr(exc, "filename", None)
    if code not in STORAGE_ERRNOS and not (filename and _under(filename, out_dir)):
        return None
    reason = os.strerror(code) if code else str(exc)
    where = f" ({filename})" if filename else ""
    return PublishError(f"cannot write the run to {out_dir}: {reason}{where}; nothing was published, "
                        "the index and earlier runs are unchanged")


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

    @property
    def store_pin(self) -> Path:
        return self.tmp / ".store"


def open_run_folder(out_dir: str | Path, run_id: str, echo: Callable[[str], None]) -> RunFolder:
    """Create the hidden temp folder of a run (clearing those of dead runs first). A
    reports folder that cannot be written is a PublishError, before any kernel starts."""
    out = Path(out_dir).resolve()
    folder = RunFolder(out, run_id)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with locked(out / LOCK_NAME, on_wait=echo):
            remove_stale_temp(out)
            folder.tmp.mkdir()
            (folder.tmp / ".pid").write_text(f"{os.getpid()}\n")
        for sub in (folder.metrics_parts, folder.kernel_logs, folder.internal):
            sub.mkdir()
    except OSError as exc:
        discard(folder)
        failure = publish_failure(exc, out) or PublishError(
            f"cannot write the run to {out}: {exc.strerror or exc}; nothing was published")
        raise failure from None
    return folder


def _run_entry(folder: RunFolder) -> dict:
    """The new run as index.load_runs gives each published run (it is still hidden)."""
    from .history import read_run
    from .overview import OVERVIEW_NAME

    run = read_run(folder.tmp)
    if run is None:
        raise FileNotFoundError(f"no readable manifest in {folder.internal}")
    return {**run, "folder": folder.run_id, "has_overview": (folder.tmp / OVERVIEW_NAME).is_file()}


def _stage_index(folder: RunFolder) -> Path:
    """The index with the new run, written to a hidden temp file beside index.html."""
    from .index import load_runs, render_index

    runs = load_runs(folder.out_dir) + [_run_entry(folder)]
    runs.sort(key=lambda r: (r["manifest"].get("start", ""), r["folder"]), reverse=True)  # as load_runs
    fd, tmp = tempfile.mkstemp(prefix=f".{INDEX_NAME}.", suffix=".tmp", dir=folder.out_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(render_index(runs))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def publish(folder: RunFolder, echo: Callable[[str], None]) -> Path:
    """Drop the scratch, then commit: the new index staged, the temp folder renamed into
    place, the index renamed over the old one. Raises OSError (the caller's PublishError)
    with nothing visible changed."""
    for scratch in (folder.metrics_parts, folder.kernel_logs, folder.store_pin):
        shutil.rmtree(scratch, ignore_errors=True)
    (folder.tmp / ".pid").unlink(missing_ok=True)
    with locked(folder.out_dir / LOCK_NAME, on_wait=echo):
        from .overview import write_overview

        # the run's overview (its index.html) first, so it is part of the one rename
        write_overview(folder.tmp, folder.out_dir, echo)
        staged = _stage_index(folder)
        try:
            with interrupts.deferred():
                os.rename(folder.tmp, folder.final)
                try:
                    os.replace(staged, folder.out_dir / INDEX_NAME)
                except OSError:
                    os.rename(folder.final, folder.tmp)   # not published after all
                    raise
        finally:
            staged.unlink(missing_ok=True)
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
