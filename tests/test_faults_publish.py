"""Every failure to publish (issue 17, part 2): disk full, a read-only reports folder, an
`--out` under a file or in /proc. Each is exit 5 with one line on stderr (no traceback),
no visible run folder, and the index and earlier runs byte-identical.

Tests run as root here, and chmod does not stop root: a read-only folder is a read-only
bind mount, a full disk a small tmpfs. Where mounting is not allowed those tests are
skipped with the reason; the same failures are also injected as OSError at the write
layer, in process, which needs no privilege."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from compliance_kit.reports import publish as publish_mod
from compliance_kit.reports import runner
from compliance_kit.reports.publish import EXIT_PUBLISH_FAILED, PublishError
from conftest_reports import NOTEBOOKS, TEST_KEYS, fixture_store, run_cli, run_dirs  # noqa: F401

ARGS = ("run", "fx_counts", "--notebooks", NOTEBOOKS, "--as-of", "2026-10-31")


def _snapshot(out: Path) -> dict:
    """Every visible file of the reports folder, with its bytes (the lock file aside)."""
    return {p.relative_to(out): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and p.name != ".lock" and not p.relative_to(out).parts[0].startswith(".tmp-")}


def _assert_one_clean_line(proc):
    assert proc.returncode == EXIT_PUBLISH_FAILED, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(errors) == 1 and errors[0].startswith("Error: cannot write the run to "), proc.stderr
    return errors[0]


def _mount(*args) -> str | None:
    """Run mount(8); None when it worked, else why not (for the skip)."""
    if shutil.which("mount") is None:
        return "no mount command"
    proc = subprocess.run(["mount", *map(str, args)], capture_output=True, text=True)
    return None if proc.returncode == 0 else (proc.stderr.strip() or f"mount exit {proc.returncode}")


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture
def published(tmp_path, fixture_store):
    """A reports folder holding one published run: (db, out, snapshot of out)."""
    db, _ = fixture_store
    out = tmp_path / "reports"
    first = run_cli(*ARGS, "--db", db, "--out", out)
    assert first.returncode == 0, first.stderr
    return db, out, _snapshot(out)


# -- a bad --out: refused before any kernel starts --------------------------------------------

@pytest.mark.parametrize("where", ["under a file", "in /proc", "is /proc"])
def test_an_out_folder_that_cannot_exist_is_exit_5(tmp_path, fixture_store, where):
    db, _ = fixture_store
    (tmp_path / "a-file").write_text("not a folder\n")
    out = {"under a file": tmp_path / "a-file" / "reports", "in /proc": Path("/proc/ck-reports"),
           "is /proc": Path("/proc")}[where]
    proc = run_cli(*ARGS, "--db", db, "--out", out)
    line = _assert_one_clean_line(proc)
    assert str(out) in line
    assert (tmp_path / "a-file").read_text() == "not a folder\n"


# -- a read-only reports folder ---------------------------------------------------------------

def test_a_read_only_reports_folder_is_exit_5_and_left_as_it_was(tmp_path, published):
    db, out, before = published
    ro = tmp_path / "ro"
    ro.mkdir()
    why = _mount("--bind", out, ro)
    if why:
        pytest.skip(f"cannot bind-mount a folder here: {why}")
    try:
        why = _mount("-o", "remount,bind,ro", ro)
        if why:
            pytest.skip(f"cannot make a bind mount read-only here: {why}")
        proc = run_cli(*ARGS, "--db", db, "--out", ro)
        line = _assert_one_clean_line(proc)
        assert "Read-only file system" in line
    finally:
        _umount(ro)
    assert _snapshot(out) == before
    assert not list(out.glob(".tmp-*"))


# -- a full disk: a small tmpfs ---------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    why = _mount("-t", "tmpfs", "-o", "size=16m", "tmpfs", disk)   # two runs fit (a page inlines ~1 MB of Vega code)
    if why:
        pytest.skip(f"cannot mount a small tmpfs here: {why}")
    yield disk
    _umount(disk)


def _fill(disk: Path, leave: int) -> Path:
    """Fill the filesystem, then free about `leave` bytes."""
    filler = disk / "filler"
    with open(filler, "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    size = filler.stat().st_size
    os.truncate(filler, max(0, size - leave))
    return filler


@pytest.mark.parametrize("leave", [0, 160 * 1024])   # full; the notebook fits, its page does not
def test_a_full_disk_is_exit_5_with_the_index_and_earlier_runs_intact(small_disk, fixture_store, leave):
    db, _ = fixture_store
    store = small_disk / "compliance.duckdb"
    shutil.copyfile(db, store)                   # on the same filesystem: the run pins it by hard link
    out = small_disk / "reports"
    first = run_cli(*ARGS, "--db", store, "--out", out)
    assert first.returncode == 0, first.stderr
    before = _snapshot(out)
    (earlier,) = run_dirs(out)

    filler = _fill(small_disk, leave)
    proc = run_cli(*ARGS, "--db", store, "--out", out)
    line = _assert_one_clean_line(proc)
    assert "No space left on device" in line
    assert _snapshot(out) == before, "the index or an earlier run changed"
    assert run_dirs(out) == [earlier], "a run folder became visible"
    assert not list(out.glob(".tmp-*")), "the failed run's hidden folder stayed"

    filler.unlink()                              # space again: the next run publishes
    again = run_cli(*ARGS, "--db", store, "--out", out)
    assert again.returncode == 0, again.stderr
    assert len(run_dirs(out)) == 2


# -- OSError injected at the write layer (no privilege needed) --------------------------------

def _in_process_run(db, out, tmp_path):
    from compliance_kit.reports.plan import RunRequest

    return runner.run_reports(RunRequest(
        notebooks=[NOTEBOOKS / "fx_counts.ipynb"], as_of="2026-10-31", db_path=str(db), out_dir=out,
        jobs=1, keys_dir=TEST_KEYS, echo=lambda line: None))


def _enospc(path):
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


@pytest.mark.parametrize("step", ["manifest", "page", "index", "index rename"])
def test_an_injected_enospc_at_each_write_publishes_nothing(tmp_path, published, monkeypatch, step):
    db, out, before = published
    if step == "manifest":
        def fail(path, text):
            raise _enospc(path)
        monkeypatch.setattr(runner, "write_manifest", fail)
    elif step == "page":
        from compliance_kit.reports import html

        def fail(executed, page, header):
            raise _enospc(page)
        monkeypatch.setattr(html, "export_html", fail)
    elif step == "index":
        real = publish_mod._stage_index

        def fail(folder):
            staged = real(folder)
            staged.unlink()
            raise _enospc(staged)
        monkeypatch.setattr(publish_mod, "_stage_index", fail)
    else:  # the folder is renamed, then the index cannot be: the run is taken back
        real_replace = os.replace

        def fail(src, dst, *a, **k):
            if Path(dst).name == "index.html":
                raise _enospc(dst)
            return real_replace(src, dst, *a, **k)
        monkeypatch.setattr(publish_mod.os, "replace", fail)
    with pytest.raises(PublishError, match=r"cannot write the run to .*No space left on device") as caught:
        _in_process_run(db, out, tmp_path)
    assert caught.value.exit_code == 5
    monkeypatch.undo()
    assert _snapshot(out) == before
    assert len(run_dirs(out)) == 1
    assert not list(out.glob(".tmp-*")) and not list(out.glob(".index.html.*"))


# -- which errors are failures to publish -------------------------------------------------------

def test_what_counts_as_a_failure_to_publish(tmp_path):
    from papermill.exceptions import PapermillExecutionError

    from compliance_kit.reports.publish import publish_failure

    out = tmp_path / "reports"
    in_kernel = PapermillExecutionError(cell_index=4, exec_count=3, source="write_metrics(...)", ename="OSError",
                                        evalue=f"[Errno 28] No space left on device: '{out}/.tmp-x/.metrics/a.json'",
                                        traceback=[])
    cases = {
        "disk full anywhere": (OSError(errno.ENOSPC, "No space left on device", "/var/tmp/x"), True),
        "read-only filesystem": (OSError(errno.EROFS, "Read-only file system", str(out / "index.html")), True),
        "a file of the run": (PermissionError(errno.EACCES, "Permission denied", str(out / ".tmp-x" / "a.html")), True),
        "a kernel's disk full": (in_kernel, True),
        "a missing input elsewhere": (FileNotFoundError(errno.ENOENT, "No such file", "/data/x.parquet"), False),
        "a notebook's own error": (PapermillExecutionError(4, 3, "1/0", "ZeroDivisionError", "division by zero", []), False),
        "not an OSError": (ValueError("bad"), False),
    }
    for name, (exc, expected) in cases.items():
        failure = publish_failure(exc, out)
        assert (failure is not None) == expected, name
        if failure is not None:
            assert failure.exit_code == 5 and str(out) in str(failure), name
