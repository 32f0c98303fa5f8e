"""A run is published with one rename: killing it mid-way (SIGKILL, Ctrl-C) leaves
the index and previous runs intact and no half run visible; the next run removes
the dead run's hidden temp folder. Two runs at once both succeed and both are indexed."""

import os
import signal
import subprocess
import time

import pytest

from conftest_reports import CK, NOTEBOOKS, ROOT, fixture_store, run_cli, run_dirs  # noqa: F401


def _start(db, out, *extra):
    env = dict(os.environ)
    env.pop("COMPLIANCE_KIT_DB", None)
    return subprocess.Popen(
        [*CK, "run", "--all", "--notebooks", str(NOTEBOOKS), "--as-of", "2026-10-31", "--db", str(db),
         "--out", str(out), "--jobs", "2", *extra],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )


def _wait_for_kernels(out, seconds=60):
    """Wait until the run's temp folder holds an executed notebook being written."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        tmps = [p for p in out.glob(".tmp-*") if list(p.glob("internal/*.ipynb"))]
        if tmps:
            return tmps[0]
        time.sleep(0.2)
    raise AssertionError("the run never started executing")


def _snapshot(out):
    return {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and ".lock" not in p.name}


def test_sigkill_mid_run_leaves_no_visible_half_run(tmp_path, fixture_store):
    db, _ = fixture_store
    out = tmp_path / "reports"
    first = run_cli("run", "fx_accounts", "--notebooks", NOTEBOOKS, "--as-of", "2026-10-31", "--db", db, "--out", out)
    assert first.returncode == 0, first.stderr
    before = _snapshot(out)
    (previous,) = run_dirs(out)

    proc = _start(db, out, "-p", "sleep_seconds=60")
    try:
        tmp = _wait_for_kernels(out)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert run_dirs(out) == [previous], "a half run became visible"
    assert _snapshot(out) == {**before, **{k: v for k, v in _snapshot(out).items() if str(k).startswith(".tmp-")}}
    assert (out / "index.html").read_bytes() == before[(out / "index.html").relative_to(out)]
    assert tmp.exists(), "the dead run's temp folder is hidden until the next run"

    # The next run publishes normally and clears the dead run's temp folder.
    again = run_cli("run", "fx_accounts", "--notebooks", NOTEBOOKS, "--as-of", "2026-10-31", "--db", db, "--out", out)
    assert again.returncode == 0, again.stderr
    assert not tmp.exists()
    assert len(run_dirs(out)) == 2
    manifest = previous / "internal" / "manifest.json"
    assert manifest.read_bytes() == before[manifest.relative_to(out)]


def test_ctrl_c_removes_the_temp_folder(tmp_path, fixture_store):
    db, _ = fixture_store
    out = tmp_path / "reports"
    proc = _start(db, out, "-p", "sleep_seconds=60")
    try:
        _wait_for_kernels(out)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130, err
    assert not list(out.glob(".tmp-*")), "Ctrl-C left a temp folder"
    assert run_dirs(out) == []


@pytest.mark.parametrize("when", ["executing", "starting"])
def test_sigterm_removes_the_temp_folder(tmp_path, fixture_store, when):
    db, _ = fixture_store
    out = tmp_path / "reports"
    proc = _start(db, out, "-p", "sleep_seconds=60")
    try:
        if when == "executing":
            _wait_for_kernels(out)
        else:  # while kernels are still starting
            deadline = time.time() + 60
            while not list(out.glob(".tmp-*")) and time.time() < deadline:
                time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130
    assert not list(out.glob(".tmp-*")) and run_dirs(out) == []


def test_two_concurrent_runs_both_succeed_and_are_indexed(tmp_path, fixture_store):
    db, _ = fixture_store
    out = tmp_path / "reports"
    a = _start(db, out, "--jobs", "1")
    b = _start(db, out, "--jobs", "1")
    outs = [p.communicate(timeout=300) for p in (a, b)]
    assert (a.returncode, b.returncode) == (0, 0), outs
    runs = run_dirs(out)
    assert len(runs) == 2
    index = (out / "index.html").read_text()
    for run in runs:
        assert f'href="{run.name}/fx_counts.html"' in index
        assert (run / "internal" / "manifest.json").exists() and (run / "internal" / "metrics.json").exists()
    assert not list(out.glob(".tmp-*"))
    assert not [p for p in out.iterdir() if p.name.startswith(".index.html")], "index temp file left"
